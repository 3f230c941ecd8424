import Connectors
import Foundation
import HubCore
import Testing

/// bank-1c and MT940 against input that is broken or built to hurt: NUL and control bytes, lines and fields
/// past the value limit, files that are not text at all.
@Suite("hostile bank statements: control bytes and the value limit")
struct HostileBankInputTests {
    static let goodDocument = document([
        "Номер=2", "Дата=15.04.2024", "Сумма=10.00", "ПлательщикСчет=20208000205566778001",
        "ПолучательСчет=20208000404512345001", "НазначениеПлатежа=ok",
    ])

    static func reads(_ lines: [String]) throws -> [ClientBankExchangeRecord] {
        try parse(lines, encoding: .utf8).records
    }

    @Test("a NUL inside a bank-1c value quarantines its document with line and column; nothing is dropped")
    func nulInValue() throws {
        let records = try Self.reads(minimalHeader + document([
            "Номер=1", "Дата=15.04.2024", "Сумма=10.00", "ПлательщикСчет=20208000205566778001",
            "ПолучательСчет=20208000404512345001", "НазначениеПлатежа=AB\0\0CD",
        ]) + Self.goodDocument + ["КонецФайла"])
        // Before: the document loaded and the warehouse dropped the NULs (`ABCD`).
        #expect(documents(records).map(\.number) == ["2"])
        let rejected = try #require(rejections(records).first)
        #expect(rejected.kind == "document" && rejected.line == 5)
        #expect(rejected.reason == "line 11 (НазначениеПлатежа) contains a NUL byte at column 21")
        #expect(rejected.field == "НазначениеПлатежа")
        #expect(rejected.raw.contains("НазначениеПлатежа=AB\\0\\0CD"))
        #expect(!rejected.raw.unicodeScalars.contains { $0.value == 0 })
    }

