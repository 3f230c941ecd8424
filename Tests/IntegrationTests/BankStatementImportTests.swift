import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Testing

@Suite("bank-1c import into a real PostgreSQL")
struct BankStatementImportTests {
    static let sharedSample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ConnectorsTests/Fixtures/1cclientbank_kl_to_1c.txt").standardized.path

    func count(_ warehouse: Warehouse, _ sql: String) async throws -> Int {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: sql), logger: warehouse.logger)
            .collect().first!.decode(Int.self)
    }

    func importFile(_ warehouse: Warehouse, _ path: String) async throws -> ImportResult {
        try await BankStatementImporter(warehouse: warehouse).importFile(path: path)
    }

    @Test("the bank's sample statement loads with directions, amounts, counterparties and balances")
    func importsSampleStatement() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let result = try await importFile(warehouse, Self.sharedSample)
            #expect(result.encoding == .cp1251)
            #expect(result.counts == BatchCounts(batchID: 1, read: 4, loaded: 4, duplicate: 0, quarantined: 0))

            let rows = try await warehouse.client.query("""
                SELECT doc_number, direction, amount::text, counterparty_inn, counterparty_name, booked_on::text,
                       currency, payment_code, source_line, batch_id::int, doc_kind
                FROM core.bank_transactions ORDER BY source_line
                """, logger: warehouse.logger).collect()
            let decoded = try rows.map {
                try $0.decode((String, String, String, String?, String?, String, String?, String?, Int, Int, String).self)
            }
            #expect(decoded.count == 3)
            #expect(decoded[0].0 == "318" && decoded[0].1 == "in" && decoded[0].2 == "45600000.00")
            #expect(decoded[0].3 == "207654321" && decoded[0].4 == "ООО «Чирчик Агро Экспорт»")
            #expect(decoded[0].5 == "2024-04-15" && decoded[0].6 == "UZS" && decoded[0].7 == "00668")
            #expect(decoded[0].8 == 20 && decoded[0].9 == 1)
            #expect(decoded[1].0 == "125" && decoded[1].1 == "out" && decoded[1].2 == "12350000.00")
            #expect(decoded[1].3 == "512345678")
            // The bank fee: a bank order whose counterparty is the bank.
            #expect(decoded[2].0 == "90117" && decoded[2].1 == "out" && decoded[2].10 == "Банковский ордер")
            #expect(decoded[2].4 == "АКБ «Навруз Тест Банк»" && decoded[2].7 == nil)

            let balance = try await warehouse.client.query("""
                SELECT account, date::text, opening::text, credited::text, debited::text, closing::text
                FROM core.bank_balances
                """, logger: warehouse.logger).collect()
            #expect(balance.count == 1)
            let values = try balance[0].decode((String, String, String, String, String, String).self)
            #expect(values.0 == "20208000404512345001" && values.1 == "2024-04-15")
            #expect(values.2 == "125000000.00" && values.3 == "45600000.00" && values.4 == "12362500.00")
            #expect(values.5 == "158237500.00")

            let header = try await warehouse.client.query(
                "SELECT detected_encoding, declared_encoding, accounts FROM raw.bank_1c_files",
                logger: warehouse.logger).collect()
            let (detected, declared, accounts) = try header[0].decode((String, String?, [String]).self)
            #expect(detected == "CP1251" && declared == "Windows" && accounts == ["20208000404512345001"])
        }
    }

    @Test("importing the same file again changes nothing and says so")
    func reimportChangesNothing() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await importFile(warehouse, Self.sharedSample)
            let again = try await importFile(warehouse, Self.sharedSample)
            guard case .alreadyLoaded(let batchID, _) = again.outcome else {
                Issue.record("expected alreadyLoaded, got \(again.outcome)")
                return
            }
            #expect(batchID == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 3)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_balances") == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.batches") == 1)
        }
    }

    @Test("overlapping statements load each business transaction once; identical payments in one file both survive")
    func overlappingStatements() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let first = try files.write("day1.txt", StatementFiles.encode(
            StatementFiles.header(from: "15.04.2024", to: "15.04.2024")
                + StatementFiles.incoming(number: "1", amount: "100.00")
                + StatementFiles.outgoing(number: "2", amount: "50.00") + ["КонецФайла"]))
        // Re-sends day 1 and adds day 2, with two identical payments (both real) on day 2.
        let second = try files.write("day1-2.txt", StatementFiles.encode(
            StatementFiles.header(from: "15.04.2024", to: "16.04.2024")
                + StatementFiles.incoming(number: "1", amount: "100")
                + StatementFiles.outgoing(number: "2", amount: "50.00")
                + StatementFiles.incoming(number: "3", date: "16.04.2024", amount: "70.00")
                + StatementFiles.incoming(number: "3", date: "16.04.2024", amount: "70.00") + ["КонецФайла"],
            encoding: .utf8, lineEnd: "\n"))
        // Re-sends day 2 only, in DOS encoding with bare CR line ends.
        let third = try files.write("day2.txt", StatementFiles.encode(
            StatementFiles.header(from: "16.04.2024", to: "16.04.2024")
                + StatementFiles.incoming(number: "3", date: "16.04.2024", amount: "70.00")
                + StatementFiles.incoming(number: "3", date: "16.04.2024", amount: "70.00") + ["КонецФайла"],
            encoding: .cp866, lineEnd: "\r"))

        try await TestDatabase.withFreshWarehouse { warehouse in
            let one = try await importFile(warehouse, first)
            #expect(one.counts?.loaded == 2)
            let two = try await importFile(warehouse, second)
            #expect(two.counts?.read == 4)
            #expect(two.counts?.loaded == 2)
            #expect(two.counts?.duplicate == 2)
            let three = try await importFile(warehouse, third)
            #expect(three.encoding == .cp866)
            #expect(three.counts?.loaded == 0)
            #expect(three.counts?.duplicate == 2)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 4)
            #expect(try await count(warehouse,
                "SELECT count(*)::int FROM core.bank_transactions WHERE doc_number = '3' AND amount = 70") == 2)
            #expect(try await count(warehouse,
                "SELECT max(occurrence)::int FROM core.bank_transactions WHERE doc_number = '3'") == 2)
        }
    }

    @Test("a statement whose header misstates its period still cannot double a payment")
    func directLoadFallsBackOnConflict() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let first = try files.write("a.txt", StatementFiles.encode(
            StatementFiles.header() + StatementFiles.incoming(number: "7", amount: "10.00") + ["КонецФайла"]))
        // Claims June, carries April's payment again plus a new one: the fast path meets the constraint.
        let second = try files.write("b.txt", StatementFiles.encode(
            StatementFiles.header(from: "01.06.2024", to: "01.06.2024")
                + StatementFiles.incoming(number: "7", amount: "10.00")
                + StatementFiles.incoming(number: "8", date: "01.06.2024", amount: "11.00") + ["КонецФайла"]))
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await importFile(warehouse, first)
            let result = try await importFile(warehouse, second)
            #expect(result.counts?.loaded == 1)
            #expect(result.counts?.duplicate == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 2)
        }
    }

    @Test("malformed documents are quarantined with their line and reason; the rest loads")
    func quarantine() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        var lines = StatementFiles.header()                                   // lines 1–7
        lines += StatementFiles.incoming(number: "1", amount: "12 500,00")   // 8: not a number
        lines += StatementFiles.incoming(number: "2", date: "31.02.2024", amount: "5.00")  // 23: impossible date
        lines += StatementFiles.incoming(number: "3", amount: "6.00").dropLast()           // 38: no КонецДокумента
        lines += StatementFiles.incoming(number: "4", amount: "7.00")                      // 52: fine
        var noEquals = StatementFiles.incoming(number: "5", amount: "8.00")               // 67: a line without '='
        noEquals.insert("Оплата по счету", at: 5)
        lines += noEquals
        lines += StatementFiles.outgoing(number: "6", amount: "9.00")                      // 83: fine
        lines += ["КонецФайла"]
        let path = try files.write("bad.txt", StatementFiles.encode(lines))

        try await TestDatabase.withFreshWarehouse { warehouse in
            let result = try await importFile(warehouse, path)
            #expect(result.counts?.read == 6)
            #expect(result.counts?.loaded == 2)
            #expect(result.counts?.quarantined == 4)
            let rows = try await warehouse.client.query("""
                SELECT position, record_kind, reason, field, raw, source_name, batch_id::int
                FROM ops.quarantine ORDER BY position
                """, logger: warehouse.logger).collect()
            let quarantined = try rows.map { try $0.decode((Int, String, String, String?, String, String, Int).self) }
            #expect(quarantined.map(\.0) == [8, 23, 38, 67])
            #expect(quarantined[0].2 == "Сумма \"12 500,00\" is not a number" && quarantined[0].3 == "Сумма")
            #expect(quarantined[1].2.contains("31.02.2024") && quarantined[1].3 == "Дата")
            #expect(quarantined[2].2.contains("КонецДокумента"))
            #expect(quarantined[3].2.contains("has no '='"))
            #expect(quarantined[0].4.contains("Сумма=12 500,00") && quarantined[0].4.hasPrefix("СекцияДокумент="))
            #expect(quarantined.allSatisfy { $0.5 == path && $0.6 == 1 })
            let loaded = try await warehouse.client.query(
                "SELECT doc_number FROM core.bank_transactions ORDER BY doc_number", logger: warehouse.logger)
                .collect().map { try $0.decode(String.self) }
            #expect(loaded == ["4", "6"])
            let batch = try await warehouse.client.query(
                "SELECT records_quarantined, status FROM ops.batches", logger: warehouse.logger).collect()
            #expect(try batch[0].decode((Int, String).self) == (4, "loaded"))
        }
    }

    @Test("a document touching none of our accounts is quarantined with every field it had")
    func foreignDocument() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let foreign = StatementFiles.incoming(number: "9", amount: "5.00").map {
            $0.replacingOccurrences(of: StatementFiles.ourAccount, with: "20208000111111111001")
        }
        let path = try files.write("foreign.txt", StatementFiles.encode(
            StatementFiles.header() + StatementFiles.incoming(number: "1", amount: "1.00") + foreign + ["КонецФайла"]))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let result = try await importFile(warehouse, path)
            #expect(result.counts?.loaded == 1 && result.counts?.quarantined == 1)
            let sample = try #require(result.quarantineSamples.first)
            #expect(sample.line == 23)
            #expect(sample.reason.contains("20208000111111111001") && sample.reason.contains("is ours"))
            for line in ["Номер=9", "Дата=15.04.2024", "Сумма=5.00", "ПолучательСчет=20208000111111111001",
                         "ДатаПоступило=15.04.2024", "ПлательщикМФО=00567", "НазначениеПлатежа=00668 Оплата по счету №47"] {
                #expect(sample.raw.contains(line), "raw lacks \(line)")
            }
        }
    }

    @Test("a balance section that does not add up is quarantined")
    func balanceCheck() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try files.write("balances.txt", StatementFiles.encode(
            StatementFiles.header(from: "15.04.2024", to: "16.04.2024")
                + StatementFiles.balance(opening: "100.00", credited: "10.00", debited: "5.00", closing: "105.00")
                + StatementFiles.balance(day: "16.04.2024", opening: "105.00", credited: "1", debited: "0",
                                         closing: "107.00")
                + StatementFiles.incoming(number: "1", amount: "10.00") + ["КонецФайла"]))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let result = try await importFile(warehouse, path)
            #expect(result.counts?.loaded == 2)
            #expect(result.counts?.quarantined == 1)
            #expect(result.quarantineSamples.first?.recordKind == "balance")
            #expect(result.quarantineSamples.first?.line == 17)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_balances") == 1)
        }
    }

    @Test("two imports of one file at the same time load it once")
    func concurrentImports() async throws {
        try await TestDatabase.withFreshWarehouse { first in
            // A second, independent pool: two clients as two processes would be.
            try await Warehouse.open(first.settings, logger: first.logger) { second in
                let outcomes = try await withThrowingTaskGroup(of: ImportResult.self) { group in
                    group.addTask { try await BankStatementImporter(warehouse: first).importFile(path: Self.sharedSample) }
                    group.addTask { try await BankStatementImporter(warehouse: second).importFile(path: Self.sharedSample) }
                    return try await group.reduce(into: [ImportResult]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0.counts != nil }.count == 1)
                #expect(outcomes.filter { if case .alreadyLoaded = $0.outcome { true } else { false } }.count == 1)
            }
            #expect(try await count(first, "SELECT count(*)::int FROM core.bank_transactions") == 3)
            #expect(try await count(first, "SELECT count(*)::int FROM ops.batches") == 1)
        }
    }

    @Test("a file refused whole (not this format) loads nothing and the failed attempt is recorded")
    func refusedFileIsAllOrNothing() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // Starts like a statement, then turns out to be something else on line 2: nothing of it may load.
        let path = try files.write("export.txt", Data("Дата;Сумма\n15.04.2024;10.00\n".utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            await #expect(throws: HubError.self) { try await importFile(warehouse, path) }
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 0)
            let batches = try await warehouse.client.query(
                "SELECT status, error FROM ops.batches", logger: warehouse.logger).collect()
            let (status, error) = try batches[0].decode((String, String?).self)
            #expect(status == "failed")
            #expect(error?.contains("not a 1CClientBankExchange file") == true)
        }
    }
}
