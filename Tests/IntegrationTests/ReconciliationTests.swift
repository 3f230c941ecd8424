import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Reconciliation
import Reports
import Scheduler
import Testing

/// camt.053 and MT940 into the warehouse, reconciliation against 1C invoices, the accountant's decisions and
/// the report: on a real PostgreSQL, with the shared samples and the bundled 1C invoices they pay.
@Suite("reconciliation")
struct ReconciliationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let camt = repository.appendingPathComponent("samples/bank-camt053/2025-03-14_camt053.xml").path
    static let mt940 = repository.appendingPathComponent("samples/bank-mt940/2025-03-14.sta").path
    static let invoices = repository.appendingPathComponent("samples/1c/Message_BP_CRM_2025-03.xml").path
    static let rules = repository.appendingPathComponent("mappings/reconciliation.yaml").path

    static func importStatement(_ format: StatementFileImporter.Format, _ path: String,
                                into warehouse: Warehouse) async throws -> ImportResult {
        try await StatementFileImporter(format: format, warehouse: warehouse).importFile(path: path)
    }

    static func prepare(_ warehouse: Warehouse, statement: StatementFileImporter.Format = .camt053) async throws {
        _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM").importFile(path: invoices)
        _ = try await importStatement(statement, statement == .camt053 ? camt : mt940, into: warehouse)
    }

    static func reconcile(_ warehouse: Warehouse) async throws -> ReconciliationSummary {
        try await ReconciliationRun.run(warehouse: warehouse, rulesPath: rules, from: nil, to: nil)
    }

    /// bank reference → (outcome, rule, [invoice number: (amount, status)], advance status)
    static func outcomes(_ warehouse: Warehouse) async throws -> [String: (String, String?, [String: (String, String)], String?)] {
        let rows = try await warehouse.client.query("""
            SELECT coalesce(t.bank_reference, t.doc_number), r.outcome, r.rule,
                   coalesce((SELECT string_agg(i.number || '=' || a.amount || '/' || a.status, ';' ORDER BY i.number)
                             FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                             WHERE a.bank_transaction_id = t.id AND a.status <> 'rejected'), ''),
                   (SELECT v.status FROM core.customer_advances v WHERE v.bank_transaction_id = t.id
                      AND v.status <> 'rejected')
            FROM core.bank_transactions t JOIN core.payment_reconciliation r ON r.bank_transaction_id = t.id
            """, logger: TestDatabase.logger).collect()
        var result: [String: (String, String?, [String: (String, String)], String?)] = [:]
        for row in rows {
            let (reference, outcome, rule, allocations, advance) =
                try row.decode((String, String, String?, String, String?).self)
            var parsed: [String: (String, String)] = [:]
            for item in allocations.split(separator: ";") {
                let parts = item.split(separator: "=")
                let amountStatus = parts[1].split(separator: "/")
                parsed[String(parts[0])] = (String(amountStatus[0]), String(amountStatus[1]))
            }
            result[reference] = (outcome, rule, parsed, advance)
        }
        return result
    }

    @Test("the same day as camt.053 and as MT940 is stored once, whichever comes first")
    func bothFormatsStoredOnce() async throws {
        for order in [[StatementFileImporter.Format.camt053, .mt940], [.mt940, .camt053]] {
            try await TestDatabase.withFreshWarehouse { warehouse in
                var results: [ImportResult] = []
                for format in order {
                    results.append(try await Self.importStatement(format, format == .camt053 ? Self.camt : Self.mt940,
                                                                  into: warehouse))
                }
                let expected = order.first == .camt053 ? 10 : 8
                let count = try await warehouse.client.query("SELECT count(*)::bigint FROM core.bank_transactions",
                                                             logger: TestDatabase.logger).collect().first!.decode(Int64.self)
                #expect(count == Int64(expected), "order \(order)")
                #expect(results[1].counts?.duplicate == (order.first == .camt053 ? 8 : 10) + 1)
                let balance = try await warehouse.client.query("""
                    SELECT opening::text, credited::text, debited::text, closing::text FROM core.bank_balances
                    """, logger: TestDatabase.logger).collect()
                #expect(balance.count == 1)
                let (opening, credited, debited, closing) = try balance[0].decode((String, String, String, String).self)
                #expect([opening, credited, debited, closing] == ["250000000.00", "92350000.00", "12355000.00", "329995000.00"])
                let again = try await Self.importStatement(order[0], order[0] == .camt053 ? Self.camt : Self.mt940,
                                                           into: warehouse)
                if case .alreadyLoaded = again.outcome {} else { Issue.record("a file loaded twice") }
            }
        }
    }

    @Test("camt.053 lines keep their references, returns and structured remittance")
    func camtColumns() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await Self.importStatement(.camt053, Self.camt, into: warehouse)
            let rows = try await warehouse.client.query("""
                SELECT bank_reference, entry_reference, coalesce(end_to_end_id, ''), entry_kind,
                       coalesce(return_reason, ''), coalesce(structured_references::text, ''), direction,
                       coalesce(counterparty_inn, counterparty_pinfl, '')
                FROM core.bank_transactions ORDER BY source_line
                """, logger: TestDatabase.logger).collect()
            let decoded = try rows.map { try $0.decode((String, String, String, String, String, String, String, String).self) }
            #expect(decoded.count == 10)
            #expect(decoded.filter { $0.1 == "FB250314000102" }.map(\.0)
                    == ["FB250314000102-1", "FB250314000102-2", "FB250314000102-3"])
            let returned = try #require(decoded.first { $0.0 == "FB250314000104" })
            #expect(returned.3 == "return" && returned.4 == "AC04" && returned.2 == "SAI-PP-0227" && returned.6 == "in")
            let twoInvoices = try #require(decoded.first { $0.0 == "FB250314000107" })
            #expect(twoInvoices.5.contains("SF-2025/0155") && twoInvoices.5.contains("4300000.00"))
            #expect(decoded.contains { $0.7 == "31503850270019" })
        }
    }

    @Test("the shared camt.053 sample reconciles as its README expects")
    func camtSampleOutcomes() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            let summary = try await Self.reconcile(warehouse)
            #expect(summary.payments == 10)
            let outcomes = try await Self.outcomes(warehouse)
            #expect(outcomes["FB250314000101"]?.1 == "R3")
            #expect(outcomes["FB250314000101"]?.2["SF-2025/0147"]?.1 == "auto")
            #expect(outcomes["FB250314000102-1"]?.2["SF-2025/0150"]?.1 == "auto")
            #expect(outcomes["FB250314000102-2"]?.2["SF-2025/0151"]?.1 == "auto")
            #expect(outcomes["FB250314000102-3"]?.1 == "R9")
            #expect(outcomes["FB250314000102-3"]?.3 == "suggested")
            #expect(outcomes["FB250314000103"]?.0 == "own_payment")
            #expect(outcomes["FB250314000104"]?.1 == "R2")
            #expect(outcomes["FB250314000104"]?.2.isEmpty == true)
            #expect(outcomes["FB250314000105"]?.1 == "R12")
            #expect(outcomes["FB250314000106"]?.1 == "R5")
            #expect(outcomes["FB250314000106"]?.2["SF-2025/0152"]?.0 == "10000000.00")
            #expect(outcomes["FB250314000107"]?.1 == "R4")
            #expect(outcomes["FB250314000107"]?.2["SF-2025/0155"]?.0 == "4300000.00")
            #expect(outcomes["FB250314000107"]?.2["SF-2025/0158"]?.0 == "5500000.00")
            #expect(outcomes["FB250314000108"]?.1 == "R9")
            let explanation = try await warehouse.client.query("""
                SELECT explanation FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                WHERE i.number = 'SF-2025/0147'
                """, logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(explanation.contains("INN 301234567 + invoice №SF-2025/0147 found in purpose + amount equals residual"))
        }
    }

    @Test("the shared MT940 sample: the agent's batch split by its registry, two invoices split by residual")
    func mt940SampleOutcomes() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse, statement: .mt940)
            _ = try await Self.reconcile(warehouse)
            let outcomes = try await Self.outcomes(warehouse)
            #expect(outcomes["FB250314000101"]?.2["SF-2025/0147"]?.1 == "auto")
            // The agent's line is split by the registry in its :86:, as camt.053 gives it in three children.
            #expect(outcomes["FB250314000102"]?.0 == "review")
            #expect(outcomes["FB250314000102"]?.1 == "registry")
            #expect(outcomes["FB250314000102"]?.2["SF-2025/0150"]?.0 == "7500000.00")
            #expect(outcomes["FB250314000102"]?.2["SF-2025/0150"]?.1 == "auto")
            #expect(outcomes["FB250314000102"]?.2["SF-2025/0151"]?.0 == "6250000.00")
            #expect(outcomes["FB250314000102"]?.2["SF-2025/0151"]?.1 == "auto")
            #expect(outcomes["FB250314000102"]?.3 == "suggested")
            #expect(outcomes["FB250314000104"]?.1 == "R2")
            #expect(outcomes["FB250314000106"]?.1 == "R5")
            #expect(outcomes["FB250314000107"]?.1 == "R4")
            #expect(outcomes["FB250314000107"]?.2.count == 2)
            #expect(outcomes["FB250314000108"]?.1 == "R9")
        }
    }

    @Test("decisions survive reruns and re-imports; a rejected pair is never proposed again; a rerun changes nothing")
    func decisionsLast() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            _ = try await Self.reconcile(warehouse)
            func snapshot() async throws -> [String] {
                try await warehouse.client.query("""
                    SELECT a.id || ' ' || a.bank_transaction_id || ' ' || a.invoice_id || ' ' || a.amount || ' '
                           || a.status || ' ' || a.updated_at FROM core.payment_allocations a ORDER BY a.id
                    """, logger: TestDatabase.logger).collect().map { try $0.decode(String.self) }
                    + warehouse.client.query("""
                    SELECT v.id || ' ' || v.status || ' ' || v.amount || ' ' || v.updated_at FROM core.customer_advances v
                    ORDER BY v.id
                    """, logger: TestDatabase.logger).collect().map { try $0.decode(String.self) }
            }
            let first = try await snapshot()
            _ = try await Self.reconcile(warehouse)
            #expect(try await snapshot() == first, "a rerun on unchanged data changed rows")

            func allocationID(_ number: String) async throws -> Int64 {
                try await warehouse.client.query("""
                    SELECT a.id FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                    WHERE i.number = \(number) AND a.status <> 'rejected'
                    """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            }
            let partial = try await allocationID("SF-2025/0152")
            let wrong = try await allocationID("SF-2025/0158")
            let decisions = ReconciliationDecisions(warehouse: warehouse)
            #expect(try await decisions.decide([(.allocation(partial), .confirm), (.allocation(wrong), .reject)],
                                               by: "dilnoza", source: "test") == 2)
            // The same decisions again change nothing.
            #expect(try await decisions.decide([(.allocation(partial), .confirm)], by: "dilnoza", source: "test") == 0)

            _ = try await Self.importStatement(.mt940, Self.mt940, into: warehouse)
            _ = try await Self.reconcile(warehouse)
            _ = try await Self.reconcile(warehouse)
            let statuses = try await warehouse.client.query("""
                SELECT i.number, a.status, a.decided_by FROM core.payment_allocations a
                JOIN core.invoices i ON i.id = a.invoice_id WHERE a.id IN (\(partial), \(wrong))
                ORDER BY i.number
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String?).self) }
            #expect(statuses.map(\.0) == ["SF-2025/0152", "SF-2025/0158"])
            #expect(statuses.map(\.1) == ["confirmed", "rejected"])
            let reproposed = try await warehouse.client.query("""
                SELECT count(*)::bigint FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                WHERE i.number = 'SF-2025/0158' AND a.status <> 'rejected'
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            #expect(reproposed == 0)
            let audit = try await warehouse.client.query("SELECT count(*)::bigint FROM ops.reconciliation_decisions",
                                                         logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            #expect(audit == 2)

            let status = try await warehouse.client.query("""
                SELECT invoice_number, paid::text, outstanding::text, status FROM mart.invoice_status
                WHERE invoice_number IN ('SF-2025/0147', 'SF-2025/0152', 'SF-2025/0155') ORDER BY 1
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String, String).self) }
            // 0155 and 0158 were paid together automatically (R4); rejecting 0158's share leaves 0155 paid.
            #expect(status.map(\.3) == ["paid", "partial", "paid"])
            #expect(status[1].2 == "15000000.00")
            let aging = try await warehouse.client.query("""
                SELECT counterparty_inn, days_31_60::text, total::text FROM mart.receivables_aging_at('2025-04-20')
                WHERE counterparty_inn = '209111222'
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String).self) }
            #expect(aging.first?.1 == "15000000.00")
        }
    }

    @Test("a confirmation that would pay an invoice twice is refused with the figures")
    func overpayingConfirmationRefused() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            _ = try await Self.reconcile(warehouse)
            let decisions = ReconciliationDecisions(warehouse: warehouse)
            // SF-2025/0147 is paid by the auto match; allocating the 9.8M payment to it too must be refused.
            let payment = try await warehouse.client.query("""
                SELECT id FROM core.bank_transactions WHERE bank_reference = 'FB250314000107'
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            await #expect(throws: HubError.self) {
                _ = try await decisions.allocate(bankTransactionID: payment, invoiceNumber: "SF-2025/0147", amount: 1,
                                                 by: "test", source: "test")
            }
        }
    }

    @Test("the XLSX report opens in LibreOffice and ties out; decisions come back from the reviewed sheet")
    func reportAndReviewedDecisions() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            _ = try await Self.reconcile(warehouse)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-report-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let cli = CLITests()
            let xlsx = folder.appendingPathComponent("reconciliation.xlsx").path
            let written = try await cli.crmhub(["report", "reconciliation", "--from", "2025-03-01", "--to", "2025-03-31",
                                                "--out", xlsx], database: warehouse.settings)
            #expect(written.status == 0, "\(written.text)")
            #expect(written.text.contains("UZS: credits 92 350 000.00 = matched 69 150 000.00 + to review 20 000 000.00 "
                                          + "+ unmatched 0.00 + bank's own and returns 3 200 000.00: ties out"), "\(written.text)")

            // LibreOffice (installed by the test command) must read the workbook: every sheet to CSV.
            let converted = try LibreOffice.convertToCSV(xlsx, in: folder)
            #expect(converted.status == 0, "\(converted.text)")
            let summary = try String(contentsOf: folder.appendingPathComponent("reconciliation-Summary.csv"), encoding: .utf8)
            #expect(summary.contains("Ties out (credits = matched + to review + unmatched + bank),UZS,yes"), "\(summary)")
            let review = try String(contentsOf: folder.appendingPathComponent("reconciliation-To review.csv"), encoding: .utf8)
            #expect(review.contains("SF-2025/0152") && review.contains("Decision"))

            // The CSV form, reviewed: confirm the partial payment, reject the prepayment kept as an advance.
            let csvFolder = folder.appendingPathComponent("csv").path
            #expect(try await cli.crmhub(["report", "reconciliation", "--from", "2025-03-01", "--to", "2025-03-31",
                                          "--format", "csv", "--out", csvFolder], database: warehouse.settings).status == 0)
            let sheet = URL(fileURLWithPath: csvFolder).appendingPathComponent("to-review.csv")
            var rows = CSVText.rows(String(decoding: try Data(contentsOf: sheet), as: UTF8.self).replacingOccurrences(of: "\u{FEFF}", with: ""))
            let invoiceColumn = try #require(rows[0].firstIndex(of: "Invoice"))
            let decisionColumn = try #require(rows[0].firstIndex(of: "Decision"))
            for index in rows.indices.dropFirst() {
                switch rows[index][invoiceColumn] {
                case "SF-2025/0152": rows[index][decisionColumn] = "да"
                case "contract K-77": rows[index][decisionColumn] = "no"
                default: break
                }
            }
            let edited = rows.map { row in row.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
                .joined(separator: ",") }.joined(separator: "\r\n")
            try Data(edited.utf8).write(to: sheet)
            let imported = try await cli.crmhub(["reconcile", "import", csvFolder, "--by", "dilnoza"],
                                                database: warehouse.settings)
            #expect(imported.status == 0, "\(imported.text)")
            #expect(imported.text.contains("1 confirmed, 1 rejected; 2 changed"), "\(imported.text)")
            let again = try await cli.crmhub(["reconcile", "import", csvFolder], database: warehouse.settings)
            #expect(again.text.contains("0 changed"), "\(again.text)")
            let decided = try await warehouse.client.query("""
                SELECT i.number, a.status, a.decided_by FROM core.payment_allocations a
                JOIN core.invoices i ON i.id = a.invoice_id WHERE a.decided_by IS NOT NULL ORDER BY i.number
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String).self) }
            #expect(decided.map(\.0) == ["SF-2025/0152"])
            #expect(decided.map(\.1) == ["confirmed"])
            #expect(decided.allSatisfy { $0.2 == "dilnoza" })
            let advance = try await warehouse.client.query("""
                SELECT v.status, v.decided_by FROM core.customer_advances v WHERE v.contract = 'K-77'
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String?).self) }
            #expect(advance.map(\.0) == ["rejected"] && advance.first?.1 == "dilnoza", "\(advance)")
        }
    }

    @Test("a payer without INN is recognised by account + MFO, else by name; a returned customer payment reopens its invoice")
    func payerResolutionAndReturns() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: Self.invoices)
            try await warehouse.client.query("""
                UPDATE core.counterparties SET bank_account = '20208000100222333001', bank_code = '00440'
                WHERE inn = '209111222'
                """, logger: TestDatabase.logger)
            let batch = try await warehouse.client.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
                VALUES ('test', 'hand-made lines', repeat('a', 64), 0, 'loaded') RETURNING id
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            // (reference, direction, amount, account, name, purpose, entry kind, end-to-end id)
            let lines: [(String, String, String, String?, String?, String, String, String?)] = [
                ("BY-ACCOUNT", "in", "25000000.00", "20208000100222333001", "MQ LLC", "Oplata sch. 152", "payment", nil),
                ("BY-NAME", "in", "45600000.00", nil, "OOO «Орзу Савдо»", "Oplata scheta SF-2025/0147", "payment",
                 "PP-77"),
                ("RETURNED", "out", "45600000.00", nil, "ORZU SAVDO", "Vozvrat oshibochno zachislennogo platezha",
                 "return", "PP-77"),
            ]
            for (index, line) in lines.enumerated() {
                let day = "2025-03-2\(index)"
                try await warehouse.client.query("""
                    INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount,
                        currency, counterparty_name, counterparty_account, counterparty_bank_code, purpose, booked_on,
                        natural_key, occurrence, batch_id, source_line, bank_reference, entry_kind, end_to_end_id)
                    VALUES ('20208000500123456001', \(line.1), 'test', \(line.0), \(day)::date,
                        \(line.2)::numeric, 'UZS', \(line.4), \(line.3), '00440', \(line.5), \(day)::date,
                        gen_random_uuid(), 1, \(batch), \(index + 1), \(line.0), \(line.6), \(line.7))
                    """, logger: TestDatabase.logger)
            }
            _ = try await Self.reconcile(warehouse)
            let resolved = try await warehouse.client.query("""
                SELECT t.bank_reference, coalesce(r.resolved_by, ''), coalesce(r.counterparty_inn, ''), r.outcome
                FROM core.payment_reconciliation r JOIN core.bank_transactions t ON t.id = r.bank_transaction_id
                ORDER BY t.source_line
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String, String).self) }
            #expect(resolved.map(\.1) == ["account", "name", "name"])
            #expect(resolved.map(\.2) == ["209111222", "301234567", "301234567"])
            #expect(resolved.map(\.3) == ["matched", "matched", "own_payment"])
            // The return took back what PP-77 paid: SF-2025/0147 is open again.
            let status = try await warehouse.client.query("""
                SELECT status, paid::text FROM mart.invoice_status WHERE invoice_number = 'SF-2025/0147'
                """, logger: TestDatabase.logger).collect().first!.decode((String, String).self)
            #expect(status.0 == "unpaid" && status.1 == "0.00")
            let reopened = try await warehouse.client.query("""
                SELECT a.amount::text, a.rule, a.explanation FROM core.payment_allocations a
                JOIN core.bank_transactions t ON t.id = a.bank_transaction_id WHERE t.bank_reference = 'RETURNED'
                """, logger: TestDatabase.logger).collect().map { try $0.decode((String, String, String).self) }
            #expect(reopened.map(\.0) == ["-45600000.00"])
            #expect(reopened.first?.2.contains("invoice reopens") == true)
        }
    }

    @Test("an overpayment's proposal withdrawn because a later line paid its invoice takes its surplus advance with it, and the line is decided again as a rerun would; a rerun changes nothing")
    func withdrawnOverpaymentKeepsNoSurplus() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: Self.invoices)
            let batch = try await warehouse.client.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
                VALUES ('test', 'hand-made lines', repeat('c', 64), 0, 'loaded') RETURNING id
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            // OVERPAID names SF-2025/0147 and pays more than it owes (R6, proposed with a surplus advance); PAID,
            // booked a day later, pays exactly its residual (R3, automatic).
            for (index, line) in [("OVERPAID", "50000000.00"), ("PAID", "45600000.00")].enumerated() {
                let day = "2025-03-2\(index)"
                try await warehouse.client.query("""
                    INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount,
                        currency, counterparty_name, counterparty_inn, purpose, booked_on, natural_key, occurrence,
                        batch_id, source_line, bank_reference, entry_kind)
                    VALUES ('20208000500123456001', 'in', 'test', \(line.0), \(day)::date, \(line.1)::numeric, 'UZS',
                        'ORZU SAVDO', '301234567', 'Oplata scheta SF-2025/0147', \(day)::date, gen_random_uuid(), 1,
                        \(batch), \(index + 1), \(line.0), 'payment')
                    """, logger: TestDatabase.logger)
            }
            _ = try await Self.reconcile(warehouse)
            let money = """
                SELECT (SELECT coalesce(string_agg(a.id || ':' || a.amount || ':' || a.status, ',' ORDER BY a.id), '')
                        FROM core.payment_allocations a),
                       (SELECT coalesce(string_agg(v.id || ':' || v.amount || ':' || v.status, ',' ORDER BY v.id), '')
                        FROM core.customer_advances v)
                """
            let first = try await warehouse.client.query(PostgresQuery(unsafeSQL: money), logger: TestDatabase.logger)
                .collect().first!.decode((String, String).self)
            let explanations = "SELECT string_agg(r.bank_transaction_id || ' ' || r.outcome || ' ' || coalesce(r.rule, '-') "
                + "|| ' ' || r.explanation || ' ' || r.updated_at, E'\\n' ORDER BY r.bank_transaction_id) "
                + "FROM core.payment_reconciliation r"
            let firstExplained = try await warehouse.client.query(PostgresQuery(unsafeSQL: explanations),
                                                                  logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(!firstExplained.contains("withdrawn"), "the line was decided again, not only withdrawn: \(firstExplained)")
            let outcomes = try await Self.outcomes(warehouse)
            #expect(outcomes["PAID"]?.0 == "matched" && outcomes["PAID"]?.1 == "R3")
            #expect(outcomes["OVERPAID"]?.0 == "unmatched", "\(String(describing: outcomes["OVERPAID"]))")
            #expect(outcomes["OVERPAID"]?.2.isEmpty == true)
            #expect(outcomes["OVERPAID"]?.3 == nil, "no surplus of a withdrawn proposal is kept as an advance")
            #expect(first.1.isEmpty)
            _ = try await Self.reconcile(warehouse)
            let second = try await warehouse.client.query(PostgresQuery(unsafeSQL: money), logger: TestDatabase.logger)
                .collect().first!.decode((String, String).self)
            #expect(second == first)
            #expect(try await Self.outcomes(warehouse)["OVERPAID"]?.0 == "unmatched")
            let secondExplained = try await warehouse.client.query(PostgresQuery(unsafeSQL: explanations),
                                                                   logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(secondExplained == firstExplained, "a rerun rewrote an outcome")
        }
    }

    @Test("a tie withdrawn because a later line paid one of its invoices is decided again: the other invoice is proposed alone, and a rerun changes nothing")
    func withdrawnTieIsDecidedAgain() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await warehouse.client.query("""
                INSERT INTO core.invoices (number, issued_on, counterparty_inn, counterparty_name, amount, currency)
                VALUES ('SF-2025/0201', '2025-03-10', '301234567', 'Orzu Savdo', 1000000, 'UZS'),
                       ('SF-2025/0202', '2025-03-11', '301234567', 'Orzu Savdo', 1000000, 'UZS')
                """, logger: TestDatabase.logger)
            let batch = try await warehouse.client.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
                VALUES ('test', 'hand-made lines', repeat('d', 64), 0, 'loaded') RETURNING id
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            // TIE names no invoice and fits both (R7 proposes both); PAYS, a day later, names SF-2025/0201 (R3, auto).
            for (index, line) in [("TIE", "Oplata za tovar"), ("PAYS", "Oplata scheta SF-2025/0201")].enumerated() {
                let day = "2025-03-1\(5 + index)"
                try await warehouse.client.query("""
                    INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount,
                        currency, counterparty_inn, counterparty_name, purpose, booked_on, natural_key, occurrence,
                        batch_id, source_line, bank_reference)
                    VALUES ('20208000500123456001', 'in', 'test', \(line.0), \(day)::date, 1000000, 'UZS', '301234567',
                            'ORZU SAVDO', \(line.1), \(day)::date, gen_random_uuid(), 1, \(batch), \(index + 1), \(line.0))
                    """, logger: TestDatabase.logger)
            }
            let summary = try await Self.reconcile(warehouse)
            let outcomes = try await Self.outcomes(warehouse)
            #expect(outcomes["PAYS"]?.0 == "matched" && outcomes["PAYS"]?.2["SF-2025/0201"]?.1 == "auto")
            #expect(outcomes["TIE"]?.0 == "review", "\(String(describing: outcomes["TIE"]))")
            #expect(outcomes["TIE"].map { Array($0.2.keys) } == ["SF-2025/0202"], "the paid invoice is not proposed")
            #expect(outcomes["TIE"]?.2["SF-2025/0202"]?.1 == "suggested")
            #expect(summary.suggested == 1 && summary.auto == 1, "the counts are the second look's")
            let rows = """
                SELECT (SELECT string_agg(r.bank_transaction_id || ' ' || r.outcome || ' ' || coalesce(r.rule, '-') || ' '
                                          || r.explanation || ' ' || r.updated_at, E'\\n' ORDER BY r.bank_transaction_id)
                        FROM core.payment_reconciliation r),
                       (SELECT string_agg(a.id || ' ' || a.invoice_id || ' ' || a.status || ' ' || a.explanation || ' '
                                          || a.updated_at, E'\\n' ORDER BY a.id) FROM core.payment_allocations a)
                """
            let first = try await warehouse.client.query(PostgresQuery(unsafeSQL: rows), logger: TestDatabase.logger)
                .collect().first!.decode((String, String).self)
            #expect(!first.0.contains("withdrawn"), "\(first.0)")
            _ = try await Self.reconcile(warehouse)
            let second = try await warehouse.client.query(PostgresQuery(unsafeSQL: rows), logger: TestDatabase.logger)
                .collect().first!.decode((String, String).self)
            #expect(second == first, "a rerun changed a row")
        }
    }

    @Test("a tie decided in one batch (confirm one, reject the other) records both; hand allocations are checked")
    func tieDecidedInOneBatchAndHandAllocations() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.prepare(warehouse)
            try await warehouse.client.query("""
                INSERT INTO core.invoices (number, issued_on, counterparty_inn, counterparty_name, amount, currency)
                VALUES ('SF-2025/0201', '2025-03-10', '301234567', 'Orzu Savdo', 1000000, 'UZS'),
                       ('SF-2025/0202', '2025-03-11', '301234567', 'Orzu Savdo', 1000000, 'UZS')
                """, logger: TestDatabase.logger)
            let batch = try await warehouse.client.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
                VALUES ('test', 'hand-made line', repeat('b', 64), 0, 'loaded') RETURNING id
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            try await warehouse.client.query("""
                INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount, currency,
                    counterparty_inn, counterparty_name, purpose, booked_on, natural_key, occurrence, batch_id,
                    source_line, bank_reference)
                VALUES ('20208000500123456001', 'in', 'test', 'TIE', '2025-03-15', 1000000, 'UZS', '301234567',
                        'ORZU SAVDO', 'Oplata za tovar', '2025-03-15', gen_random_uuid(), 1, \(batch), 1, 'TIE')
                """, logger: TestDatabase.logger)
            _ = try await Self.reconcile(warehouse)
            let tied = try await warehouse.client.query("""
                SELECT a.id FROM core.payment_allocations a JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                WHERE t.bank_reference = 'TIE' AND a.status = 'suggested' ORDER BY a.invoice_id
                """, logger: TestDatabase.logger).collect().map { try $0.decode(Int64.self) }
            #expect(tied.count == 2)
            let decisions = ReconciliationDecisions(warehouse: warehouse)
            #expect(try await decisions.decide([(.allocation(tied[0]), .confirm), (.allocation(tied[1]), .reject)],
                                               by: "dilnoza", source: "test") == 2)
            await #expect(throws: HubError.self) {
                _ = try await decisions.decide([(.allocation(tied[1]), .confirm)], by: "dilnoza", source: "test")
            }

            let cli = CLITests()
            let refund = try await warehouse.client.query("""
                SELECT id FROM core.bank_transactions WHERE bank_reference = 'FB250314000104'
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            let onReturn = try await cli.crmhub(["reconcile", "allocate", "--payment", "\(refund)", "--invoice",
                                                 "SF-2025/0152"], database: warehouse.settings)
            #expect(onReturn.status == 2 && onReturn.text.contains("is a return: only incoming payments pay invoices"),
                    "\(onReturn.text)")
            let partial = try await warehouse.client.query("""
                SELECT id FROM core.bank_transactions WHERE bank_reference = 'FB250314000106'
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            let badAmount = try await cli.crmhub(["reconcile", "allocate", "--payment", "\(partial)", "--invoice",
                                                  "sf-2025/0152", "--amount", "1,000,000"], database: warehouse.settings)
            #expect(badAmount.status == 2 && badAmount.text.contains("not '1,000,000'"), "\(badAmount.text)")
            let allocated = try await cli.crmhub(["reconcile", "allocate", "--payment", "\(partial)", "--invoice",
                                                  "sf-2025/0152", "--amount", "10 000 000"], database: warehouse.settings)
            #expect(allocated.status == 0, "\(allocated.text)")
            #expect(allocated.text.contains("10 000 000.00 of bank line \(partial) → invoice №sf-2025/0152, confirmed "
                                            + "(replacing the earlier allocation or proposal of this pair)"),
                    "\(allocated.text)")
        }
    }
}

