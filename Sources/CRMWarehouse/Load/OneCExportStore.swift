import Foundation
import HubCore
import Logging
import PostgresNIO

/// What goes into the next EnterpriseData message to a 1C node.
package struct OneCExportContent: Sendable {
    package var peerNode: String
    package var ourNode: String
    package var messageNo: Int
    /// The last message number accepted from the peer: our acknowledgement of its messages.
    package var receivedNo: Int
    /// The last of our messages the peer confirmed; changes after it are (re)sent.
    package var acknowledgedNo: Int
    package var counterparties: [CounterpartyRow]
    package var invoices: [InvoiceRow]
    /// `(reference kind, ref)` of CRM-side objects deleted since the acknowledged message.
    package var deletions: [(kind: String, ref: String)]
}

package struct OneCExportReceipt: Sendable {
    package var messageNo: Int
    package var receivedNo: Int
    package var acknowledgedNo: Int
    package var counterparties: Int
    package var invoices: Int
    package var deletions: Int
    package var fileName: String
}

/// Chooses what to send to a 1C node and records what was sent, the way 1C's own exchange does: every
/// CRM-side change after the last message the node acknowledged goes out, again and again, until the node's
/// `ReceivedNo` confirms a message that carried it.
package struct OneCExportStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// Builds the next message for `peer` and hands it to `write`, which writes the file and returns its name;
    /// the new sent number is committed only after the file is written. Serialised per node. A `preview` writes
    /// the same message and records nothing: the next real one has the same number and content.
    package func export(
        peer: String, ourNode: String, organization: PartyReference?, preview: Bool = false,
        write: @Sendable (OneCExportContent) throws -> String
    ) async throws -> OneCExportReceipt {
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            try await connection.inTransaction(logger: logger) {
                // SHARE mode waits for CRM-side writers in flight and holds new ones off until the message is
                // recorded, so no change can commit behind the position this message covers.
                try await connection.query(
                    "LOCK TABLE core.counterparties, core.invoices, core.invoice_lines IN SHARE MODE", logger: logger)
                return try await Self.export(peer: peer, ourNode: ourNode, organization: organization,
                                             preview: preview, connection: connection, logger: logger, write: write)
            }
        }
    }

    private static func export(
        peer: String, ourNode: String, organization: PartyReference?, preview: Bool, connection: PostgresConnection,
        logger: Logger, write: @Sendable (OneCExportContent) throws -> String
    ) async throws -> OneCExportReceipt {
        if !preview {
            try await connection.query("""
                INSERT INTO ops.exchange_nodes (peer_node, our_node) VALUES (\(peer), \(ourNode))
                ON CONFLICT (peer_node) DO NOTHING
                """, logger: logger)
        }
        let node = try await connection.query("""
            SELECT n.sent_no, n.received_no, n.acknowledged_no, n.organization_ref, n.organization_inn,
                   n.organization_name,
                   coalesce((SELECT change_seq_upto FROM ops.exchange_sent_messages m
                             WHERE m.peer_node = n.peer_node AND m.message_no = n.acknowledged_no), 0)
            FROM ops.exchange_nodes n WHERE n.peer_node = \(peer) FOR UPDATE
            """, logger: logger).collect().first
        // A node never exchanged with (possible only in a preview) is at message 0 both ways.
        typealias NodeRow = (Int64, Int64, Int64, String?, String?, String?, Int64)
        let nodeRow: NodeRow = try node.map { try $0.decode(NodeRow.self) } ?? (0, 0, 0, nil, nil, nil, 0)
        let (sent, received, acknowledged, orgRef, orgINN, orgName, watermark) = nodeRow
        let upto = try await connection.query("""
            SELECT greatest((SELECT coalesce(max(crm_change_seq), 0) FROM core.counterparties),
                            (SELECT coalesce(max(crm_change_seq), 0) FROM core.invoices))
            """, logger: logger).collect().first!.decode(Int64.self)
        let defaultOrganization = organization ?? (orgINN != nil || orgName != nil
            ? PartyReference(ref: orgRef, inn: orgINN, name: orgName, isLegalEntity: true) : nil)

        var counterparties: [CounterpartyRow] = []
        var deletions: [(kind: String, ref: String)] = []
        for try await row in try await connection.query("""
            SELECT source_ref, inn, kpp, name, full_name, is_legal_entity, bank_account, bank_code, bank_name, phone,
                   email, address, deleted
            FROM core.counterparties
            WHERE origin = 'crm' AND crm_change_seq > \(watermark) ORDER BY crm_change_seq
            """, logger: logger) {
            let (ref, inn, kpp, name, fullName, legal, account, bankCode, bankName, phone, email, address, deleted) =
                try row.decode((String, String?, String?, String, String?, Bool?, String?, String?, String?,
                                String?, String?, String?, Bool).self)
            if deleted {
                deletions.append(("КонтрагентыСсылка", ref))
                continue
            }
            counterparties.append(CounterpartyRow(
                party: PartyReference(ref: ref, inn: inn, kpp: kpp, name: name, fullName: fullName,
                                      isLegalEntity: legal),
                bankAccount: account, bankCode: bankCode, bankName: bankName, phone: phone, email: email,
                address: address, position: XMLPosition(line: 0, path: "core.counterparties")))
        }

        var invoices: [InvoiceRow] = []
        var invoiceIDs: [Int64] = []
        for try await row in try await connection.query("""
            SELECT i.id, i.source_ref, i.number, i.issued_on::text, i.amount::text, i.currency, i.comment,
                   i.amount_includes_vat, i.due_on::text, i.contract, i.organization_inn, i.organization_name,
                   c.source_ref, coalesce(c.inn, i.counterparty_inn), c.kpp, coalesce(c.name, i.counterparty_name),
                   c.full_name, c.is_legal_entity, i.deleted
            FROM core.invoices i LEFT JOIN core.counterparties c ON c.id = i.counterparty_id
            WHERE i.origin = 'crm' AND i.crm_change_seq > \(watermark) ORDER BY i.crm_change_seq
            """, logger: logger) {
            let (id, ref, number, issued, amount, currency, comment, includesVAT, due, contract, invoiceOrgINN,
                 invoiceOrgName, partyRef, partyINN, partyKPP, partyName, partyFullName, partyLegal, deleted) =
                try row.decode((Int64, String, String, String, String, String?, String?, Bool?, String?, String?,
                                String?, String?, String?, String?, String?, String?, String?, Bool?, Bool).self)
            if deleted {
                deletions.append(("СчетПокупателюСсылка", ref))
                continue
            }
            let invoiceOrganization = invoiceOrgINN != nil || invoiceOrgName != nil
                ? PartyReference(inn: invoiceOrgINN, name: invoiceOrgName, isLegalEntity: true) : defaultOrganization
            guard let date = CalendarDate(isoDate: issued), let total = ExactAmount(parsing: amount) else {
                throw HubError(.malformedInput, "invoice \(number) has a date or amount 1C cannot take",
                               location: SourceLocation(source: "core.invoices", field: "issued_on/amount"))
            }
            invoiceIDs.append(id)
            invoices.append(InvoiceRow(
                header: DocumentHeader(
                    ref: ref, number: number, date: date, documentKind: "Документ.СчетПокупателю",
                    organization: invoiceOrganization,
                    counterparty: PartyReference(ref: partyRef, inn: partyINN, kpp: partyKPP, name: partyName,
                                                 fullName: partyFullName, isLegalEntity: partyLegal),
                    amount: total, currency: currency, comment: comment,
                    position: XMLPosition(line: 0, path: "core.invoices")),
                dueOn: due.flatMap { CalendarDate(isoDate: $0) }, amountIncludesVAT: includesVAT, contract: contract,
                lines: []))
        }
        if !invoiceIDs.isEmpty {
            var index: [Int64: Int] = [:]
            for (position, id) in invoiceIDs.enumerated() { index[id] = position }
            for try await row in try await connection.query("""
                SELECT invoice_id, kind, line_no, item_ref, item_name, sku, unit, quantity::text, price::text,
                       amount::text, vat_rate, vat_amount::text
                FROM core.invoice_lines WHERE invoice_id = ANY(\(invoiceIDs)) ORDER BY invoice_id, kind, line_no
                """, logger: logger) {
                let (id, kind, lineNo, itemRef, itemName, sku, unit, quantity, price, amount, vatRate, vatAmount) =
                    try row.decode((Int64, String, Int, String?, String?, String?, String?, String?, String?, String,
                                    String?, String?).self)
                guard let position = index[id], let lineAmount = ExactAmount(parsing: amount) else { continue }
                invoices[position].lines.append(DocumentLineRow(
                    lineNo: lineNo, kind: kind, itemRef: itemRef, itemName: itemName, sku: sku, unit: unit,
                    quantity: quantity.flatMap { ExactAmount(parsing: $0) }, price: price.flatMap { ExactAmount(parsing: $0) },
                    amount: lineAmount, vatRate: vatRate, vatAmount: vatAmount.flatMap { ExactAmount(parsing: $0) }))
            }
        }
        if invoices.contains(where: { $0.header.organization == nil }) {
            throw HubError(.configuration,
                           "1C needs our organisation on every invoice, and none is known yet for node \(peer): "
                               + "import a message from it first, or pass --organization-inn and --organization-name")
        }

        let content = OneCExportContent(
            peerNode: peer, ourNode: ourNode, messageNo: Int(sent) + 1, receivedNo: Int(received),
            acknowledgedNo: Int(acknowledged), counterparties: counterparties, invoices: invoices, deletions: deletions)
        let fileName = try write(content)
        let receipt = OneCExportReceipt(
            messageNo: Int(sent) + 1, receivedNo: Int(received), acknowledgedNo: Int(acknowledged),
            counterparties: counterparties.count, invoices: invoices.count, deletions: deletions.count,
            fileName: fileName)
        if preview { return receipt }
        try await connection.query("""
            INSERT INTO ops.exchange_sent_messages (peer_node, message_no, file_name, format_version, change_seq_upto,
                                                    counterparties, invoices)
            VALUES (\(peer), \(sent + 1), \(fileName), '1.17', \(upto), \(counterparties.count), \(invoices.count))
            ON CONFLICT (peer_node, message_no) DO UPDATE
            SET file_name = EXCLUDED.file_name, change_seq_upto = EXCLUDED.change_seq_upto,
                counterparties = EXCLUDED.counterparties, invoices = EXCLUDED.invoices, written_at = now()
            """, logger: logger)
        try await connection.query("""
            UPDATE ops.exchange_nodes SET sent_no = \(sent + 1), updated_at = now() WHERE peer_node = \(peer)
            """, logger: logger)
        return receipt
    }
}
