import CRMWarehouse
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Reconciliation
import Testing

/// The payables side: supplier invoices and receipts from the 1C exchange, our outgoing bank payments matched to
/// them by the same rules, returns of our payments reopening them, the payables aging and the decisions.
@Suite("supplier side")
struct SupplierReconciliationTests {
    static let suppliers = ReconciliationTests.repository
        .appendingPathComponent("samples/1c/Message_BP_CRM_2025-03_suppliers.xml").path

    static func prepare(_ warehouse: Warehouse) async throws {
        try await ReconciliationTests.prepare(warehouse)
        _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
            .importFile(path: suppliers)
    }

    /// bank reference → (ledger, outcome, rule, "receipt=amount/status;…")
    static func payables(_ warehouse: Warehouse) async throws -> [String: (String, String, String?, String)] {
        let rows = try await warehouse.client.query("""
            SELECT coalesce(t.bank_reference, t.doc_number), r.ledger, r.outcome, r.rule,
                   coalesce((SELECT string_agg(i.number || '=' || a.amount || '/' || a.status, ';' ORDER BY i.number)
                             FROM core.supplier_payment_allocations a JOIN core.supplier_invoices i ON i.id = a.invoice_id
                             WHERE a.bank_transaction_id = t.id AND a.status <> 'rejected'), '')
            FROM core.bank_transactions t JOIN core.payment_reconciliation r ON r.bank_transaction_id = t.id
            """, logger: TestDatabase.logger).collect()
        var result: [String: (String, String, String?, String)] = [:]
        for row in rows {
            let (reference, ledger, outcome, rule, allocations) =
                try row.decode((String, String, String, String?, String).self)
            result[reference] = (ledger, outcome, rule, allocations)
        }
        return result
    }

