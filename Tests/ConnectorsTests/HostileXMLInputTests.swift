import Connectors
import Foundation
import HubCore
import Testing

/// The XML reader against values built to exhaust memory, control bytes, and positions past 2^31.
@Suite("hostile XML: the value limit, control bytes, large positions")
struct HostileXMLInputTests {
    static let header = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message">
        <msg:Header><msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17</msg:Format>
        <msg:Confirmation><msg:To>CRM</msg:To><msg:From>BP</msg:From><msg:MessageNo>5</msg:MessageNo>
        </msg:Confirmation></msg:Header>
        <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17">

        """
    static let counterparty = """
        <Справочник.Контрагенты><КлючевыеСвойства><Ссылка>0000000a-0000-4000-8000-000000000001</Ссылка>
        <Наименование>ООО Ранний</Наименование><ИНН>301000001</ИНН></КлючевыеСвойства></Справочник.Контрагенты>

        """

    static func objects(_ file: HostileFile, limits: InputLimits = .default) throws -> [EnterpriseDataObject] {
        try file.close()
        return try EnterpriseDataMessageFile.records(path: file.path, limits: limits).compactMap {
            if case .object(let object) = $0 { object } else { nil }
        }
    }

    @Test("a 40 MiB text node is kept as a preview; its object carries the path, the size and the limit")
    func textNodeOverLimit() throws {
        let file = try HostileFile("xml")
        try file.write(Self.header + "<Документ.СчетПокупателю>\n<Сумма>1.00</Сумма>\n<Комментарий>")
        try file.write(repeating: UInt8(ascii: "z"), count: 40 << 20)
        try file.write("</Комментарий>\n</Документ.СчетПокупателю>\n" + Self.counterparty + "</Body></Message>\n")
        let objects = try Self.objects(file)
        #expect(objects.map(\.typeName) == ["Документ.СчетПокупателю", "Справочник.Контрагенты"])
        let problem = try #require(objects[0].node.valueProblem)
        #expect(problem.path == "Комментарий" && problem.line == 9)
        #expect(problem.reason == "Комментарий holds 40 MiB (41943040 bytes); one value may hold at most 16 MiB "
                    + "(CRMHUB_MAX_VALUE_BYTES)")
        #expect((objects[0].node["Комментарий"]?.text.utf8.count ?? .max) <= 256)
        #expect(objects[0].node.value("Сумма") == "1.00")
        #expect(objects[1].node.valueProblem == nil && objects[1].line == 11)
    }

    @Test("white space between elements past the limit (the zip-bomb shape) is counted, not stored")
    func whitespaceBetweenElements() throws {
        let file = try HostileFile("xml")
        try file.write(Self.header + "<Документ.СчетПокупателю><Товары><Строка><Сумма>1</Сумма></Строка>")
        try file.write(repeating: UInt8(ascii: " "), count: 20 << 20)
        try file.write("<Строка><Сумма>2</Сумма></Строка></Товары></Документ.СчетПокупателю>\n"
                       + Self.counterparty + "</Body></Message>\n")
        let objects = try Self.objects(file)
        let problem = try #require(objects.first?.node.valueProblem)
        #expect(problem.path == "Товары")
        #expect(problem.reason.hasPrefix("Товары (text between its elements) holds 20 MiB (20971520 bytes)"))
        // The elements around it are whole.
        #expect(objects[0].node["Товары"]?.children(named: "Строка").compactMap { $0.value("Сумма") } == ["1", "2"])
        #expect(objects.count == 2 && objects[1].node.valueProblem == nil)
    }

    @Test("an attribute past the limit is a problem of its element, with its position among siblings")
    func attributeOverLimit() throws {
        let long = String(repeating: "я", count: 700)
        let xml = Array("""
            <Root><Документ><Товары><Строка Ид="1"/><Строка Ид="\(long)"/></Товары></Документ>
            <Документ Ид="short"/></Root>
            """.utf8)
        let reader = XMLStreamReader(source: "a.xml", recordDepth: 2, limits: InputLimits(maxValueBytes: 1_000))
        var records: [XMLElementNode] = []
        try xml.withUnsafeBytes { try reader.parse($0) { if case .record(let node, _, _) = $0 { records.append(node) } } }
        try reader.finish { if case .record(let node, _, _) = $0 { records.append(node) } }
        #expect(records.count == 2)
        let problem = try #require(records.first?.valueProblem)
        #expect(problem.path == "Товары/Строка[2]/@Ид")
        #expect(problem.reason.hasPrefix("Товары/Строка[2]/@Ид holds 1.4 KiB (1400 bytes); one value may hold at most"))
        #expect(records.last?.valueProblem == nil && records.last?.attribute("Ид") == "short")
    }

    @Test("an envelope attribute past the limit refuses the file: there is no record to quarantine")
    func envelopeAttribute() {
        let xml = Array("<Root Big=\"\(String(repeating: "x", count: 2_000))\"><A/></Root>".utf8)
        let reader = XMLStreamReader(source: "a.xml", recordDepth: 2, limits: InputLimits(maxValueBytes: 1_000))
        let error = #expect(throws: HubError.self) {
            try xml.withUnsafeBytes { try reader.parse($0) { _ in } }
            try reader.finish { _ in }
        }
        #expect(error?.message.hasPrefix("attribute Big of <Root> holds 2.0 KiB (2000 bytes)") == true)
    }

    @Test("libxml2 refuses NUL and other C0 control characters, raw or as character references",
          arguments: ["<A>x\u{0}y</A>", "<A>x&#0;y</A>", "<A>x\u{1B}y</A>", "<A>x&#27;y</A>", "<A b=\"\u{7}\"/>"])
    func controlCharacters(body: String) {
        let xml = Array("<Root>\n\(body)</Root>".utf8)
        let reader = XMLStreamReader(source: "c.xml", recordDepth: 2)
        let error = #expect(throws: HubError.self) {
            try xml.withUnsafeBytes { try reader.parse($0) { _ in } }
            try reader.finish { _ in }
        }
        #expect(error?.code == .malformedInput)
        #expect(error?.message.hasPrefix("the XML is not well-formed") == true)
        #expect(error?.location?.line == 2)
    }

    @Test("line numbers past 2^31 are kept exactly")
    func largeLines() {
        let node = XMLElementNode(name: "Root", children: [XMLElementNode(name: "A", text: "1", line: 3_000_000_001)],
                                  line: 3_000_000_000)
        #expect(node.line == 3_000_000_000)
        #expect(node["A"]?.line == 3_000_000_001)
    }

    @Test("camt: an entry with a value past the limit is rejected like an unreadable one; the statement still adds up")
    func camtEntry() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/camt053_v02.xml")
        var text = try String(contentsOf: fixture, encoding: .utf8)
        let original = try Camt053File.records(path: fixture.path)
        text = text.replacingOccurrences(of: "<AddtlNtryInf>Reversal of V02-0000</AddtlNtryInf>",
                                         with: "<AddtlNtryInf>\(String(repeating: "r", count: 5_000))</AddtlNtryInf>")
        let file = try HostileFile("xml")
        try file.write(text)
        try file.close()
        let records = try Camt053File.records(path: file.path, limits: InputLimits(maxValueBytes: 4_096))
        let rejected = statementRejections(records)
        let before = statementRejections(original)
        #expect(rejected.filter { $0.kind == "entry" }.count == before.filter { $0.kind == "entry" }.count + 1)
        #expect(rejected.filter { $0.kind == "statement" }.count == before.filter { $0.kind == "statement" }.count)
        let entry = try #require(rejected.first { $0.reason.contains("AddtlNtryInf") })
        #expect(entry.reason.hasPrefix("AddtlNtryInf holds 4.9 KiB (5000 bytes)") && entry.field == "AddtlNtryInf")
        let lines = { (records: [BankStatementRecord]) in records.filter { if case .line = $0 { true } else { false } }.count }
        #expect(lines(records) == lines(original) - 1)
    }
}
