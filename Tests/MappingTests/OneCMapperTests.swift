import Connectors
import Foundation
import HubCore
import Mapping
import Testing

@Suite("1C objects → warehouse rows")
struct OneCMapperTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ConnectorsTests/Fixtures").standardized

    static func sampleObjects() throws -> [EnterpriseDataObject] {
        try EnterpriseDataMessageFile.records(path: fixtures.appendingPathComponent("enterprisedata_message.xml").path)
            .compactMap { if case .object(let object) = $0 { object } else { nil } }
    }

    static func object(_ xml: String, type: String) throws -> EnterpriseDataObject {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message"><msg:Header>
            <msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.21</msg:Format></msg:Header>
            <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.21"><\(type)>\(xml)</\(type)></Body></Message>
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let objects = try EnterpriseDataMessageFile.records(path: path)
            .compactMap { if case .object(let object) = $0 { object } else { nil } }
        return objects[0]
    }

    static func row(_ mapping: OneCMapping) -> OneCRow? {
        if case .mapped(let row, _) = mapping { return row }
        return nil
    }

    @Test("the sample counterparty: key properties, bank account with its MFO, contacts")
    func counterparty() throws {
        guard case .counterparty(let row) = Self.row(EnterpriseDataMapper.map(try Self.sampleObjects()[0])) else {
            Issue.record("the counterparty must map")
            return
        }
        #expect(row.party == PartyReference(ref: "c1a7e5d2-3f44-11ee-b7a1-005056a1c0de", inn: "207654321",
                                            name: "Чирчик Агро Экспорт", fullName: "ООО «Чирчик Агро Экспорт»",
                                            isLegalEntity: true))
        #expect(row.bankAccount == "20208000205566778001" && row.bankCode == "00567")
        #expect(row.phone == "+998 70 000-00-00" && row.address?.hasPrefix("Узбекистан") == true)
    }

    @Test("the sample invoice: number as written, date, currency 860 → UZS, lines from Услуги")
    func invoice() throws {
        guard case .invoice(let row) = Self.row(EnterpriseDataMapper.map(try Self.sampleObjects()[1])) else {
            Issue.record("the invoice must map")
            return
        }
        #expect(row.header.ref == "2b7e0c44-fb10-11ee-b7a1-005056a1c0de" && row.header.number == "0000-000047")
        #expect(row.header.date.iso == "2024-04-10" && row.header.amount?.text == "45600000.00")
        #expect(row.header.currency == "UZS" && row.header.counterparty?.inn == "207654321")
        #expect(row.header.organization?.inn == "305418726" && row.amountIncludesVAT == true)
        #expect(row.lines.map(\.amount.text) == ["38400000.00", "7200000.00"])
        #expect(row.lines.map(\.kind) == ["services", "services"] && row.lines[1].quantity?.text == "16")
    }

    @Test("the sample payment: booked on the statement date, purpose and our account kept")
    func payment() throws {
        guard case .payment(let row) = Self.row(EnterpriseDataMapper.map(try Self.sampleObjects()[2])) else {
            Issue.record("the payment must map")
            return
        }
        #expect(row.header.number == "0000-000318" && row.header.date.iso == "2024-04-15")
        #expect(row.header.amount?.text == "45600000.00" && row.incomingNumber == "318")
        #expect(row.ourAccount == "20208000404512345001" && row.purpose?.hasPrefix("00668") == true)
        #expect(row.settles == nil)
    }

    @Test("HR objects are skipped, kept raw; the deletion names its reference kind")
    func skippedAndDeletion() throws {
        let objects = try Self.sampleObjects()
        for object in objects[3...5] {
            guard case .skipped(let raw) = EnterpriseDataMapper.map(object) else {
                Issue.record("\(object.typeName) must be skipped")
                continue
            }
            #expect(raw.disposition == .skipped && raw.json == nil)
        }
        #expect(Self.row(EnterpriseDataMapper.map(objects[6])) == .deletion(DeletionRow(
            referenceKind: "КонтрагентыСсылка", ref: "d9e8f7a6-6666-11ee-b7a1-005056a1c0de",
            position: XMLPosition(line: objects[6].line, path: "Message/Body/УдалениеОбъекта[7]"))))
    }

    @Test("1.21's СсылкаВнешняяНавигационная before Ссылка changes nothing; repeated key blocks agree")
    func version121KeyProperties() throws {
        let object = try Self.object("""
            <КлючевыеСвойства><СсылкаВнешняяНавигационная>e1cib/data/x</СсылкаВнешняяНавигационная>
            <Ссылка>11111111-2222-3333-4444-555555555555</Ссылка><Дата>2026-01-05T00:00:00</Дата><Номер>CRM-7</Номер>
            <Организация><Наименование>Мы</Наименование><ИНН>305418726</ИНН></Организация></КлючевыеСвойства>
            <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>100</Сумма>
            <Контрагент><Ссылка>c1</Ссылка><Наименование>Клиент</Наименование><ИНН>207654321</ИНН></Контрагент>
            """, type: "Документ.СчетПокупателю")
        guard case .invoice(let row) = Self.row(EnterpriseDataMapper.map(object)) else {
            Issue.record("the invoice must map")
            return
        }
        #expect(row.header.ref == "11111111-2222-3333-4444-555555555555" && row.header.amount?.text == "100")
    }

    @Test("a document without Ссылка is keyed by type, number, date and organisation")
    func syntheticKey() throws {
        let object = try Self.object("""
            <КлючевыеСвойства><Дата>2026-01-05T00:00:00</Дата><Номер>12</Номер>
            <Организация><ИНН>305418726</ИНН></Организация></КлючевыеСвойства>
            <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>5</Сумма>
            <Контрагент><ИНН>207654321</ИНН></Контрагент>
            """, type: "Документ.СчетПокупателю")
        guard case .invoice(let row) = Self.row(EnterpriseDataMapper.map(object)) else {
            Issue.record("the invoice must map")
            return
        }
        #expect(row.header.ref == "key:Документ.СчетПокупателю|12|2026-01-05|305418726")
    }

    @Test("missing required properties and malformed values are rejected with path and line", arguments: [
        ("<КлючевыеСвойства><Дата>2026-01-05</Дата></КлючевыеСвойства>", "КлючевыеСвойства/Номер"),
        ("<КлючевыеСвойства><Номер>1</Номер><Дата>05.01.2026</Дата></КлючевыеСвойства>", "КлючевыеСвойства/Дата"),
        ("""
         <КлючевыеСвойства><Номер>1</Номер><Дата>2026-01-05</Дата></КлючевыеСвойства>
         <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта>
         <Сумма>12 500,00</Сумма><Контрагент><ИНН>1</ИНН></Контрагент>
         """, "Сумма"),
        ("""
         <КлючевыеСвойства><Номер>1</Номер><Дата>2026-01-05</Дата></КлючевыеСвойства>
         <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>1</Сумма>
         """, "Контрагент"),
    ])
    func rejections(xml: String, field: String) throws {
        let object = try Self.object(xml, type: "Документ.СчетПокупателю")
        guard case .rejected(let rejection, let raw) = EnterpriseDataMapper.map(object) else {
            Issue.record("must be rejected")
            return
        }
        #expect(rejection.field == field)
        #expect(rejection.path == "Message/Body/Документ.СчетПокупателю[1]/\(field)")
        #expect(rejection.line >= 3 && raw.disposition == .quarantined)
    }

    @Test("CommerceML: the order becomes an invoice, the payment points at it; the buyer's 9-digit INN is kept")
    func commerceML() throws {
        let records = try CommerceMLFile.records(path: Self.fixtures.appendingPathComponent("commerceml_documents.xml").path)
        let documents = records.compactMap { if case .document(let node, let position, _) = $0 { (node, position) } else { nil } }
        let (order, counterparties) = CommerceMLMapper.map(documents[0].0, position: documents[0].1)
        guard case .invoice(let invoice) = Self.row(order) else {
            Issue.record("the order must map to an invoice")
            return
        }
        #expect(invoice.header.number == "CRM-000452" && invoice.header.documentKind == "Заказ товара")
        #expect(invoice.header.counterparty?.inn == "207654321" && invoice.header.currency == "UZS")
        #expect(invoice.dueOn?.iso == "2024-04-25" && invoice.amountIncludesVAT == true)
        #expect(invoice.lines.map(\.sku) == ["CRM-LIC-50", "SRV-IMPL-H"] && invoice.lines[0].vatRate == "12")
        #expect(invoice.lines.map(\.kind) == ["services", "services"] && invoice.lines[1].unit == "ч")
        #expect(invoice.header.attributesJSON.contains("\"Заказ оплачен\":\"false\""))
        #expect(counterparties.first?.email == "buh@example.uz")
        guard case .payment(let payment) = Self.row(CommerceMLMapper.map(documents[1].0, position: 2).0) else {
            Issue.record("the payment must map")
            return
        }
        #expect(payment.settles == DocumentReference(number: "CRM-000452") && payment.header.amount?.text == "45600000.00")
    }

    @Test("our export parses back through our own reader to the same rows")
    func roundTrip() throws {
        let party = PartyReference(ref: "5f0e6d2a-0000-4000-8000-000000000001", inn: "309166181", kpp: nil,
                                   name: "ООО \"Бахор & Ко\" <опт>", fullName: "Бахор «Қўқон»", isLegalEntity: true)
        let counterparty = CounterpartyRow(party: party, bankAccount: "20208000900100200300", bankCode: "00444",
                                           bankName: "Банк", phone: "+998 90 123-45-67", email: "a@b.uz",
                                           address: "Тошкент,\tЮнусобод\r\n5",
                                           contactsJSON: #"{"Телефон":"+998 90 123-45-67","АдресЭлектроннойПочты":"a@b.uz","ЮридическийАдрес":"Тошкент,\tЮнусобод\r\n5"}"#,
                                           position: XMLPosition(line: 0, path: ""))
        let invoice = InvoiceRow(
            header: DocumentHeader(
                ref: "5f0e6d2a-0000-4000-8000-000000000002", number: "CRM-005123",
                date: CalendarDate(year: 2026, month: 11, day: 20)!, documentKind: "Документ.СчетПокупателю",
                organization: PartyReference(inn: "305418726", name: "Алмазар", isLegalEntity: true),
                counterparty: party, amount: ExactAmount(parsing: "1250000.50"), currency: "UZS",
                comment: "за «лицензии» & услуги", position: XMLPosition(line: 0, path: "")),
            dueOn: CalendarDate(year: 2026, month: 12, day: 1), amountIncludesVAT: true, contract: "17/2026",
            lines: [
                DocumentLineRow(lineNo: 1, kind: "goods", itemRef: "i1", itemName: "Товар <1>", sku: "A-1", unit: "шт",
                                quantity: ExactAmount(parsing: "2"), price: ExactAmount(parsing: "500000"),
                                amount: ExactAmount(parsing: "1000000")!, vatRate: "12",
                                vatAmount: ExactAmount(parsing: "107142.86")),
                DocumentLineRow(lineNo: 1, kind: "services", itemRef: nil, itemName: "Внедрение", quantity: nil,
                                price: nil, amount: ExactAmount(parsing: "250000.50")!, vatRate: nil, vatAmount: nil),
            ])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try EnterpriseDataWriter(path: path)
        try writer.begin(.init(from: "CRM", to: "BP", messageNo: 3, receivedNo: 42))
        try writer.counterparty(counterparty)
        try writer.invoice(invoice)
        try writer.deletion(referenceKind: "СчетПокупателюСсылка", ref: "dead")
        try writer.finish()

        let records = try EnterpriseDataMessageFile.records(path: path)
        guard case .header(let header) = records[0] else {
            Issue.record("the header must come first")
            return
        }
        #expect(header.version == EnterpriseDataVersion.written && header.messageNo == 3 && header.receivedNo == 42)
        #expect(header.from == "CRM" && header.to == "BP")
        let rows = records.dropFirst().compactMap { record -> OneCRow? in
            guard case .object(let object) = record else { return nil }
            return Self.row(EnterpriseDataMapper.map(object))
        }
        guard rows.count == 3, case .counterparty(var readCounterparty) = rows[0],
              case .invoice(var readInvoice) = rows[1], case .deletion(let deletion) = rows[2]
        else {
            Issue.record("expected a counterparty, an invoice and a deletion, got \(rows)")
            return
        }
        readCounterparty.position = counterparty.position
        readInvoice.header.position = invoice.header.position
        #expect(readCounterparty == counterparty)
        #expect(readInvoice == invoice)
        #expect(deletion.ref == "dead" && deletion.referenceKind == "СчетПокупателюСсылка")
    }
}
