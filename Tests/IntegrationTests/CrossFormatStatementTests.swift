import CRMWarehouse
import Connectors
import Foundation
import Ingest
import PostgresNIO
import Testing

/// The same day received as a 1C client-bank file and as camt.053 or MT940: each payment is stored once.
@Suite("a payment in two statement formats")
struct CrossFormatStatementTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path
    static let camt = repository + "/samples/bank-camt053/2025-03-14_camt053.xml"
    static let mt940 = repository + "/samples/bank-mt940/2025-03-14.sta"
    static let account = "20208000500123456001"

    /// The 1C client-bank export of camt's first entry (payment order PP-000512, 45,600,000.00 from
    /// ORZU SAVDO), `copies` times, and one payment camt does not have.
    static func oneCStatement(_ files: TemporaryFiles, copies: Int = 1, period: String = "14.03.2025") throws -> String {
        func payment(number: String, amount: String, inn: String, payerAccount: String) -> [String] {
            ["СекцияДокумент=Платежное поручение", "Номер=\(number)", "Дата=14.03.2025", "Сумма=\(amount)",
             "ПлательщикСчет=\(payerAccount)", "ПлательщикИНН=\(inn)", "Плательщик1=\"ORZU SAVDO\" MChJ",
             "ПлательщикМФО=00440", "ПолучательСчет=\(account)", "ДатаПоступило=14.03.2025",
             "ПолучательИНН=305418726", "Получатель1=ООО «Алмазар Софт Сервис»", "ПолучательМФО=01234",
             "НазначениеПлатежа=00668 Оплата по счету № СФ-2025/0147 от 03.03.2025 за удобрения", "КонецДокумента"]
        }
        var lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Тест Банк",
                     "ДатаНачала=\(period)", "ДатаКонца=\(period)", "РасчСчет=\(account)"]
        for _ in 0..<copies {
            lines += payment(number: "PP-000512", amount: "45600000.00", inn: "301234567",
                             payerAccount: "20208000912345678001")
        }
        lines += payment(number: "777", amount: "1000.00", inn: "309999999", payerAccount: "20208000900000000077")
        return try files.write("kl_to_1c_\(copies)_\(period).txt", StatementFiles.encode(lines + ["КонецФайла"]))
    }

    func payments(_ warehouse: Warehouse, amount: String) async throws -> Int {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            SELECT count(*)::int FROM core.bank_transactions WHERE account = '\(Self.account)' AND amount = \(amount)
            """), logger: warehouse.logger).collect().first!.decode(Int.self)
    }

    @Test("1C first, then camt.053 or MT940; and the other way round", arguments: [
        StatementFileImporter.Format.camt053, .mt940,
    ])
    func bothOrders(format: StatementFileImporter.Format) async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let oneC = try Self.oneCStatement(files)
        let other = format == .camt053 ? Self.camt : Self.mt940
        for oneCFirst in [true, false] {
            try await TestDatabase.withFreshWarehouse { warehouse in
                let bank1c = BankStatementImporter(warehouse: warehouse)
                let statement = StatementFileImporter(format: format, warehouse: warehouse)
                if oneCFirst {
                    _ = try await bank1c.importFile(path: oneC)
                    let second = try await statement.importFile(path: other)
                    #expect((second.counts?.duplicate ?? 0) >= 1, "\(format) after 1C")
                } else {
                    _ = try await statement.importFile(path: other)
                    let second = try await bank1c.importFile(path: oneC)
                    #expect(second.counts?.loaded == 1 && second.counts?.duplicate == 1, "1C after \(format)")
                }
                #expect(try await payments(warehouse, amount: "45600000.00") == 1,
                        "\(format), 1C first: \(oneCFirst)")
                #expect(try await payments(warehouse, amount: "1000.00") == 1)
            }
        }
    }

    @Test("two identical real payments in the 1C file, one of them already in camt.053: both survive, once each")
    func identicalPaymentsSurvive() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let oneC = try Self.oneCStatement(files, copies: 2)
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await StatementFileImporter(format: .camt053, warehouse: warehouse).importFile(path: Self.camt)
            let second = try await BankStatementImporter(warehouse: warehouse).importFile(path: oneC)
            #expect(second.counts?.loaded == 2 && second.counts?.duplicate == 1)
            #expect(try await payments(warehouse, amount: "45600000.00") == 2)
        }
    }

    @Test("a 1C file whose header claims another period still takes the staged path for a line near camt's day")
    func headerPeriodElsewhere() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // The header says June, far from anything stored; the payments were credited on 14 March, the day camt has.
        let oneC = try Self.oneCStatement(files, period: "01.06.2025")
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await StatementFileImporter(format: .camt053, warehouse: warehouse).importFile(path: Self.camt)
            let second = try await BankStatementImporter(warehouse: warehouse).importFile(path: oneC)
            #expect(second.counts?.loaded == 1 && second.counts?.duplicate == 1)
            #expect(try await payments(warehouse, amount: "45600000.00") == 1)
        }
    }
}
