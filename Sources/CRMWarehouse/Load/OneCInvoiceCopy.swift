import HubCore
import NIOCore

/// A buyer invoice as the stage writer hands it over: its order in the file, the mapped row, and the key
/// of the counterparty it names in the file's `PartyRegistry`.
struct StagedInvoice: Sendable {
    var seq: Int
    var row: InvoiceRow
    var partyKey: Int?
}

/// What a file's party key stands for in the warehouse once matched (the rows of `stage_party_ids`).
struct ResolvedParty: Sendable {
    var counterpartyID: Int64?
    var inn: String?
    var name: String?
}

/// A chunk's invoices and their lines as COPY text, in one of two layouts:
///
/// - **direct**, for `core.invoices` and `core.invoice_lines` themselves, with ids drawn beforehand: used
///   when none of the chunk's invoices is in the warehouse yet (the usual case: most of a message is new).
///   A plain COPY costs the server about half of staging plus `INSERT … ON CONFLICT` (batched heap inserts,
///   no speculative insertion, no temporary copy of every row; measured in docs/performance.md);
/// - **staged**, for `stage_invoice` and `stage_line`, from which `OneCMerge` upserts: for chunks where some
///   invoice exists already, or repeats.
///
/// Encoded by the task that applies the chunk, not by the parser: the parser is the load's critical path.
enum OneCInvoiceCopy {
    static let invoiceColumns = [
        "id", "source_ref", "number", "issued_on", "document_kind", "counterparty_id", "counterparty_inn",
        "counterparty_name", "organization_inn", "organization_name", "amount", "currency", "amount_includes_vat",
        "due_on", "contract", "comment", "attributes", "lines_digest", "deleted", "origin", "batch_id",
        "source_line", "source_path", "crm_change_seq",
    ]
    static let lineColumns = [
        "invoice_id", "kind", "line_no", "item_ref", "item_name", "sku", "unit", "quantity", "price", "amount",
        "vat_rate", "vat_amount", "batch_id",
    ]

    /// Rows for `core.invoices` and `core.invoice_lines`; `ids[i]` and `changeSeqs[i]` are the id and the
    /// `crm_change_seq` of `invoices[i]`.
    static func direct(_ invoices: [StagedInvoice], ids: [Int64], changeSeqs: [Int64], parties: [Int: ResolvedParty],
                       batchID: Int64) -> (invoices: ByteBuffer, lines: ByteBuffer)
    {
        var invoiceRows = CopyTextEncoder(capacity: invoices.count * 400)
        var lineRows = CopyTextEncoder(capacity: invoices.count * 300)
        let origin = "1c"
        for (index, invoice) in invoices.enumerated() {
            let id = ids[index]
            let header = invoice.row.header
            let party = invoice.partyKey.flatMap { parties[$0] }
            invoiceRows.field(Int(id))
            invoiceRows.field(header.ref)
            invoiceRows.field(header.number)
            invoiceRows.field(header.date.iso)
            invoiceRows.field(header.documentKind)
            invoiceRows.field(party?.counterpartyID.map { Int($0) })
            // As the invoice itself names its counterparty; what the file's other mentions add, otherwise.
            invoiceRows.field(header.counterparty?.inn ?? party?.inn)
            invoiceRows.field(header.counterparty?.name ?? party?.name)
            invoiceRows.field(header.organization?.inn)
            invoiceRows.field(header.organization?.name)
            invoiceRows.field(header.amount?.text)
            invoiceRows.field(header.currency)
            invoiceRows.field(invoice.row.amountIncludesVAT.map { $0 ? "t" : "f" })
            invoiceRows.field(invoice.row.dueOn?.iso)
            invoiceRows.field(invoice.row.contract)
            invoiceRows.field(header.comment)
            invoiceRows.field(header.attributesJSON)
            invoiceRows.field(OneCStageWriter.digest(invoice.row.lines))
            invoiceRows.field(header.deleted ? "t" : "f")
            invoiceRows.field(origin)
            invoiceRows.field(Int(batchID))
            invoiceRows.field(header.position.line)
            invoiceRows.field(header.position.path)
            invoiceRows.field(Int(changeSeqs[index]))
            invoiceRows.endRow()
            for line in uniqueLines(invoice.row.lines) {
                lineRows.field(Int(id))
                lineFields(line, &lineRows)
                lineRows.field(Int(batchID))
                lineRows.endRow()
            }
        }
        return (invoiceRows.take(), lineRows.take())
    }

    /// Rows for `stage_invoice` and `stage_line` (`OneCStageTable` columns).
    static func staged(_ invoices: [StagedInvoice]) -> (invoices: ByteBuffer, lines: ByteBuffer) {
        var invoiceRows = CopyTextEncoder(capacity: invoices.count * 400)
        var lineRows = CopyTextEncoder(capacity: invoices.count * 300)
        for invoice in invoices {
            let header = invoice.row.header
            documentFields(header, seq: invoice.seq, partyKey: invoice.partyKey, &invoiceRows)
            invoiceRows.field(header.organization?.inn)
            invoiceRows.field(header.organization?.name)
            invoiceRows.field(invoice.row.dueOn?.iso)
            invoiceRows.field(invoice.row.amountIncludesVAT.map { $0 ? "t" : "f" })
            invoiceRows.field(invoice.row.contract)
            invoiceRows.field(OneCStageWriter.digest(invoice.row.lines))
            invoiceRows.field(header.counterparty?.inn)
            invoiceRows.field(header.counterparty?.name)
            invoiceRows.endRow()
            for line in uniqueLines(invoice.row.lines) {
                lineRows.field(invoice.seq)
                lineFields(line, &lineRows)
                lineRows.endRow()
            }
        }
        return (invoiceRows.take(), lineRows.take())
    }

    /// The fields every staged document starts with (`OneCStageTable.document`), invoices and the documents
    /// in `stage_later` alike.
    static func documentFields(_ header: DocumentHeader, seq: Int, partyKey: Int?, _ row: inout CopyTextEncoder) {
        row.field(seq)
        row.field(header.position.line)
        row.field(header.position.path)
        row.field(header.ref)
        row.field(header.number)
        row.field(header.date.iso)
        row.field(header.documentKind)
        row.field(header.amount?.text)
        row.field(header.currency)
        row.field(header.comment)
        row.field(header.attributesJSON)
        row.field(header.deleted ? "t" : "f")
        row.field(partyKey)
    }

    /// From `kind` to `vat_amount`: the columns both layouts share, in the same order.
    private static func lineFields(_ line: DocumentLineRow, _ row: inout CopyTextEncoder) {
        row.field(line.kind)
        row.field(line.lineNo)
        row.field(line.itemRef)
        row.field(line.itemName)
        row.field(line.sku)
        row.field(line.unit)
        row.field(line.quantity?.text)
        row.field(line.price?.text)
        row.field(line.amount.text)
        row.field(line.vatRate)
        row.field(line.vatAmount?.text)
    }

    /// A line number given twice in one document keeps the later line: the warehouse key allows one line
    /// per (kind, number).
    static func uniqueLines(_ lines: [DocumentLineRow]) -> [DocumentLineRow] {
        func repeated(_ index: Int) -> Bool {
            lines[(index + 1)...].contains { $0.lineNo == lines[index].lineNo && $0.kind == lines[index].kind }
        }
        // Almost always nothing repeats: then the lines are used as they are, not copied.
        guard lines.indices.contains(where: repeated) else { return lines }
        return lines.indices.filter { !repeated($0) }.map { lines[$0] }
    }
}
