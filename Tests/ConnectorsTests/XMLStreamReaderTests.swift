import Connectors
import Foundation
import HubCore
import Testing

@Suite("streaming XML reader (libxml2 SAX2)")
struct XMLStreamReaderTests {
    /// Feeds `xml` in chunks of `chunkSize` bytes and collects every event.
    static func events(_ xml: [UInt8], recordDepth: Int = 2, chunkSize: Int = 7,
                       keep: @escaping (String) -> Bool = { _ in true }) throws -> [XMLStreamEvent] {
        let reader = XMLStreamReader(source: "test.xml", recordDepth: recordDepth, keepRecord: keep)
        var events: [XMLStreamEvent] = []
        var offset = 0
        while offset < xml.count {
            let end = min(offset + chunkSize, xml.count)
            try xml[offset..<end].withUnsafeBytes { try reader.parse($0) { events.append($0) } }
            offset = end
        }
        try reader.finish { events.append($0) }
        return events
    }

    static func records(_ events: [XMLStreamEvent]) -> [XMLElementNode] {
        events.compactMap { if case .record(let node, _, _) = $0 { node } else { nil } }
    }

    @Test("records come whole, with text, attributes, lines and local names; the envelope as events")
    func recordsAndEnvelope() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <a:Root xmlns:a="urn:x" Версия="2.10">
              <Doc Id="1"><Name>Tom &amp; Jerry &lt;3</Name><Sum>10.50</Sum></Doc>
              <Doc Id="2"><Name><![CDATA[x<y]]></Name><Line><N>1</N></Line><Line><N>2</N></Line></Doc>
            </a:Root>
            """
        let events = try Self.events(Array(xml.utf8))
        guard case .opened("Root", "urn:x", let attributes, 1, 2) = events.first else {
            Issue.record("expected the root to open first, got \(String(describing: events.first))")
            return
        }
        #expect(attributes == [XMLAttribute(name: "Версия", value: "2.10")])
        let records = Self.records(events)
        #expect(records.count == 2)
        #expect(records[0].attribute("Id") == "1" && records[0].line == 3)
        #expect(records[0].value("Name") == "Tom & Jerry <3" && records[0].value("Sum") == "10.50")
        #expect(records[1].value("Name") == "x<y")
        #expect(records[1].children(named: "Line").map { $0.value("N") } == ["1", "2"])
        #expect(records[1].json == #"{"@Id":"2","Name":"x<y","Line":[{"N":"1"},{"N":"2"}]}"#)
        if case .closed("Root", 1) = events.last {} else { Issue.record("the root must close last") }
    }

    @Test("skipped records are not built, whatever their size")
    func skipsUnwantedRecords() throws {
        let big = String(repeating: "<Item><Id>1</Id></Item>", count: 1000)
        let xml = "<Root><Catalog>\(big)</Catalog><Doc><Id>7</Id></Doc></Root>"
        let events = try Self.events(Array(xml.utf8), chunkSize: 4096) { $0 == "Doc" }
        #expect(Self.records(events).map { $0.value("Id") } == ["7"])
        #expect(events.contains { if case .skipped("Catalog", "Root", 1) = $0 { true } else { false } })
    }

    @Test("Windows-1251 declared in the prolog is decoded")
    func decodesWindows1251() throws {
        var bytes = Array(#"<?xml version="1.0" encoding="windows-1251"?><Root><Doc><Name>"#.utf8)
        bytes += [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2]  // «Привет» in CP1251
        bytes += Array("</Name></Doc></Root>".utf8)
        #expect(Self.records(try Self.events(bytes)).first?.value("Name") == "Привет")
    }

    @Test("external entities (XXE) are refused before anything is read", arguments: [
        #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><d>&x;</d></r>"#,
        #"<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd"><r><d>1</d></r>"#,
        """
        <?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
        <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><r><d>&d;</d></r>
        """,
    ])
    func refusesDocumentTypes(xml: String) throws {
        var events: [XMLStreamEvent] = []
        let error = #expect(throws: HubError.self) { events = try Self.events(Array(xml.utf8), chunkSize: 4096) }
        #expect(error?.message.contains("DOCTYPE") == true)
        #expect(Self.records(events).isEmpty)
    }

    @Test("malformed XML fails with its line and column")
    func malformedFails() throws {
        let xml = "<Root>\n<Doc><Name>x</Nme></Doc>\n</Root>"
        let error = #expect(throws: HubError.self) { _ = try Self.events(Array(xml.utf8)) }
        #expect(error?.code == .malformedInput)
        #expect(error?.location?.line == 2)
        #expect(error?.message.contains("column") == true)
    }

    @Test("a truncated document fails at the end")
    func truncatedFails() throws {
        let xml = "<Root><Doc><Name>x</Name></Doc>"
        #expect(throws: HubError.self) { _ = try Self.events(Array(xml.utf8)) }
    }
}
