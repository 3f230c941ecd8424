import Connectors
import Foundation
import HubCore
import Testing

/// Writes MT940 text given as lines, encoded and joined as asked, and reads it back through the real file reader
/// with the encoding `SourceFileScan` detects.
func parseMT940(_ lines: [String], encoding: TextEncoding = .utf8, lineEnd: String = "\r\n")
    throws -> (scan: SourceFileScan, records: [BankStatementRecord])
{
    let text = lines.joined(separator: lineEnd) + lineEnd
    var bytes: [UInt8] = []
    switch encoding {
    case .utf8: bytes = Array(text.utf8)
    case .cp1251, .cp866:
        var encoder = CodePageEncoder(encoding: encoding)
        encoder.encode(text, into: &bytes)
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mt940-\(UUID()).sta").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try MT940File.records(path: path)
}

@Suite("MT940 reader")
struct MT940FileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func records(_ name: String) throws -> [BankStatementRecord] {
        try MT940File.records(path: fixtures.appendingPathComponent(name).path).records
    }

    @Test("the shared sample (SWIFT blocks, CRLF): header, balances, 8 lines, nothing rejected")
    func sharedSampleShape() throws {
        let records = try Self.records("mt940_uzs_sample.sta")
        #expect(statementRejections(records).isEmpty)
        guard case .statement(let info) = records.first else {
            Issue.record("expected the statement first, got \(String(describing: records.first))")
            return
        }
        #expect(statementInfos(records).count == 1)
        #expect(info.format == "MT940")
        #expect(info.messageID == "ST250314-0045" && info.statementID == "ST250314-0045")
        #expect(info.sequenceNumber == "45/1")
        #expect(info.account == "20208000500123456001")
        #expect(info.bankCode == "01099")
        #expect(info.currency == "UZS")

        let balances = statementBalances(records)
        #expect(balances.map(\.role) == [.opening, .closing, .available])
        #expect(balances.map(\.code) == ["60F", "62F", "64"])
        #expect(balances.map(\.amount) == [amount("250000000.00"), amount("329995000.00"), amount("329995000.00")])
        #expect(balances.allSatisfy { $0.date == date(2025, 3, 14) && $0.currency == "UZS" })

        let lines = statementLines(records)
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { $0.status == "BOOK" && $0.account == "20208000500123456001" && $0.path == nil })
        #expect(lines.map(\.bankReference) == (1...8).map { "FB25031400010\($0)" })
        #expect(lines.map(\.entryReference) == lines.map(\.bankReference))
    }

    @Test("the shared sample's lines: wrapped :86:, codewords, return, fee, back-valued line")
    func sharedSampleLines() throws {
        let lines = statementLines(try Self.records("mt940_uzs_sample.sta"))
        try #require(lines.count == 8)

        let first = lines[0]
        #expect(first.isCredit && first.amount == amount("45600000.00") && first.kind == .payment)
        #expect(first.purpose?.contains("SF-2025/0147") == true)
        #expect(first.remittanceLines == [
            "00668 Oplata po schetu SF-2025/0147 ot 03.03.2025 za udobreniya, v t.ch. NDS 12% 4885714.29",
        ])
        #expect(first.counterpartyName == "ORZU SAVDO MCHJ")
        #expect(first.counterpartyAccount == "20208000912345678001" && first.counterpartyBankCode == "00440")
        #expect(first.counterpartyTaxID == "301234567")
        #expect(first.endToEndID == "PP-000512" && first.bankTransactionCode == "NTRF")
        #expect(first.rawDetails?.split(separator: "\n").count == 3)
        #expect(first.line == 6)

        let batch = lines[1]
        #expect(batch.amount == amount("18750000.00") && batch.entryLineCount == 1)
        #expect(batch.additionalInfo == ["AGENT SETTLEMENT 3 PAYMENTS"])
        #expect(batch.counterpartyName == "PAYMENT AGENT REESTR 20250314-07")
        #expect(batch.purpose?.contains("shartnoma 22/2025") == true)
        #expect(batch.purpose?.contains("sch.151 ot 05.03.25") == true)

        let debit = lines[2]
        #expect(!debit.isCredit && debit.counterpartyTaxID == "202468135")
        #expect(debit.counterpartyName == "SHARQ TELEKOM SERVIS AJ")
        #expect(debit.counterpartyAccount == "20210000700987654002" && debit.counterpartyBankCode == "00873")
        #expect(debit.endToEndID == "SAI-PP-0231")

        let returned = lines[3]
        #expect(returned.isCredit && returned.kind == .return && returned.reversalMark)
        #expect(returned.returnReason == "AC04" && returned.endToEndID == "SAI-PP-0227")
        #expect(returned.bankTransactionCode == "NRTI")
        // A credit with only /BENM/: the reader falls back to it.
        #expect(returned.counterpartyName == "TEZKOR LOGISTIKA MCHJ")
        #expect(returned.additionalInfo == ["RETURN AC04 ACCOUNT CLOSED"])
        // The continuation line starting with a space keeps it.
        #expect(returned.purpose == "Vozvrat p/p 227 ot 12.03.2025: schet poluchatelya zakryt. Orig. ref FB250312000377")

        let fee = lines[4]
        #expect(!fee.isCredit && fee.bankTransactionCode == "NCHG" && fee.endToEndID == nil)
        #expect(fee.counterpartyName == nil && fee.counterpartyTaxID == nil)
        #expect(fee.purpose == "Komissiya banka za platezhnye porucheniya (3 sht.)")

        let backValued = lines[5]
        #expect(backValued.valueDate == date(2025, 3, 13) && backValued.bookingDate == date(2025, 3, 14))
        #expect(backValued.counterpartyTaxID == "209111222" && backValued.endToEndID == nil)

        #expect(lines[6].endToEndID == "OS-PP-1180" && lines[6].counterpartyTaxID == "301234567")
        #expect(lines[7].counterpartyTaxID == "206333444")
        #expect(lines[7].purpose == "Predoplata 20% po dogovoru No K-77 ot 10.03.2025")
    }

    @Test("both shared samples describe the same day: same amounts, sides and bank references per entry")
    func sameDayInBothFormats() throws {
        let camt = statementLines(try Camt053FileTests.records("camt053_uzs_sample.xml"))
        let mt940 = statementLines(try Self.records("mt940_uzs_sample.sta"))
        // camt's batch entry (three lines) is one MT940 line: compare entries.
        var camtEntries: [(reference: String?, credit: Bool, sum: Decimal)] = []
        for line in camt {
            if line.entryIndex > 1 {
                camtEntries[camtEntries.count - 1].sum += line.amount.decimal
            } else {
                camtEntries.append((line.entryReference, line.isCredit, line.amount.decimal))
            }
        }
        #expect(camtEntries.map(\.reference) == mt940.map(\.entryReference))
        #expect(camtEntries.map(\.credit) == mt940.map(\.isCredit))
        #expect(camtEntries.map(\.sum) == mt940.map(\.amount.decimal))
        #expect(camt.filter { $0.entryIndex == 1 }.map(\.kind) == mt940.map(\.kind))
        // The payment order numbers agree except for the batch (camt's first child vs the agent's registry).
        let singles = camt.filter { $0.entryLineCount == 1 }
        #expect(singles.map(\.endToEndID) == mt940.filter { $0.entryReference != "FB250314000102" }.map(\.endToEndID))
    }

    @Test("without blocks, LF only: two statements, year-end straddle, 4-space entry date, RC, funds code, EREF")
    func plainTwoStatements() throws {
        let (scan, records) = try MT940File.records(
            path: Self.fixtures.appendingPathComponent("mt940_plain_two_statements.sta").path)
        #expect(scan.encoding == .utf8)
        let infos = statementInfos(records)
        #expect(infos.map(\.statementID) == ["STMT-A", "STMT-B"])
        #expect(infos.map(\.account) == ["20208000500123456001", "20208000500123456001"])
        #expect(infos.map(\.bankCode) == [nil, "FICTUZ22"])
        #expect(infos.map(\.currency) == ["UZS", "UZS"])
        #expect(infos.map(\.line) == [1, 16])

        let balances = statementBalances(records)
        #expect(balances.map(\.code) == ["60F", "62F", "60F", "62F", "64", "65"])
        #expect(balances.map(\.role) == [.opening, .closing, .opening, .closing, .available, .forward])
        #expect(balances[5].date == date(2026, 1, 3))

        let lines = statementLines(records)
        try #require(lines.count == 4)
        let straddle = lines[0]
        #expect(straddle.valueDate == date(2025, 12, 31) && straddle.bookingDate == date(2026, 1, 2))
        #expect(straddle.remittanceLines == ["Oplata SF-2025/0300"])

        let spaces = lines[1]
        #expect(spaces.valueDate == date(2025, 12, 31) && spaces.bookingDate == date(2025, 12, 31))
        #expect(spaces.remittanceLines == ["Komissiya banka za dekabr"])
        #expect(spaces.rawDetails == "Komissiya banka\n za dekabr")
        #expect(spaces.bankTransactionCode == "NCHG" && spaces.endToEndID == nil)

        let reversal = lines[2]
        #expect(!reversal.isCredit && reversal.kind == .reversal && reversal.reversalMark)
        #expect(reversal.bookingDate == date(2026, 1, 1))
        #expect(reversal.additionalInfo == ["REVERSAL OF BANK-A0"])
        #expect(reversal.counterpartyName == "TEZKOR LOGISTIKA MCHJ")

        let funds = lines[3]
        #expect(funds.fundsCode == "S" && funds.amount == amount("1000.00") && funds.isCredit)
        #expect(funds.endToEndID == "E2E-77")
        #expect(funds.counterpartyName == "PAYER B" && funds.counterpartyAccount == nil)
        #expect(funds.counterpartyTaxID == "31503850270019")
        #expect(funds.remittanceLines == ["Predoplata"])

        // The malformed :61: of statement B is rejected with its :86:; the balances still add up without it.
        let rejected = statementRejections(records)
        try #require(rejected.count == 1)
        #expect(rejected[0].kind == "line" && rejected[0].field == ":61:" && rejected[0].line == 21)
        #expect(rejected[0].raw == ":61:2601XX0102C5,00NTRFNONREF//BANK-B2\n:86:/REMI/cannot be read")
        #expect(rejected[0].reason.contains("YYMMDD"))
    }

    @Test("Cyrillic :86: in CP1251 and CP866, detected and decoded", arguments: [TextEncoding.cp1251, .cp866])
    func cyrillic(encoding: TextEncoding) throws {
        let (scan, records) = try parseMT940([
            ":20:CYR-1",
            ":25:01099/20208000500123456001",
            ":60F:C250314UZS0,00",
            ":61:2503140314C100,00NTRFPP-1//FB1",
            ":86:/ORDP/20208000912345678001/00440/ООО \"РОМАШКА\"/INN/301234567",
            "/REMI/Оплата по счету СФ-2025/01",
            "47 от 03.03.2025, НДС не облагается",
            ":62F:C250314UZS100,00",
        ], encoding: encoding)
        #expect(scan.encoding == encoding)
        #expect(statementRejections(records).isEmpty)
        let line = try #require(statementLines(records).first)
        #expect(line.counterpartyName == "ООО \"РОМАШКА\"")
        #expect(line.remittanceLines == ["Оплата по счету СФ-2025/0147 от 03.03.2025, НДС не облагается"])
        #expect(line.rawDetails?.hasSuffix("\n47 от 03.03.2025, НДС не облагается") == true)
    }

    @Test("several SWIFT messages in one file, LF line ends; trailers and text outside {4: are skipped")
    func severalMessages() throws {
        func message(_ reference: String, opening: String, amount: String, closing: String) -> [String] {
            ["{1:F01FICTUZ22AXXX0000000000}{2:I940FICTUZ22XXXXN}{4:", ":20:\(reference)",
             ":25:20208000500123456001", ":60M:C250314UZS\(opening)", ":61:2503140314C\(amount)NTRFNONREF//\(reference)",
             ":62M:C250314UZS\(closing)", "-}{5:{CHK:123456789ABC}}", "outside any block"]
        }
        let (_, records) = try parseMT940(
            message("M1", opening: "0,00", amount: "10,00", closing: "10,00")
                + message("M2", opening: "10,00", amount: "5,50", closing: "15,50"), lineEnd: "\n")
        #expect(statementInfos(records).map(\.statementID) == ["M1", "M2"])
        #expect(statementInfos(records).map(\.currency) == ["UZS", "UZS"])
        #expect(statementLines(records).map(\.bankReference) == ["M1", "M2"])
        #expect(statementLines(records).map(\.amount) == [amount("10.00"), amount("5.50")])
        #expect(statementBalances(records).map(\.code) == ["60M", "62M", "60M", "62M"])
        #expect(statementRejections(records).isEmpty)
    }

    @Test("a statement that does not add up is reported after its lines, with the figures")
    func balanceMismatch() throws {
        let (_, records) = try parseMT940([
            ":20:BAD-SUM", ":25:20208000500123456001", ":60F:C250314UZS100,00",
            ":61:2503140314D30,00NTRFNONREF//R1", ":61:2503140314RD5,00NTRFNONREF//R2",
            ":62F:D250314UZS10,00",
        ])
        let lines = statementLines(records)
        #expect(lines.map(\.isCredit) == [false, true])
        #expect(lines[1].kind == .reversal && lines[1].rawDetails == nil)
        let balances = statementBalances(records)
        #expect(balances.last?.amount.decimal == Decimal(-10))
        let rejected = statementRejections(records)
        #expect(rejected.map(\.kind) == ["statement"])
        #expect(rejected.first?.reason.contains("closing balance -10.00 ≠ opening 100.00 + lines -25.00") == true)
        if case .rejected = records.last {} else { Issue.record("the check comes last, got \(records.last!)") }
    }

    @Test("malformed :61: lines are rejected one by one", arguments: [
        (":61:250314C", "amount"),
        (":61:2503140314X100,00NTRFNONREF", "debit/credit mark"),
        (":61:2503140314C100,00", "transaction type"),
        (":61:2503140314CABC,00NTRF", "amount"),
        (":61:2513400314C100,00NTRF", "YYMMDD"),
        (":61:2503141399C100,00NTRF", "entry date"),
    ])
    func malformedLine(field: String, reason: String) throws {
        let (_, records) = try parseMT940([
            ":20:X", ":25:20208000500123456001", ":60F:C250314UZS0,00", field,
            ":61:2503140314C1,00NTRFNONREF//OK", ":62F:C250314UZS1,00",
        ])
        let rejected = statementRejections(records)
        try #require(rejected.count == 1)
        #expect(rejected[0].kind == "line" && rejected[0].line == 4 && rejected[0].raw == field)
        #expect(rejected[0].reason.contains(reason))
        #expect(statementLines(records).map(\.bankReference) == ["OK"])
    }

    @Test("a message cut off inside {4: before its closing balance is refused as truncated")
    func truncated() throws {
        let error = try #require(throws: HubError.self) {
            try parseMT940(["{1:F01FICTUZ22AXXX0000000000}{2:I940FICTUZ22XXXXN}{4:", ":20:CUT",
                            ":25:20208000500123456001", ":60F:C250314UZS0,00", ":61:2503140314C1,00NTRFNONREF//A"])
        }
        #expect(error.code == .malformedInput && error.message.contains("truncated"))
    }

    @Test("a file without :20: or :25: is not a statement")
    func notAStatement() throws {
        let noReference = try #require(throws: HubError.self) {
            try parseMT940([":25:20208000500123456001", ":28C:1"])
        }
        #expect(noReference.code == .malformedInput && noReference.message.contains(":20:"))
        let noAccount = try #require(throws: HubError.self) {
            try parseMT940([":20:X", ":60F:C250314UZS0,00", ":62F:C250314UZS0,00"])
        }
        #expect(noAccount.message.contains(":25:") && noAccount.location?.line == 2)
        let text = try #require(throws: HubError.self) { try parseMT940(["hello", "world"]) }
        #expect(text.code == .malformedInput)
        let noAccountAtAll = try #require(throws: HubError.self) { try parseMT940([":20:X", ":28C:1"]) }
        #expect(noAccountAtAll.message.contains(":25:"))
    }

    @Test(":25: forms: MFO/account, BIC/account, account with currency, plain", arguments: [
        ("01099/20208000500123456001", "20208000500123456001", "01099", nil as String?),
        ("FICTUZ22XXX/20208000500123456001", "20208000500123456001", "FICTUZ22XXX", nil),
        ("NL91ABNA0417164300EUR", "NL91ABNA0417164300", nil, "EUR"),
        ("20208000500123456001 UZS", "20208000500123456001", nil, "UZS"),
        ("20208000500123456001", "20208000500123456001", nil, nil),
    ])
    func accountForms(field: String, account: String, bankCode: String?, currency: String?) throws {
        let (_, records) = try parseMT940([":20:X", ":25:\(field)", ":61:2503140314C1,00NTRFNONREF//A"])
        let info = try #require(statementInfos(records).first)
        #expect(info.account == account && info.bankCode == bankCode && info.currency == currency)
    }
}
