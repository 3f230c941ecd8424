import Connectors
import Foundation
import HubCore
import Testing

/// Parses text given as lines, encoded and joined as asked, through the real file reader.
func parse(_ lines: [String], encoding: TextEncoding = .cp1251, lineEnd: String = "\r\n", bom: Bool = false)
    throws -> (scan: SourceFileScan, records: [ClientBankExchangeRecord])
{
    var data = Data()
    if bom { data.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    let text = lines.joined(separator: lineEnd) + lineEnd
    switch encoding {
    case .utf8: data.append(contentsOf: Array(text.utf8))
    case .cp1251, .cp866:
        var encoder = CodePageEncoder(encoding: encoding)
        var bytes: [UInt8] = []
        encoder.encode(text, into: &bytes)
        data.append(contentsOf: bytes)
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cbe-\(UUID()).txt").path
    try data.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try ClientBankExchangeFile.records(path: path)
}

func documents(_ records: [ClientBankExchangeRecord]) -> [StatementDocument] {
    records.compactMap { if case .document(let document) = $0 { document } else { nil } }
}

func rejections(_ records: [ClientBankExchangeRecord]) -> [RejectedSection] {
    records.compactMap { if case .rejected(let rejected) = $0 { rejected } else { nil } }
}

let minimalHeader = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "РасчСчет=20208000404512345001"]

func document(_ fields: [String], kind: String = "Платежное поручение") -> [String] {
    ["СекцияДокумент=\(kind)"] + fields + ["КонецДокумента"]
}

@Suite("1CClientBankExchange parser")
struct ClientBankExchangeParserTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test("the bank's sample statement: header, balance section and three documents")
    func bankSample() throws {
        let (scan, records) = try ClientBankExchangeFile.records(
            path: Self.fixtures.appendingPathComponent("1cclientbank_kl_to_1c.txt").path)
        #expect(scan.encoding == .cp1251)
        #expect(records.count == 5)
        guard case .header(let header) = records[0], case .balance(let balance) = records[1] else {
            Issue.record("expected header then balance, got \(records.prefix(2))")
            return
        }
        #expect(header.formatVersion == "1.03" && header.declaredEncoding == "Windows")
        #expect(header.sender == "АКБ «Навруз Тест Банк» Интернет-Банк")
        #expect(header.receiver == "Бухгалтерия предприятия для Узбекистана")
        #expect(header.accounts == ["20208000404512345001"])
        #expect(header.periodStart == CalendarDate(year: 2024, month: 4, day: 15))
        #expect(balance.opening.text == "125000000.00" && balance.closing.text == "158237500.00")
        #expect(balance.line == 11)

        let docs = documents(records)
        #expect(docs.map(\.number) == ["318", "125", "90117"])
        #expect(docs.map(\.kind) == ["Платежное поручение", "Платежное поручение", "Банковский ордер"])
        #expect(docs.map(\.line) == [20, 45, 70])
        let incoming = docs[0]
        #expect(incoming.amount.text == "45600000.00")
        #expect(incoming.payer.account == "20208000205566778001" && incoming.payer.taxID == "207654321")
        #expect(incoming.payer.name == "ООО «Чирчик Агро Экспорт»" && incoming.payer.bankCode == "00567")
        #expect(incoming.payee.bankCode == "01234" && incoming.payee.bankName == "АКБ «Навруз Тест Банк»")
        #expect(incoming.creditedOn == CalendarDate(year: 2024, month: 4, day: 15) && incoming.writtenOffOn == nil)
        #expect(incoming.purpose == "00668 Оплата по счету №47 от 10.04.2024 за внедрение CRM, без НДС")
        #expect(incoming.operationKind == "01" && incoming.priority == "5")
        #expect(incoming.otherFields.map(\.key) == ["ПлательщикБанк2", "ПолучательБанк2"])
        #expect(docs[1].writtenOffOn == CalendarDate(year: 2024, month: 4, day: 15))
    }

    @Test("the payment order 1C sends to the bank: Документ header lines, empty Получатель, no dates")
    func paymentOrderFrom1C() throws {
        let (_, records) = try ClientBankExchangeFile.records(
            path: Self.fixtures.appendingPathComponent("1cclientbank_1c_to_kl.txt").path)
        guard case .header(let header) = records[0] else { Issue.record("no header"); return }
        #expect(header.receiver == nil)
        #expect(header.documentKinds == ["Платежное поручение"])
        let docs = documents(records)
        #expect(docs.count == 1)
        #expect(docs[0].writtenOffOn == nil && docs[0].creditedOn == nil)
        #expect(docs[0].amount.decimal == Decimal(string: "7800000"))
    }

    static let sampleLines = minimalHeader + document([
        "Номер=17", "Дата=15.04.2024", "Сумма=1500.50", "ПлательщикСчет=20208000205566778001",
        "ПлательщикИНН=207654321", "Плательщик1=ООО «Ўзбек Қурилиш»", "ПолучательСчет=20208000404512345001",
        "ДатаПоступило=15.04.2024", "НазначениеПлатежа=00668 Оплата по счету №47",
    ]) + ["КонецФайла"]

    @Test("encodings are detected from the bytes", arguments: [
        (TextEncoding.utf8, false), (.utf8, true), (.cp1251, false), (.cp866, false),
    ])
    func encodings(encoding: TextEncoding, bom: Bool) throws {
        let (scan, records) = try parse(Self.sampleLines, encoding: encoding, bom: bom)
        #expect(scan.encoding == encoding)
        #expect(scan.hasBOM == bom)
        let docs = documents(records)
        #expect(docs.count == 1)
        #expect(docs.first?.purpose == "00668 Оплата по счету №47")
        // Ў survives CP1251 and CP866; Қ has no place in either and is transliterated by the test encoder.
        #expect(docs.first?.payer.name == (encoding == .utf8 ? "ООО «Ўзбек Қурилиш»"
            : encoding == .cp866 ? "ООО \"Ўзбек Курилиш\"" : "ООО «Ўзбек Курилиш»"))
    }

    @Test("CRLF, LF, CR and mixed line ends", arguments: ["\r\n", "\n", "\r"])
    func lineEnds(lineEnd: String) throws {
        let (_, records) = try parse(Self.sampleLines, lineEnd: lineEnd)
        #expect(documents(records).first?.number == "17")
        #expect(documents(records).first?.line == 5)
        #expect(rejections(records).isEmpty)
    }

    @Test("line ends split across read chunks are still one line end")
    func lineSplitterAcrossChunks() {
        var splitter = LineSplitter()
        var lines: [String] = []
        let chunks: [[UInt8]] = [Array("a=1\r".utf8), Array("\nb=2\r".utf8), Array("c=3\n\nd".utf8), Array("=4".utf8)]
        for chunk in chunks {
            chunk.withUnsafeBytes { buffer in
                splitter.split(buffer) { lines.append(String(decoding: $0, as: UTF8.self)) }
            }
        }
        splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        #expect(lines == ["a=1", "b=2", "c=3", "", "d=4"])
    }

    @Test("keys match case-insensitively; values split on the first '=' only; trailing blanks go")
    func keysAndValues() throws {
        let (_, records) = try parse(minimalHeader + document([
            "НОМЕР=5", "дата=15.04.2024", "СУММА=10", "ПлательщикСчет=20208000205566778001  ",
            "ПолучательСчет=20208000404512345001", "назначениеплатежа=a=b=c", "ПлательщикКорСчет=30101",
        ]) + ["КонецФайла"])
        let doc = try #require(documents(records).first)
        #expect(doc.number == "5" && doc.amount.text == "10")
        #expect(doc.payer.account == "20208000205566778001")
        #expect(doc.purpose == "a=b=c")
        #expect(doc.otherFields.map(\.key) == ["ПлательщикКорСчет"])
        #expect(doc.otherFields.map(\.value) == ["30101"])
    }

    @Test("empty and 0 values, alphanumeric numbers, unknown keys kept in order, split purpose lines")
    func valuesAndUnknownKeys() throws {
        let (_, records) = try parse(minimalHeader + document([
            "Номер=FDC240", "Дата=15.04.2024", "Сумма=4900", "ПлательщикСчет=20208000205566778001",
            "ПлательщикИНН=", "ПолучательСчет=20208000404512345001", "Код=0", "ПоказательОснования=0",
            "НовоеПолеБанка=значение", "НазначениеПлатежа1=Оплата по счету", "НазначениеПлатежа2=№ 0000-001234",
        ]) + ["КонецФайла"])
        let doc = try #require(documents(records).first)
        #expect(doc.number == "FDC240")
        #expect(doc.payer.taxID == nil)
        #expect(doc.paymentID == nil)
        #expect(doc.purpose == "Оплата по счету № 0000-001234")
        #expect(doc.otherFields.map(\.key) == ["ПоказательОснования", "НовоеПолеБанка"])
        #expect(doc.otherFields.map(\.value) == ["0", "значение"])
    }

    @Test("the Uzbek variant: МФО bank codes, 9-digit INN, 14-digit PINFL, combined payer line")
    func uzbekVariant() throws {
        let (_, records) = try parse(minimalHeader + document([
            "Номер=1", "Дата=15.04.2024", "Сумма=2500000", "ПлательщикСчет=20206000900111222001",
            "Плательщик=ИНН 31503850270019 Рахимов Бахтиёр", "ПлательщикМФО=00569",
            "ПолучательСчет=20208000404512345001", "ПолучательИНН=305418726", "ПолучательМФО=01234",
        ]) + ["КонецФайла"])
        let doc = try #require(documents(records).first)
        #expect(doc.payer.taxID == "31503850270019" && doc.payer.name == "Рахимов Бахтиёр")
        #expect(doc.payer.bankCode == "00569" && doc.payee.bankCode == "01234")
        #expect(doc.payee.taxID == "305418726")
    }

    @Test("repeated РасчСчет header lines and one balance section per account per day")
    func repeatedAccountsAndBalances() throws {
        let balance = { (account: String, day: String) in
            ["СекцияРасчСчет", "ДатаНачала=\(day)", "ДатаКонца=\(day)", "РасчСчет=\(account)",
             "НачальныйОстаток=0", "ВсегоПоступило=0", "ВсегоСписано=0", "КонечныйОстаток=0", "КонецРасчСчет"]
        }
        let (_, records) = try parse(
            ["1CClientBankExchange", "РасчСчет=20208000404512345001", "РасчСчет=20208840404512345002"]
                + balance("20208000404512345001", "15.04.2024") + balance("20208000404512345001", "16.04.2024")
                + balance("20208840404512345002", "15.04.2024") + ["КонецФайла"])
        guard case .header(let header) = records[0] else { Issue.record("no header"); return }
        #expect(header.accounts == ["20208000404512345001", "20208840404512345002"])
        let balances = records.compactMap { if case .balance(let b) = $0 { b } else { nil } }
        #expect(balances.map(\.account) == ["20208000404512345001", "20208000404512345001", "20208840404512345002"])
        #expect(balances.map(\.periodStart.day) == [15, 16, 15])
    }

    @Test("malformed documents are rejected with their start line and the rest is read", arguments: [
        (["Сумма=12 500,00"], "Сумма \"12 500,00\" is not a number", "Сумма"),
        (["Сумма=1.2.3"], "Сумма \"1.2.3\" is not a number", "Сумма"),
        (["Сумма=-5"], "Сумма \"-5\" is not a number", "Сумма"),
        (["Сумма=10", "ДатаПоступило=30.02.2024"], "ДатаПоступило \"30.02.2024\" is not a date (dd.mm.yyyy)",
         "ДатаПоступило"),
        (["Сумма=10", "Оплата без знака равенства"], "line 9 has no '=': \"Оплата без знака равенства\"", nil),
    ] as [([String], String, String?)])
    func malformedDocument(fields: [String], reason: String, field: String?) throws {
        let bad = document(["Номер=1", "Дата=15.04.2024"] + fields)
        let good = document(["Номер=2", "Дата=15.04.2024", "Сумма=5", "ПолучательСчет=20208000404512345001"])
        let (_, records) = try parse(minimalHeader + bad + good + ["КонецФайла"])
        let rejected = rejections(records)
        #expect(rejected.count == 1)
        #expect(rejected.first?.line == 5)
        #expect(rejected.first?.reason == reason)
        #expect(rejected.first?.field == field)
        #expect(rejected.first?.raw.hasPrefix("СекцияДокумент=Платежное поручение\nНомер=1") == true)
        #expect(documents(records).map(\.number) == ["2"])
    }

    @Test("a document without КонецДокумента is rejected when the next section starts")
    func missingDocumentEnd() throws {
        let open = Array(document(["Номер=1", "Дата=15.04.2024", "Сумма=5"]).dropLast())
        let good = document(["Номер=2", "Дата=15.04.2024", "Сумма=5"])
        let (_, records) = try parse(minimalHeader + open + good + open + ["КонецФайла"])
        let rejected = rejections(records)
        #expect(rejected.map(\.line) == [5, 14])
        #expect(rejected.first?.reason == "document has no КонецДокумента (the next marker is at line 9)")
        #expect(documents(records).map(\.number) == ["2"])
    }

    @Test("a missing Сумма or Дата is a rejection, not a zero")
    func missingRequiredFields() throws {
        let (_, records) = try parse(minimalHeader + document(["Номер=1", "Дата=15.04.2024"])
            + document(["Номер=2", "Сумма=1"]) + ["КонецФайла"])
        #expect(rejections(records).map(\.reason) == ["document has no Сумма", "document has no Дата"])
    }

    @Test("a file cut off inside a document keeps the documents before it; the cut-off one is a rejection")
    func truncatedFile() throws {
        let whole = document(["Номер=1", "Дата=15.04.2024", "Сумма=5"])
        let cut = Array(document(["Номер=2", "Дата=15.04.2024", "Сумма=7"]).dropLast())
        let (_, records) = try parse(minimalHeader + whole + cut)
        #expect(records.filter { if case .document = $0 { true } else { false } }.count == 1)
        let rejected = rejections(records)
        #expect(rejected.count == 1)
        #expect(rejected.first?.kind == "document")
        #expect(rejected.first?.line == minimalHeader.count + whole.count + 1)
        #expect(rejected.first?.reason.hasPrefix("the file ends inside this document") == true)
        #expect(rejected.first?.raw.contains("Номер=2") == true)
    }

    @Test("a file cut off between sections loads them all and says that its end is missing")
    func cutBetweenSections() throws {
        let (_, records) = try parse(minimalHeader + document(["Номер=1", "Дата=15.04.2024", "Сумма=5"]))
        #expect(rejections(records).map(\.kind) == ["trailer"])
        #expect(rejections(records).first?.reason.contains("without КонецФайла") == true)
    }

    @Test("a file that is not 1CClientBankExchange is refused on its first line")
    func notThisFormat() throws {
        #expect {
            _ = try parse(["Date,Amount", "2024-04-15,100"], encoding: .utf8)
        } throws: { error in
            (error as? HubError)?.message.contains("not a 1CClientBankExchange file") == true
        }
    }
}