    @Test("control characters other than tab are refused the same way, in documents and in the header",
          arguments: [UInt8(0x1B), 0x01, 0x0C, 0x1A])
    func controlCharacters(byte: UInt8) throws {
        let control = String(UnicodeScalar(byte))
        let records = try Self.reads(minimalHeader + ["Отправитель=Банк\(control)[2J"] + document([
            "Номер=1\(control)", "Дата=15.04.2024", "Сумма=10.00", "ПлательщикСчет=20208000205566778001",
            "ПолучательСчет=20208000404512345001",
        ]) + Self.goodDocument + ["КонецФайла"])
        #expect(documents(records).map(\.number) == ["2"])
        let headers = records.compactMap { if case .header(let header) = $0 { header } else { nil } }
        guard let header = headers.first else { Issue.record("no header"); return }
        #expect(header.sender == nil && !header.fields.contains { $0.key == "Отправитель" })
        let reasons = rejections(records).map(\.reason)
        #expect(reasons == [
            "line 5 (Отправитель) contains \(ControlCharacters.describe(byte)) at column 17",
            "line 7 (Номер) contains \(ControlCharacters.describe(byte)) at column 8",
        ])
        #expect(rejections(records).map(\.kind) == ["header", "document"])
    }

    @Test("tab stays allowed: values with tabs load as before")
    func tabIsFine() throws {
        let records = try Self.reads(minimalHeader + document([
            "Номер=\t7", "Дата=15.04.2024", "Сумма=10.00", "ПлательщикСчет=20208000205566778001",
            "ПолучательСчет=20208000404512345001", "НазначениеПлатежа=a\tb",
        ]) + ["КонецФайла"])
        #expect(rejections(records).isEmpty)
        #expect(documents(records).first?.purpose == "a\tb")
    }

    @Test("a file of NULs, or UTF-16 text, is refused with its first line escaped, not echoed raw")
    func notTextQuoted() throws {
        let utf16: [UInt8] = [0xFF, 0xFE] + "1CClientBankExchange\r\nВерсияФормата=1.03\r\n".utf16.flatMap {
            [UInt8($0 & 0xFF), UInt8($0 >> 8)]
        }
        let inputs: [[UInt8]] = [[UInt8](repeating: 0, count: 300), utf16]
        for bytes in inputs {
            let file = try HostileFile("txt")
            try file.write(bytes)
            try file.close()
            let error = #expect(throws: HubError.self) { try ClientBankExchangeFile.records(path: file.path) }
            let text = error.map(String.init(describing:)) ?? ""
            #expect(text.contains("not a 1CClientBankExchange file: the first line is \""))
            #expect(text.contains("\\0"))
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
            #expect(text.count < 400)
        }
    }

    @Test("a 200 MB bank-1c line is quarantined with its length; the rest of the file loads")
    func hugeLine() throws {
        let file = try HostileFile("txt")
        try file.write((minimalHeader + ["СекцияДокумент=Платежное поручение", "Номер=1", "Дата=15.04.2024",
                                          "Сумма=10.00", "ПлательщикСчет=20208000205566778001",
                                          "ПолучательСчет=20208000404512345001"]).joined(separator: "\r\n")
                       + "\r\nНазначениеПлатежа=")
        try file.write(repeating: UInt8(ascii: "x"), count: 200 << 20)
        try file.write("\r\nКонецДокумента\r\n" + (Self.goodDocument + ["КонецФайла"]).joined(separator: "\r\n") + "\r\n")
        try file.close()
        var reader = try ClientBankExchangeFile(path: file.path, encoding: .utf8)
        var records: [ClientBankExchangeRecord] = []
        while try reader.readChunk(emit: { records.append($0) }) {}
        #expect(documents(records).map(\.number) == ["2"])
        let rejected = try #require(rejections(records).first)
        #expect(rejected.line == 5)
        let length = "НазначениеПлатежа=".utf8.count + (200 << 20)
        #expect(rejected.reason == "line 11 (НазначениеПлатежа) holds 200.0 MiB (\(length) bytes); one value may hold "
                    + "at most 16 MiB (CRMHUB_MAX_VALUE_BYTES)")
        // The quarantined text is a preview, not the line.
        #expect(rejected.raw.utf8.count < 4 << 10)
        #expect(rejected.raw.contains("… (cut: \(length) bytes)"))
    }

    @Test("the limit is a setting: a line over a small limit is quarantined, one under it loads")
    func smallLimit() throws {
        let lines = minimalHeader + document([
            "Номер=1", "Дата=15.04.2024", "Сумма=10.00", "ПлательщикСчет=20208000205566778001",
            "ПолучательСчет=20208000404512345001", "НазначениеПлатежа=" + String(repeating: "я", count: 600),
        ]) + Self.goodDocument + ["КонецФайла"]
        let file = try HostileFile("txt")
        try file.write(lines.joined(separator: "\n") + "\n")
        try file.close()
        let limited = try ClientBankExchangeFile.records(path: file.path, limits: InputLimits(maxValueBytes: 1_000))
        #expect(documents(limited.records).map(\.number) == ["2"])
        #expect(rejections(limited.records).first?.reason.contains("line 11 (НазначениеПлатежа) holds 1.2 KiB") == true)
        let roomy = try ClientBankExchangeFile.records(path: file.path, limits: InputLimits(maxValueBytes: 2_000))
        #expect(documents(roomy.records).map(\.number) == ["1", "2"])
    }

    // MARK: - MT940

    static let statement = [
        ":20:STMT-1", ":25:20208000500123456001UZS", ":60F:C251231UZS1000,00",
        ":61:2512310102C500,00NTRFREF-A1//BANK-A1", ":86:/REMI/first payment",
        ":61:2512310102C200,00NTRFREF-A2//BANK-A2", ":86:/REMI/second\0payment", "/ORDP/PAYER B",
        ":61:2512310102C300,00NTRFREF-A3//BANK-A3", ":86:/REMI/third payment", ":62F:C251231UZS2000,00",
    ]

    @Test("a NUL inside :86: quarantines that statement line with line and column; the others load")
    func mt940Nul() throws {
        let records = try parseMT940(Self.statement).records
        let lines = records.compactMap { if case .line(let line) = $0 { line } else { nil } }
        #expect(lines.map(\.bankReference) == ["BANK-A1", "BANK-A3"])
        let rejected = statementRejections(records)
        #expect(rejected.count == 1, "the amount was read, so the statement still adds up")
        #expect(rejected.first?.kind == "line" && rejected.first?.line == 6 && rejected.first?.field == ":86:")
        #expect(rejected.first?.reason == ":86: line 7 contains a NUL byte at column 17")
        #expect(rejected.first?.raw == ":61:2512310102C200,00NTRFREF-A2//BANK-A2\n:86:/REMI/second\\0payment\n/ORDP/PAYER B")
    }

    @Test("a control byte in :61:, in a balance or in :20: is refused by what it belongs to")
    func mt940Fields() throws {
        var broken = Self.statement
        broken[3] = ":61:2512310102C500,00NTRF\u{1B}REF-A1//BANK-A1"
        broken[10] = ":62F:C251231UZS2000,00\u{7}"
        let records = try parseMT940(broken).records
        let rejected = statementRejections(records)
        #expect(rejected.map(\.kind) == ["line", "line", "balance"])
        #expect(rejected.first?.reason == ":61: line 4 contains a control character U+001B (ESC) at column 26")
        #expect(rejected.last?.reason == ":62F: line 11 contains a control character U+0007 (BEL) at column 23")

        var reference = Self.statement
        reference[0] = ":20:STMT\0-1"
        let error = #expect(throws: HubError.self) { try parseMT940(reference) }
        #expect(error?.location?.line == 1 && error?.location?.field == ":20:")
        #expect(error?.message.hasPrefix(":20: line 1 contains a NUL byte at column 9") == true)
    }

    @Test("an MT940 field past the value limit, in one line or many, is quarantined; memory holds a preview")
    func mt940Limit() throws {
        let limits = InputLimits(maxValueBytes: 4_096)
        var oneLine = Self.statement
        oneLine[4] = ":86:/REMI/" + String(repeating: "x", count: 10_000)
        var manyLines = Self.statement
        manyLines[4] = ":86:/REMI/start"
        manyLines.insert(contentsOf: Array(repeating: String(repeating: "y", count: 60), count: 100), at: 5)
        for (lines, reason) in [(oneLine, ":86: line 5 holds 9.8 KiB (10010 bytes)"),
                                (manyLines, ":86: the field (to line 74) holds at least 4.1 KiB (4151 bytes)")] {
            let file = try HostileFile("sta")
            try file.write(lines.joined(separator: "\r\n") + "\r\n")
            try file.close()
            let records = try MT940File.records(path: file.path, limits: limits).records
            let booked = records.compactMap { if case .line(let line) = $0 { line.bankReference } else { nil } }
            // BANK-A2 has the NUL of `statement`.
            #expect(booked == ["BANK-A3"])
            let rejected = try #require(statementRejections(records).first { $0.field == ":86:" })
            #expect(rejected.reason.hasPrefix(reason), "\(rejected.reason)")
            #expect(rejected.raw.utf8.count < 80 << 10)
        }
    }
}