/// Advances used up (issue 17): a confirmed prepayment pays the client's invoice issued after it.
@Suite("advances offset against later invoices")
struct AdvanceOffsetIntegrationTests {
    @Test("a confirmed prepayment under K-77 pays the later invoice; the Advances sheet says what is left; a rerun changes nothing")
    func confirmedPrepaymentPaysTheLaterInvoice() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await ReconciliationTests.prepare(warehouse)
            _ = try await ReconciliationTests.reconcile(warehouse)
            let logger = TestDatabase.logger
            // The prepayment of NUR AGRO EKSPORT (5 000 000.00 under К-77, 14.03.2025) is proposed as an advance.
            let advanceID = try await warehouse.client.query("""
                SELECT v.id FROM core.customer_advances v JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                WHERE t.bank_reference = 'FB250314000108' AND v.status = 'suggested'
                """, logger: logger).collect().first!.decode(Int64.self)
            #expect(try await ReconciliationDecisions(warehouse: warehouse)
                .decide([(.advance(advanceID), .confirm)], by: "dilnoza", source: "test") == 1)
            // Invoices issued for it later: one under another contract, two under К-77.
            try await warehouse.client.query("""
                INSERT INTO core.invoices (number, issued_on, counterparty_inn, counterparty_name, amount, currency, contract)
                VALUES ('SF-2025/0170', '2025-03-18', '206333444', 'NUR AGRO EKSPORT', 1000000, 'UZS', '22/2025'),
                       ('SF-2025/0171', '2025-03-20', '206333444', 'NUR AGRO EKSPORT', 3000000, 'UZS', 'К-77'),
                       ('SF-2025/0172', '2025-03-25', '206333444', 'NUR AGRO EKSPORT', 4000000, 'UZS', 'К-77')
                """, logger: logger)
            _ = try await ReconciliationTests.reconcile(warehouse)
            func offsets() async throws -> [String] {
                try await warehouse.client.query("""
                    SELECT i.number || '=' || a.amount || '/' || a.status || '/' || a.rule || ' ' || a.updated_at
                    FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                    WHERE a.advance_id = \(advanceID) ORDER BY i.number
                    """, logger: logger).collect().map { try $0.decode(String.self) }
            }
            let proposed = try await offsets()
            #expect(proposed.map { $0.split(separator: " ")[0] }
                    == ["SF-2025/0171=3000000.00/suggested/A1", "SF-2025/0172=2000000.00/suggested/A1"], "\(proposed)")
            _ = try await ReconciliationTests.reconcile(warehouse)
            #expect(try await offsets() == proposed, "a rerun changed the offsets")

            let first = try await warehouse.client.query("""
                SELECT a.id FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                WHERE a.advance_id = \(advanceID) AND i.number = 'SF-2025/0171'
                """, logger: logger).collect().first!.decode(Int64.self)
            #expect(try await ReconciliationDecisions(warehouse: warehouse)
                .decide([(.allocation(first), .confirm)], by: "dilnoza", source: "test") == 1)
            let status = try await warehouse.client.query("""
                SELECT status FROM mart.invoice_status WHERE invoice_number = 'SF-2025/0171'
                """, logger: logger).collect().first!.decode(String.self)
            #expect(status == "paid")
            let balance = try await warehouse.client.query("""
                SELECT used::text, proposed::text, remaining::text, invoices_paid FROM mart.customer_advance_balances
                WHERE advance_id = \(advanceID)
                """, logger: logger).collect().first!.decode((String, String, String, String?).self)
            #expect(balance.0 == "3000000.00" && balance.1 == "2000000.00" && balance.2 == "2000000.00")
            #expect(balance.3 == "SF-2025/0171")

            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-01")!,
                                                             to: CalendarDate(isoDate: "2025-03-31")!)
            let advances = try #require(report.sheets.first { $0.name == "Advances" })
            let row = try #require(advances.rows.first { $0[0] == String(advanceID) })
            let left = try #require(advances.columns.firstIndex { $0.title == "Left" })
            #expect(row[left] == "2000000.00")
            #expect(report.totals.allSatisfy { $0.tiesOut }, "the line split counted the offset twice")
        }
    }
}
