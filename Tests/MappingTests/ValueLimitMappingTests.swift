import Connectors
import Foundation
import HubCore
import Mapping
import Testing

/// A 1C object whose reader could keep only a preview of a value (past `InputLimits.maxValueBytes`) is
/// quarantined with its XML path and line, whatever its type; it is never mapped from the preview.
@Suite("1C objects with a value past the input limit")
struct ValueLimitMappingTests {
    static let limits = InputLimits(maxValueBytes: 1_000)

    static func objects(_ body: String) throws -> [EnterpriseDataObject] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limit-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message"><msg:Header>
            <msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17</msg:Format></msg:Header>
            <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17">
            \(body)
            </Body></Message>
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try EnterpriseDataMessageFile.records(path: path, limits: limits)
            .compactMap { if case .object(let object) = $0 { object } else { nil } }
    }

    static let invoice = """
        <Документ.СчетПокупателю><КлючевыеСвойства><Ссылка>0000000b-0000-4000-8000-000000000001</Ссылка>
        <Дата>2026-10-01T12:00:00</Дата><Номер>0000-000001</Номер></КлючевыеСвойства>
        <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>10.00</Сумма>
        <Контрагент><Ссылка>0000000a-0000-4000-8000-000000000001</Ссылка><Наименование>ООО Ранний</Наименование></Контрагент>
        <Товары><Строка><Сумма>4.00</Сумма><Содержание>ok</Содержание></Строка>
        <Строка><Сумма>6.00</Сумма><Содержание>LONG</Содержание></Строка></Товары>
        </Документ.СчетПокупателю>
        """

    @Test("EnterpriseData: the invoice is quarantined at the element that overflowed; its neighbour maps")
    func enterpriseData() throws {
        let objects = try Self.objects(Self.invoice.replacingOccurrences(
            of: "LONG", with: String(repeating: "я", count: 1_000)) + "\n" + Self.invoice)
        guard case .rejected(let rejection, let raw) = EnterpriseDataMapper.map(objects[0]) else {
            Issue.record("the invoice must be quarantined, got \(EnterpriseDataMapper.map(objects[0]))")
            return
        }
        #expect(rejection.path == "Message/Body/Документ.СчетПокупателю[1]/Товары/Строка[2]/Содержание")
        #expect(rejection.line == 9 && rejection.field == "Товары/Строка[2]/Содержание")
        #expect(rejection.reason == "Товары/Строка[2]/Содержание holds 2.0 KiB (2000 bytes); one value may hold at "
                    + "most 1000 bytes (CRMHUB_MAX_VALUE_BYTES)")
        #expect(raw.disposition == .quarantined && (raw.json?.utf8.count ?? .max) < 2_000)
        // Not rebuilt from the stored message for quarantine: that text would be as large as the value.
        #expect(raw.byteLength == 0 && raw.byteOffset > 0)
        guard case .mapped(.invoice(let invoice), _) = EnterpriseDataMapper.map(objects[1]) else {
            Issue.record("the second invoice must map")
            return
        }
        #expect(invoice.lines.count == 2)
    }

    @Test("EnterpriseData: an object of a type CRMHub does not map is quarantined too, not skipped")
    func unmappedType() throws {
        let objects = try Self.objects("<Справочник.Сотрудники><ФИО>\(String(repeating: "x", count: 5_000))</ФИО>"
                                           + "</Справочник.Сотрудники>")
        guard case .rejected(let rejection, _) = EnterpriseDataMapper.map(objects[0]) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.path == "Message/Body/Справочник.Сотрудники[1]/ФИО")
    }

    @Test("CommerceML: the document is quarantined with its path")
    func commerceML() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cml-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            <КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>d1</Ид><Номер>1</Номер>
            <Дата>2026-01-01</Дата><ХозОперация>Заказ товара</ХозОперация><Сумма>1</Сумма>
            <Комментарий>\(String(repeating: "z", count: 3_000))</Комментарий></Документ></КоммерческаяИнформация>
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let documents = try CommerceMLFile.records(path: path, limits: Self.limits).compactMap {
            if case .document(let node, let position, _) = $0 { (node, position) } else { nil }
        }
        let (node, position) = try #require(documents.first)
        guard case (.rejected(let rejection, _), let parties) = CommerceMLMapper.map(node, position: position) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(parties.isEmpty)
        #expect(rejection.path == "КоммерческаяИнформация/Документ[1]/Комментарий" && rejection.line == 3)
    }
}