    @Test("receipts of services and our outgoing 1C payment load from EnterpriseData, and a re-import changes nothing")
    func suppliersLoad() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            let receipts = try await warehouse.client.query("""
                SELECT number, supplier_number, supplier_date::text, counterparty_inn, amount::text,
                       coalesce(contract, ''), organization_inn, source_line
                FROM core.supplier_invoices ORDER BY number
                """, logger: TestDatabase.logger).collect()
                .map { try $0.decode((String, String?, String?, String?, String, String, String?, Int).self) }
            #expect(receipts.map(\.0) == ["ПТ-0029", "ПТ-0031", "ПТ-0035"])
            #expect(receipts.map(\.1) == ["TL-88", "ST-2025/0212", "TL-97"])
            #expect(receipts[1].2 == "2025-02-28" && receipts[1].3 == "202468135" && receipts[1].5 == "15/2025")
            #expect(receipts.allSatisfy { $0.6 == "205123456" && $0.7 > 20 })
            let outgoing = try await warehouse.client.query("""
                SELECT number, direction, amount::text, coalesce(contract, '') FROM core.payments_1c
                WHERE document_kind = 'Документ.СБДСРасчетыСКонтрагентами'
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String, String).self) }
            #expect(outgoing.map(\.1) == ["out"] && outgoing.first?.2 == "12340000.00" && outgoing.first?.3 == "15/2025")
            let incoming = try await warehouse.client.query(
                "SELECT count(*)::bigint FROM core.payments_1c WHERE direction = 'out'", logger: TestDatabase.logger
            ).collect().first!.decode(Int64.self)
            #expect(incoming == 1)

            // The same message again: recognised by its number, nothing changes.
            let before = try await warehouse.client.query(
                "SELECT string_agg(id || ':' || updated_at, ',' ORDER BY id) FROM core.supplier_invoices",
                logger: TestDatabase.logger).collect().first!.decode(String.self)
            _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: Self.suppliers)
            let after = try await warehouse.client.query(
                "SELECT string_agg(id || ':' || updated_at, ',' ORDER BY id) FROM core.supplier_invoices",
                logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(before == after)
        }
    }

    @Test("our payment under contract 15/2025 is proposed against the one receipt it fits; the return of order 0227 stays ours; the sheets show both")
    func sampleStatementPayables() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            let summary = try await ReconciliationTests.reconcile(warehouse)
            #expect(summary.payables?.openInvoices == 3)
            let outcomes = try await Self.payables(warehouse)
            let telekom = try #require(outcomes["FB250314000103"])
            #expect(telekom.0 == "payables" && telekom.1 == "review" && telekom.2 == "R7")
            #expect(telekom.3 == "ПТ-0031=12340000.00/suggested")
            let returned = try #require(outcomes["FB250314000104"])
            #expect(returned.0 == "payables" && returned.1 == "own_payment")
            // The receivables are decided as before: the clients' payments stay in their ledger.
            #expect(outcomes["FB250314000101"]?.0 == "receivables" && outcomes["FB250314000101"]?.1 == "matched")

            let explanation = try await warehouse.client.query("""
                SELECT a.explanation FROM core.supplier_payment_allocations a
                """, logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(explanation.contains("INN 202468135"), "\(explanation)")

            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-01")!,
                                                             to: CalendarDate(isoDate: "2025-03-31")!)
            let review = try #require(report.sheets.first { $0.name == ReconciliationReport.reviewSheetName })
            #expect(review.rows.contains { $0.first == "supplier allocation" && $0[8] == "ST-2025/0212" })
            let unpaid = try #require(report.sheets.first { $0.name == "Unpaid supplier invoices" })
            #expect(unpaid.rows.map { $0[0] } == ["TL-88", "ST-2025/0212", "TL-97"])

            // The accountant confirms the proposal: the receipt is paid, and a rerun changes nothing.
            let id = try await warehouse.client.query("SELECT id FROM core.supplier_payment_allocations",
                                                      logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            let decisions = ReconciliationDecisions(warehouse: warehouse)
            #expect(try await decisions.decide([(.supplierAllocation(id), .confirm)], by: "dilnoza", source: "test") == 1)
            let audit = try await warehouse.client.query("""
                SELECT count(*)::bigint FROM ops.reconciliation_decisions WHERE supplier_allocation_id = \(id)
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            #expect(audit == 1)
            func snapshot() async throws -> String {
                try await warehouse.client.query("""
                    SELECT coalesce(string_agg(a.id || ' ' || a.status || ' ' || a.amount || ' ' || a.updated_at, ','
                                               ORDER BY a.id), '')
                           || '|' || (SELECT string_agg(r.bank_transaction_id || r.outcome || r.updated_at, ','
                                                        ORDER BY r.bank_transaction_id)
                                      FROM core.payment_reconciliation r)
                    FROM core.supplier_payment_allocations a
                    """, logger: TestDatabase.logger).collect().first!.decode(String.self)
            }
            _ = try await ReconciliationTests.reconcile(warehouse)
            let first = try await snapshot()
            _ = try await ReconciliationTests.reconcile(warehouse)
            #expect(try await snapshot() == first, "a rerun changed rows")
            let status = try await warehouse.client.query("""
                SELECT status, outstanding::text FROM mart.supplier_invoice_status WHERE number = 'ПТ-0031'
                """, logger: TestDatabase.logger).collect().first!.decode((String, String).self)
            #expect(status.0 == "paid" && status.1 == "0.00")
            let aging = try await warehouse.client.query("""
                SELECT counterparty_inn, total::text FROM mart.payables_aging_at('2025-03-31') ORDER BY 1
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String).self) }
            #expect(aging.map(\.0) == ["204555444"] && aging.first?.1 == "8800000.00")
        }
    }

    @Test("a payment citing the supplier's invoice number is matched at once; its return reopens the receipt; an unknown supplier's payment stays ours")
    func citedNumberAndReturn() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            let batch = try await warehouse.client.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
                VALUES ('test', 'hand-made lines', repeat('b', 64), 0, 'loaded') RETURNING id
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            // (reference, direction, amount, INN, name, purpose, entry kind, end-to-end id)
            let lines: [(String, String, String, String?, String, String, String, String?)] = [
                ("PAID-TL-97", "out", "5600000.00", "204555444", "TEZKOR LOGISTIKA MCHJ",
                 "Oplata scheta TL-97 ot 05.03.2025 za dostavku", "payment", "SAI-PP-0240"),
                ("BACK-TL-97", "in", "5600000.00", nil, "TEZKOR LOGISTIKA MCHJ",
                 "Vozvrat p/p 240: schet poluchatelya zakryt", "return", "SAI-PP-0240"),
                ("UNKNOWN", "out", "700000.00", "200000001", "KANSTOVARY MCHJ", "Oplata za kanstovary", "payment", nil),
            ]
            for (index, line) in lines.enumerated() {
                let day = "2025-03-2\(index)"
                try await warehouse.client.query("""
                    INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount,
                        currency, counterparty_inn, counterparty_name, purpose, booked_on, natural_key, occurrence,
                        batch_id, source_line, bank_reference, entry_kind, end_to_end_id)
                    VALUES ('20208000500123456001', \(line.1), 'test', \(line.0), \(day)::date, \(line.2)::numeric,
                        'UZS', \(line.3), \(line.4), \(line.5), \(day)::date, gen_random_uuid(), 1, \(batch),
                        \(index + 1), \(line.0), \(line.6), \(line.7))
                    """, logger: TestDatabase.logger)
            }
            _ = try await ReconciliationTests.reconcile(warehouse)
            let outcomes = try await Self.payables(warehouse)
            let paid = try #require(outcomes["PAID-TL-97"])
            #expect(paid.0 == "payables" && paid.1 == "matched" && paid.2 == "R3")
            #expect(paid.3 == "ПТ-0035=5600000.00/auto")
            let back = try #require(outcomes["BACK-TL-97"])
            #expect(back.0 == "payables" && back.1 == "own_payment" && back.3 == "ПТ-0035=-5600000.00/auto")
            // A payee with no supplier invoice and no contract named: left for the accountant, on its own sheet.
            let unknown = try #require(outcomes["UNKNOWN"])
            #expect(unknown.0 == "payables" && unknown.1 == "unmatched")
            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-01")!,
                                                             to: CalendarDate(isoDate: "2025-03-31")!)
            let unmatched = try #require(report.sheets.first { $0.name == "Unmatched supplier payments" })
            #expect(unmatched.rows.map { $0[2] } == ["UNKNOWN"])
            let status = try await warehouse.client.query("""
                SELECT status, paid::text FROM mart.supplier_invoice_status WHERE number = 'ПТ-0035'
                """, logger: TestDatabase.logger).collect().first!.decode((String, String).self)
            #expect(status.0 == "unpaid" && status.1 == "0.00")
        }
    }
}
