import Connectors
import Foundation
import HubCore
import Testing

@Suite("1C XML files: EnterpriseData envelope and CommerceML root")
struct OneCFileTests {
    static func fixture(_ name: String) -> String {
        ClientBankExchangeParserTests.fixtures.appendingPathComponent(name).path
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-\(UUID().uuidString).xml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func message(version: String, body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message">
        <msg:Header><msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/\(version)</msg:Format>
        <msg:CreationDate>2026-11-20T23:00:00</msg:CreationDate>
        <msg:Confirmation><msg:To>CRM</msg:To><msg:From>BP</msg:From><msg:MessageNo>5</msg:MessageNo>
        <msg:ReceivedNo>2</msg:ReceivedNo></msg:Confirmation><msg:AvailableVersion>\(version)</msg:AvailableVersion>
        </msg:Header>
        <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/\(version)">\(body)</Body></Message>
        """
    }

    @Test("the sample message: header first, then seven objects in order with their paths")
    func readsSampleMessage() throws {
        let records = try EnterpriseDataMessageFile.records(path: Self.fixture("enterprisedata_message.xml"))
        guard case .header(let header) = records.first else {
            Issue.record("the header must come first")
            return
        }
        #expect(header.version == EnterpriseDataVersion(major: 1, minor: 17))
        #expect(header.from == "BP" && header.to == "CRM" && header.messageNo == 42 && header.receivedNo == 17)
        #expect(header.availableVersions == ["1.17", "1.16"])
        #expect(header.creationDate == "2024-04-16T05:05:00")
        let objects = records.compactMap { if case .object(let object) = $0 { object } else { nil } }
        #expect(objects.map(\.typeName) == [
            "Справочник.Контрагенты", "Документ.СчетПокупателю", "Документ.ПБДСРасчетыСКонтрагентами",
            "Справочник.ФизическиеЛица", "Справочник.Сотрудники", "Справочник.КадроваяИсторияСотрудников",
            "УдалениеОбъекта",
        ])
        #expect(objects[1].path == "Message/Body/Документ.СчетПокупателю[2]")
        #expect(objects[0].line == 21)
    }

    @Test("versions outside 1.2–1.21 are refused with the supported range", arguments: ["1.1", "1.22", "2.0"])
    func refusesUnsupportedVersions(version: String) throws {
        let path = try Self.write(Self.message(version: version, body: ""))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: HubError.self) { _ = try EnterpriseDataMessageFile.records(path: path) }
        #expect(error?.message.contains("1.2–1.21") == true)
    }

    @Test("old (1.2) and new (1.21) versions read alike")
    func readsOldAndNewVersions() throws {
        for version in ["1.2", "1.21"] {
            let path = try Self.write(Self.message(version: version, body: "<Справочник.Контрагенты/>"))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let records = try EnterpriseDataMessageFile.records(path: path)
            #expect(records.count == 2)
        }
    }

    @Test("a file that is not a message is refused by its root")
    func refusesOtherRoots() throws {
        let path = try Self.write("<КоммерческаяИнформация ВерсияСхемы=\"2.10\"/>")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: HubError.self) { _ = try EnterpriseDataMessageFile.records(path: path) }
        #expect(error?.message.contains("<Message>") == true)
    }

    @Test("CommerceML with and without its namespace reads the same")
    func commerceMLNamespaces() throws {
        let sample = try String(contentsOfFile: Self.fixture("commerceml_documents.xml"), encoding: .utf8)
        let bare = sample.replacingOccurrences(of: #"xmlns="urn:1C.ru:commerceml_2" "#, with: "")
        for path in [Self.fixture("commerceml_documents.xml"), try Self.write(bare)] {
            let records = try CommerceMLFile.records(path: path)
            guard case .root(let version, let created, _) = records.first else {
                Issue.record("the root must come first")
                return
            }
            #expect(version == "2.10" && created == "2024-04-16T10:05:00")
            let documents = records.compactMap { if case .document(let node, _, _) = $0 { node } else { nil } }
            #expect(documents.map { $0.value("Номер") } == ["CRM-000452", "318"])
        }
    }
}
