import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Testing
import ZIPFoundation

/// Hostile and broken files through the real importers into a real PostgreSQL: NUL bytes, values past the
/// value limit, zipped messages that inflate without bound. The file's other records load; the bad one is
/// quarantined with its position and reason; nothing reaches PostgreSQL as a raw error.
@Suite("hostile input, end to end")
struct HostileInputTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ConnectorsTests/Fixtures").standardized

    func value<T: PostgresDecodable>(_ warehouse: Warehouse, _ sql: String, as: T.Type = Int.self) async throws -> T {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: sql), logger: warehouse.logger)
            .collect().first!.decode(T.self)
    }

    /// The shared MT940 sample with a NUL inside the `:86:` of its bank-fee line.
    static func mt940WithNul(_ files: TemporaryFiles) throws -> String {
        var text = try String(contentsOf: fixtures.appendingPathComponent("mt940_uzs_sample.sta"), encoding: .utf8)
        text = text.replacingOccurrences(of: "/REMI/Komissiya banka", with: "/REMI/Komis\0siya banka")
        return try files.write("statement_nul.sta", Data(text.utf8))
    }

    @Test("MT940 with a NUL in :86: loads every other line; that one is quarantined with line and column")
    func mt940Nul() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try Self.mt940WithNul(files)
        try await TestDatabase.withFreshWarehouse { warehouse in
            // Before: the whole file failed with PostgreSQL's "\u0000 cannot be converted to text [SQLSTATE 22P05]".
            let result = try await StatementFileImporter(format: .mt940, warehouse: warehouse).importFile(path: path)
            let counts = try #require(result.counts)
            #expect(counts.loaded == 7)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 7)
            #expect(try await value(warehouse,
                "SELECT count(*)::int FROM core.bank_transactions WHERE bank_reference = 'FB250314000105'") == 0)
            let (line, reason, raw) = try await warehouse.client.query("""
                SELECT position, reason, raw FROM ops.quarantine WHERE record_kind = 'line'
                """, logger: warehouse.logger).collect().first!.decode((Int, String, String).self)
            #expect(line == 26)
            #expect(reason == ":86: line 27 contains a NUL byte at column 16")
            #expect(raw.contains("/REMI/Komis\\0siya banka"))
            // The statement's balance no longer adds up without the line: quarantined too, and said so.
            #expect(counts.quarantined == 2)
        }
    }

    @Test("crmhub import bank-mt940 of that file exits 3 and names the line")
    func mt940NulExitCode() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try Self.mt940WithNul(files)
        try await TestDatabase.withFreshWarehouse { warehouse in
            let output = try await CLITests().crmhub(["import", "bank-mt940", path], database: warehouse.settings)
            #expect(output.status == 3, "\(output.text)")
            #expect(output.text.contains("statement_nul.sta:26: :86: line 27 contains a NUL byte at column 16"))
        }
    }

    @Test("bank-1c: a NUL is quarantined, not dropped; a value past the limit is quarantined; the rest loads")
    func bank1c() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let nul = try files.write("nul.txt", StatementFiles.encode(
            StatementFiles.header() + StatementFiles.incoming(number: "1", amount: "100.00", purpose: "AB\0\0CD")
                + StatementFiles.incoming(number: "2", amount: "200.00") + ["КонецФайла"], encoding: .utf8))
        // 20 MiB of purpose, written piece by piece.
        let long = files.directory + "/long.txt"
        FileManager.default.createFile(atPath: long, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: long))
        var lines = StatementFiles.header() + StatementFiles.incoming(number: "1", amount: "100.00", purpose: "")
        lines.removeLast(2)  // the empty purpose and КонецДокумента
        try handle.write(contentsOf: StatementFiles.encode(lines, encoding: .utf8) + Data("НазначениеПлатежа=".utf8))
        let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<20 { try handle.write(contentsOf: block) }
        try handle.write(contentsOf: Data("\r\n".utf8) + StatementFiles.encode(
            ["КонецДокумента"] + StatementFiles.incoming(number: "3", amount: "300.00") + ["КонецФайла"], encoding: .utf8))
        try handle.close()

        try await TestDatabase.withFreshWarehouse { warehouse in
            let importer = BankStatementImporter(warehouse: warehouse)
            let first = try await importer.importFile(path: nul)
            #expect(first.counts?.loaded == 1 && first.counts?.quarantined == 1)
            #expect(try await value(warehouse, """
                SELECT count(*)::int FROM core.bank_transactions WHERE purpose LIKE '%ABCD%' OR doc_number = '1'
                """) == 0)
            #expect(first.quarantineSamples.first?.reason == "line 21 (НазначениеПлатежа) contains a NUL byte at column 21")

            let second = try await importer.importFile(path: long)
            #expect(second.counts?.loaded == 1 && second.counts?.quarantined == 1)
            let reason = try #require(second.quarantineSamples.first?.reason)
            #expect(reason.hasPrefix("line 21 (НазначениеПлатежа) holds 20.0 MiB (20971555 bytes); one value may hold at most 16 MiB"))
            #expect(try await value(warehouse, "SELECT max(length(raw))::int FROM ops.quarantine") < 4_096)
        }
    }

    /// An EnterpriseData message of two invoices; the second one's comment is `padding` bytes of spaces.
    static func paddedMessage(_ files: TemporaryFiles, padding: Int) throws -> String {
        func invoice(_ n: Int, comment: String) -> String {
            """
            <Документ.СчетПокупателю><КлючевыеСвойства><Ссылка>0000000b-0000-4000-8000-00000000000\(n)</Ссылка>
            <Дата>2026-10-01T12:00:00</Дата><Номер>0000-00000\(n)</Номер></КлючевыеСвойства>
            <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>100.00</Сумма>
            <Контрагент><Ссылка>0000000a-0000-4000-8000-000000000001</Ссылка><ИНН>301000001</ИНН>
            <Наименование>ООО Ранний</Наименование></Контрагент><Комментарий>\(comment)</Комментарий>
            </Документ.СчетПокупателю>

            """
        }
        let path = files.directory + "/Message_BP_CRM.xml"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let padded = invoice(2, comment: "PADDING").components(separatedBy: "PADDING")
        try handle.write(contentsOf: Data(("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message">
            <msg:Header><msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17</msg:Format>
            <msg:CreationDate>2026-11-01T10:00:00</msg:CreationDate><msg:Confirmation><msg:To>CRM</msg:To>
            <msg:From>BP</msg:From><msg:MessageNo>3</msg:MessageNo><msg:ReceivedNo>0</msg:ReceivedNo>
            </msg:Confirmation></msg:Header>
            <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17">

            """ + invoice(1, comment: "короткий") + padded[0]).utf8))
        let block = Data(repeating: UInt8(ascii: " "), count: 1 << 20)
        for _ in 0..<(padding >> 20) { try handle.write(contentsOf: block) }
        try handle.write(contentsOf: Data((padded[1] + "</Body></Message>\n").utf8))
        try handle.close()
        let zip = files.directory + "/Message_BP_CRM.zip"
        let archive = try Archive(url: URL(fileURLWithPath: zip), accessMode: .create)
        try archive.addEntry(with: "Message_BP_CRM.xml", fileURL: URL(fileURLWithPath: path), compressionMethod: .deflate)
        try FileManager.default.removeItem(atPath: path)
        return zip
    }

    @Test("a zipped message whose element holds 20 MiB of spaces: that object is quarantined, the rest loads")
    func zippedWhitespace() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let zip = try Self.paddedMessage(files, padding: 20 << 20)
        try await TestDatabase.withFreshWarehouse { warehouse in
            let result = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: zip)
            let summary = try #require(result.summary)
            #expect(summary.invoices.inserted == 1 && summary.quarantined == 1)
            let (path, reason) = try await warehouse.client.query(
                "SELECT path, reason FROM ops.quarantine", logger: warehouse.logger
            ).collect().first!.decode((String, String).self)
            #expect(path == "Message/Body/Документ.СчетПокупателю[2]/Комментарий")
            #expect(reason.hasPrefix("Комментарий holds 20 MiB"))
            #expect(try await value(warehouse, "SELECT number FROM core.invoices", as: String.self) == "0000-000001")
        }
    }

    @Test("a zipped message that declares 2.5 GiB is refused at once, with a failed batch naming the limit")
    func zipDeclaresTooMuch() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        var zip = try Data(contentsOf: URL(fileURLWithPath: Self.paddedMessage(files, padding: 0)))
        // What the archive claims, in its local header and its central directory: 2.5 GiB.
        let claimed: [UInt8] = [0x00, 0x00, 0x00, 0xA0]
        zip.replaceSubrange(22..<26, with: claimed)
        let directory = try #require(zip.lastRange(of: Data([0x50, 0x4B, 0x01, 0x02]))).lowerBound
        zip.replaceSubrange((directory + 24)..<(directory + 28), with: claimed)
        let path = try files.write("bomb.zip", zip)
        try await TestDatabase.withFreshWarehouse { warehouse in
            let started = ContinuousClock.now
            let error = await #expect(throws: HubError.self) {
                _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                    .importFile(path: path)
            }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error?.message.contains("would inflate to 2.5 GiB (2684354560 bytes)") == true)
            #expect(error?.message.contains("the limit is 2 GiB (CRMHUB_MAX_INFLATED_BYTES)") == true)
            let failed = try await value(warehouse, "SELECT error FROM ops.batches WHERE status = 'failed'", as: String.self)
            #expect(failed.contains("CRMHUB_MAX_INFLATED_BYTES"))
        }
    }

    @Test("a file of NULs given as bank-1c: the message escapes what it quotes")
    func quotedContentIsEscaped() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try files.write("nuls.txt", Data(repeating: 0, count: 4_096) + Data("\u{1B}[2J\u{1B}]0;owned\u{7}".utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let output = try await CLITests().crmhub(["import", "bank-1c", path], database: warehouse.settings,
                                                      timeout: .seconds(120))
            #expect(output.status == 1)
            #expect(output.text.contains("nuls.txt:1: not a 1CClientBankExchange file: the first line is \"\\0\\0\\0"))
            #expect(!output.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        }
    }
}
