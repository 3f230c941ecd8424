import Connectors
import Foundation
import HubCore
import Testing

func statementInfos(_ records: [BankStatementRecord]) -> [StatementInfo] {
    records.compactMap { if case .statement(let info) = $0 { info } else { nil } }
}

func statementBalances(_ records: [BankStatementRecord]) -> [StatementBalanceLine] {
    records.compactMap { if case .balance(let balance) = $0 { balance } else { nil } }
}

func statementLines(_ records: [BankStatementRecord]) -> [StatementLine] {
    records.compactMap { if case .line(let line) = $0 { line } else { nil } }
}

func statementRejections(_ records: [BankStatementRecord]) -> [RejectedSection] {
    records.compactMap { if case .rejected(let rejected) = $0 { rejected } else { nil } }
}

func amount(_ text: String) -> ExactAmount { ExactAmount(parsing: text)! }

func date(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate { CalendarDate(year: year, month: month, day: day)! }

/// Writes text to a temporary file and reads it as camt.
func parseCamt(_ xml: String) throws -> [BankStatementRecord] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("camt-\(UUID()).xml").path
    try Data(xml.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try Camt053File.records(path: path)
}

@Suite("camt.053 / camt.054 reader")
struct Camt053FileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func records(_ name: String) throws -> [BankStatementRecord] {
        try Camt053File.records(path: fixtures.appendingPathComponent(name).path)
    }

    @Test("the shared v08 sample: header, OPBD/CLBD, 10 lines, nothing rejected, in file order")
    func sharedSampleShape() throws {
        let records = try Self.records("camt053_uzs_sample.xml")
        #expect(statementRejections(records).isEmpty)
        guard case .statement(let info) = records.first else {
            Issue.record("expected the statement first, got \(String(describing: records.first))")
            return
        }
        #expect(statementInfos(records).count == 1)
        #expect(info.format == "camt.053.001.08")
        #expect(info.messageID == "FBANK-STMT-20250314-0001")
        #expect(info.statementID == "20208000500123456001-20250314")
        #expect(info.sequenceNumber == "45")
        #expect(info.createdAt == "2025-03-15T06:05:00+05:00")
        #expect(info.periodStart == date(2025, 3, 14) && info.periodEnd == date(2025, 3, 14))
        #expect(info.account == "20208000500123456001")
        #expect(info.currency == "UZS")
        #expect(info.bankCode == "01099")
        #expect(info.ownerName == "\"SAMARQAND AGRO INVEST\" MChJ")
        #expect(info.ownerTaxID == "205123456")

        let balances = statementBalances(records)
        #expect(balances.count == 2)
        #expect(balances.map(\.role) == [.opening, .closing])
        #expect(balances.map(\.code) == ["OPBD", "CLBD"])
        #expect(balances.map(\.amount) == [amount("250000000.00"), amount("329995000.00")])
        #expect(balances.allSatisfy { $0.date == date(2025, 3, 14) && $0.currency == "UZS" })
        // Balances come before the lines.
        let firstLine = records.firstIndex { if case .line = $0 { true } else { false } }!
        let lastBalance = records.lastIndex { if case .balance = $0 { true } else { false } }!
        #expect(lastBalance < firstLine)

        let lines = statementLines(records)
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0.account == "20208000500123456001" && $0.currency == "UZS" })
        #expect(lines.allSatisfy { $0.status == "BOOK" && $0.bookingDate == date(2025, 3, 14) })
        let signed = lines.reduce(Decimal(0)) { $0 + ($1.isCredit ? $1.amount.decimal : -$1.amount.decimal) }
        #expect(signed == Decimal(string: "79995000")!)
    }

    @Test("the shared sample's entries: batch expansion, return, fee, structured references, parties")
    func sharedSampleEntries() throws {
        let lines = statementLines(try Self.records("camt053_uzs_sample.xml"))
        try #require(lines.count == 10)

        let first = lines[0]
        #expect(first.isCredit && first.amount == amount("45600000.00") && first.kind == .payment)
        #expect(first.counterpartyName == "\"ORZU SAVDO\" MChJ")
        #expect(first.counterpartyTaxID == "301234567")
        #expect(first.counterpartyAccount == "20208000912345678001")
        #expect(first.counterpartyBankCode == "00440")
        #expect(first.endToEndID == "PP-000512")
        #expect(first.bankReference == "FB250314000101" && first.entryReference == "FB250314000101")
        #expect(first.bankTransactionCode == "PMNT/RCDT/DMCT")
        #expect(first.entryIndex == 1 && first.entryLineCount == 1)
        #expect(first.purpose?.contains("СФ-2025/0147") == true)
        #expect(first.path == "Stmt[1]/Ntry[1]/TxDtls[1]")

        let batch = Array(lines[1...3])
        #expect(batch.map(\.entryReference) == Array(repeating: "FB250314000102", count: 3))
        #expect(batch.map(\.bankReference) == ["FB250314000102-1", "FB250314000102-2", "FB250314000102-3"])
        #expect(batch.map(\.entryIndex) == [1, 2, 3])
        #expect(batch.allSatisfy { $0.entryLineCount == 3 })
        #expect(batch.map(\.amount) == [amount("7500000.00"), amount("6250000.00"), amount("5000000.00")])
        #expect(batch.map(\.counterpartyTaxID) == ["207654321", "208765432", "31503850270019"])
        #expect(batch.map(\.path) == ["Stmt[1]/Ntry[2]/TxDtls[1]", "Stmt[1]/Ntry[2]/TxDtls[2]",
                                      "Stmt[1]/Ntry[2]/TxDtls[3]"])
        #expect(batch[2].counterpartyName == "KARIMOV ALISHER YAKKA TADBIRKOR")

        let debit = lines[4]
        #expect(!debit.isCredit && debit.amount == amount("12340000.00"))
        #expect(debit.counterpartyName == "\"SHARQ TELEKOM SERVIS\" AJ")
        #expect(debit.counterpartyTaxID == "202468135")
        #expect(debit.counterpartyAccount == "20210000700987654002")
        #expect(debit.endToEndID == "SAI-PP-0231")

        let returned = lines[5]
        #expect(returned.kind == .return && returned.isCredit && !returned.reversalMark)
        #expect(returned.returnReason == "AC04")
        #expect(returned.endToEndID == "SAI-PP-0227")
        #expect(returned.bankTransactionCode == "PMNT/ICDT/RRTN")
        // Only the creditor is given: the reader falls back to it.
        #expect(returned.counterpartyName == "\"TEZKOR LOGISTIKA\" MChJ")
        #expect(returned.counterpartyAccount == "20208000300555444001")
        #expect(returned.additionalInfo == ["Beneficiary account closed; original debit 2025-03-12 ref FB250312000377"])

        let fee = lines[6]
        #expect(!fee.isCredit && fee.amount == amount("15000.00"))
        #expect(fee.bankTransactionCode == "ACMT/MDOP/CHRG")
        #expect(fee.counterpartyName == nil && fee.counterpartyTaxID == nil && fee.counterpartyAccount == nil)
        #expect(fee.additionalInfo == ["Komissiya: to'lov topshiriqnomasi uchun (3 dona)"])
        #expect(fee.bankReference == "FB250314000105" && fee.entryLineCount == 1)
        #expect(fee.path == "Stmt[1]/Ntry[5]")

        let partial = lines[7]
        #expect(partial.endToEndID == nil)
        #expect(partial.counterpartyTaxID == "209111222")

        let twoInvoices = lines[8]
        #expect(twoInvoices.structuredReferences == [
            StructuredReference(documentNumber: "SF-2025/0155", documentType: "CINV",
                                remittedAmount: amount("4300000.00")),
            StructuredReference(documentNumber: "SF-2025/0158", documentType: "CINV",
                                remittedAmount: amount("5500000.00")),
        ])
        #expect(twoInvoices.remittanceLines == ["Оплата по счетам №0155 и №0158 от 07.03.2025"])

        let prepayment = lines[9]
        #expect(prepayment.endToEndID == nil && prepayment.counterpartyTaxID == "206333444")
        #expect(prepayment.bankReference == "FB250314000108")
    }

    @Test("camt.053.001.02: plain Sts, Dbtr/Nm, BIC, AmtDtls/TxAmt/Amt, reversal, pending, batch without refs")
    func version02() throws {
        let records = try Self.records("camt053_v02.xml")
        #expect(statementRejections(records).isEmpty)
        let info = try #require(statementInfos(records).first)
        #expect(info.format == "camt.053.001.02")
        #expect(info.account == "UZ12FICT0000020208000500123456")
        #expect(info.sequenceNumber == "12")
        #expect(info.ownerName == "OWNER V02")
        let balances = statementBalances(records)
        #expect(balances.map(\.amount) == [amount("1000.00"), amount("2000.00")])
        #expect(balances.first?.date == date(2025, 3, 14))

        let lines = statementLines(records)
        try #require(lines.count == 5)
        let payment = lines[0]
        #expect(payment.amount == amount("500.00") && payment.isCredit)
        #expect(payment.valueDate == date(2025, 3, 13) && payment.bookingDate == date(2025, 3, 14))
        #expect(payment.counterpartyName == "PAYER V02 MChJ" && payment.counterpartyTaxID == "301111111")
        #expect(payment.counterpartyAccount == "UZ98FICT0000020208000900000001")
        #expect(payment.counterpartyBankBIC == "PAYRUZ22" && payment.counterpartyBankCode == nil)
        #expect(payment.instructionID == "INSTR-1" && payment.endToEndID == "E2E-V02-1")
        #expect(payment.remittanceLines == ["Invoice SF-2025/0201", "second line"])
        #expect(payment.additionalInfo == ["extra info"])
        // No TxDtls/Refs/AcctSvcrRef: the entry's.
        #expect(payment.bankReference == "V02-0001" && payment.entryReference == "V02-0001")

        let reversal = lines[1]
        #expect(reversal.kind == .reversal && reversal.reversalMark && reversal.isCredit)
        #expect(reversal.bankTransactionCode == "NTRF+REV")
        #expect(reversal.additionalInfo == ["Reversal of V02-0000"])

        let pending = lines[2]
        #expect(pending.status == "PDNG" && !pending.isCredit && pending.amount == amount("50.00"))
        #expect(pending.counterpartyName == "SUPPLIER V02")

        let batch = Array(lines[3...4])
        #expect(batch.map(\.amount) == [amount("100.00"), amount("200.00")])
        #expect(batch.map(\.bankReference) == ["V02-0004-1", "V02-0004-2"])
        #expect(batch.map(\.entryReference) == ["V02-0004", "V02-0004"])
        #expect(batch.map(\.counterpartyTaxID) == ["31503850270019", nil])
        #expect(batch.allSatisfy { $0.entryLineCount == 2 })
    }

    @Test("camt.053.001.04: ITBD as opening and closing, an overdraft balance, BICFI, Prtry codes, pending")
    func version04() throws {
        let records = try Self.records("camt053_v04.xml")
        #expect(statementRejections(records).isEmpty)
        let info = try #require(statementInfos(records).first)
        #expect(info.format == "camt.053.001.04" && info.sequenceNumber == "7" && info.bankCode == "01099")
        #expect(info.createdAt == "2025-03-15T07:00:00")
        let balances = statementBalances(records)
        #expect(balances.map(\.role) == [.opening, .available, .closing])
        #expect(balances[0].amount.decimal == Decimal(-500))
        #expect(balances[2].amount == amount("250.00"))

        let lines = statementLines(records)
        try #require(lines.count == 4)
        #expect(lines[0].bookingDate == date(2025, 3, 14))
        #expect(lines[0].bankReference == "V04-0001-TX" && lines[0].entryReference == "V04-0001")
        #expect(lines[0].counterpartyBankBIC == "PAYRUZ22XXX" && lines[0].counterpartyBankCode == "00440")
        #expect(lines[0].counterpartyAccount == "20208000100000000001")
        #expect(lines[0].structuredReferences == [
            StructuredReference(documentNumber: "152", documentType: "SCHET", creditorReference: "RF18539007547034"),
        ])
        #expect(lines[1].bankTransactionCode == "ACMT/MDOP/CHRG" && lines[1].path == "Stmt[1]/Ntry[2]")
        let returned = lines[2]
        #expect(returned.kind == .return && returned.returnReason == "R01")
        #expect(returned.amount == amount("50.00"))
        #expect(returned.counterpartyName == "CLOSED ACCOUNT LLC" && returned.counterpartyBankBIC == "CLSDUZ22")
        #expect(returned.additionalInfo == ["first", "second"])
        #expect(lines[3].status == "PDNG" && lines[3].bookingDate == nil && lines[3].valueDate == date(2025, 3, 15))
    }

    @Test("malformed entries are rejected one by one; the statement's totals are reported, not thrown")
    func brokenEntries() throws {
        let records = try Self.records("camt053_broken.xml")
        let lines = statementLines(records)
        #expect(lines.map(\.bankReference) == ["BR-1", "BR-3"])
        let rejected = statementRejections(records)
        let entries = rejected.filter { $0.kind == "entry" }
        try #require(entries.count == 4)
        #expect(entries[0].field == "Amt" && entries[0].reason.contains("\"1,234.5x\" is not a number"))
        #expect(entries[0].raw.contains("BR-2"))
        #expect(entries[1].field == "Amt" && entries[1].reason.contains("add up to 30.00"))
        #expect(entries[1].reason.contains("60.00"))
        #expect(entries[2].field == "BookgDt" && entries[2].reason.contains("2025-13-45"))
        #expect(entries[3].field == "CdtDbtInd" && entries[3].reason.contains("CRED"))
        #expect(entries.map(\.line).allSatisfy { $0 > 0 })

        let balanceProblems = rejected.filter { $0.kind == "balance" }
        #expect(balanceProblems.count == 1 && balanceProblems.first?.reason.contains("CLAV") == true)
        #expect(statementBalances(records).count == 2)

        let statement = try #require(rejected.first { $0.kind == "statement" })
        #expect(statement.reason.contains("NbOfNtries is 7 but the statement has 6 entries"))
        // Readable booked entries: 100 − 30 + 60 (the batch's own amount).
        #expect(statement.reason.contains("closing balance 1200.00 ≠ opening 1000.00 + entries 130.00"))
        #expect(statement.reason.contains("4 entries were rejected"))
        // The statement check comes last.
        if case .rejected(let last) = records.last { #expect(last.kind == "statement") } else { Issue.record("no check") }
    }

    @Test("a statement whose balance does not add up is reported with the numbers")
    func balanceMismatch() throws {
        let xml = try String(contentsOf: Self.fixtures.appendingPathComponent("camt053_uzs_sample.xml"), encoding: .utf8)
            .replacingOccurrences(of: "329995000.00</Amt>", with: "329996000.00</Amt>")
        let rejected = statementRejections(try parseCamt(xml))
        #expect(rejected.map(\.kind) == ["statement"])
        #expect(rejected.first?.reason.contains("closing balance 329996000.00 ≠ opening 250000000.00 + entries 79995000.00")
                    == true)
    }

    @Test("camt.054 notifications read the same way, without balances")
    func notification() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
              <BkToCstmrDbtCdtNtfctn>
                <GrpHdr><MsgId>N-1</MsgId><CreDtTm>2025-03-14T12:00:00</CreDtTm></GrpHdr>
                <Ntfctn>
                  <Id>N-1-1</Id>
                  <Acct><Id><Othr><Id>20208000500123456001</Id></Othr></Id><Ccy>UZS</Ccy></Acct>
                  <Ntry>
                    <Amt Ccy="UZS">42.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
                    <AcctSvcrRef>N-REF</AcctSvcrRef>
                  </Ntry>
                </Ntfctn>
              </BkToCstmrDbtCdtNtfctn>
            </Document>
            """
        let records = try parseCamt(xml)
        #expect(statementInfos(records).map(\.format) == ["camt.054.001.08"])
        #expect(statementBalances(records).isEmpty)
        #expect(statementLines(records).map(\.path) == ["Ntfctn[1]/Ntry[1]"])
        #expect(statementRejections(records).isEmpty)
    }

    @Test("an unknown namespace is refused, naming it", arguments: [
        "urn:iso:std:iso:20022:tech:xsd:camt.052.001.08",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.15",
        "urn:example:statement",
    ])
    func unknownNamespace(namespace: String) throws {
        let xml = """
            <?xml version="1.0"?>
            <Document xmlns="\(namespace)"><BkToCstmrStmt><GrpHdr><MsgId>X</MsgId></GrpHdr></BkToCstmrStmt></Document>
            """
        let error = try #require(throws: HubError.self) { try parseCamt(xml) }
        #expect(error.code == .malformedInput)
        #expect(error.message.contains(namespace))
        #expect(error.location?.line == 2)
    }

    @Test("a document without a namespace or with another root is refused")
    func wrongRoot() throws {
        let noNamespace = try #require(throws: HubError.self) {
            try parseCamt("<Document><BkToCstmrStmt/></Document>")
        }
        #expect(noNamespace.code == .malformedInput)
        let otherRoot = try #require(throws: HubError.self) {
            try parseCamt("<Statement xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"/>")
        }
        #expect(otherRoot.message.contains("<Statement>"))
    }

    @Test("a DOCTYPE (entity declarations) is refused")
    func doctype() throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE Document [<!ENTITY x "boom">]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>
            """
        let error = try #require(throws: HubError.self) { try parseCamt(xml) }
        #expect(error.code == .malformedInput)
        #expect(error.message.contains("DOCTYPE"))
    }

    @Test("a statement without Acct, or a message without statements, is refused")
    func missingAccount() throws {
        let noAccount = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
            <GrpHdr><MsgId>X</MsgId></GrpHdr>
            <Stmt><Id>S</Id>
            <Ntry><Amt Ccy="UZS">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts></Ntry>
            </Stmt></BkToCstmrStmt></Document>
            """
        let error = try #require(throws: HubError.self) { try parseCamt(noAccount) }
        #expect(error.message.contains("<Acct>") && error.location?.line == 4)
        let empty = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
            <GrpHdr><MsgId>X</MsgId></GrpHdr></BkToCstmrStmt></Document>
            """
        #expect(throws: HubError.self) { try parseCamt(empty) }
    }
}
