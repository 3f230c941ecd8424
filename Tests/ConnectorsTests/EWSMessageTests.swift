import Connectors
import Foundation
import HubCore
import Testing

/// EWS's SOAP as CRMHub writes and reads it, on the shared samples (samples/calendars/ews_*.xml).
@Suite("Exchange Web Services messages")
struct EWSMessageTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../samples/calendars").standardized

    static func sample(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: samples.appendingPathComponent(name)))
    }

    @Test("FindItem's answer: four items of a CalendarView, an occurrence and its moved exception with their slots, UTC times")
    func findItemSample() throws {
        let answer = try EWSAnswer.parse(try Self.sample("ews_finditem_response.xml"), source: "ews_finditem_response.xml")
        let message = try #require(answer.messages.first)
        #expect(message.name == "FindItemResponseMessage" && message.succeeded && message.responseCode == "NoError")
        let root = try #require(message.node["RootFolder"])
        #expect(root.attribute("IncludesLastItemInRange") == "true")
        let items = (root["Items"]?.children(named: "CalendarItem") ?? []).enumerated()
            .compactMap { EWSCalendarItem($0.element, position: $0.offset + 1) }
        #expect(items.map(\.itemType) == ["Occurrence", "Single", "Single", "Exception"])
        let exception = items[3]
        #expect(exception.recurrenceID.map(EWSDateTime.text) == "2025-03-17T05:00:00Z")
        #expect(exception.start.map(EWSDateTime.text) == "2025-03-18T10:00:00Z")
        #expect(exception.identity.changeKey == "DwAAABYAAACvZGVtbzAwMDM=")
        #expect(items[2].freeBusy == "OOF" && items[1].organizerName == "Ivanov Sergey" && items[1].organizerEmail == nil)
    }

    @Test("GetItem's answer: the organizer's address and the attendees with their responses as PARTSTAT")
    func getItemSample() throws {
        let answer = try EWSAnswer.parse(try Self.sample("ews_getitem_response.xml"), source: "ews_getitem_response.xml")
        #expect(answer.messages.count == 2)
        let item = try #require(answer.messages[0].node["Items"]?["CalendarItem"].flatMap { EWSCalendarItem($0, position: 1) })
        #expect(item.organizerEmail == "d.karimova@acme-demo.uz")
        #expect(item.attendees.map { "\($0.email ?? "")/\($0.role ?? "")/\($0.status ?? "")" } == [
            "j.toshmatov@acme-demo.uz/REQ-PARTICIPANT/ACCEPTED", "a.rahimov@acme-demo.uz/REQ-PARTICIPANT/TENTATIVE",
            "m.yusupova@acme-demo.uz/OPT-PARTICIPANT/NEEDS-ACTION",
        ])
    }

    @Test("FindItem's request asks what the sample request asks, over the window in UTC, for the mailbox")
    func findItemRequest() throws {
        let request = EWSRequest(serverVersion: "Exchange2013", mailbox: "d.karimova@acme-demo.uz", impersonation: true)
        let text = request.findCalendarView(start: EWSDateTime.seconds("2025-03-09T19:00:00Z")!,
                                            end: EWSDateTime.seconds("2025-03-19T19:00:00+00:00")!, maxEntries: 200)
        let sample = String(decoding: try Self.sample("ews_finditem_request.xml"), as: UTF8.self)
        for field in sample.matches(of: /FieldURI="([a-z]+:[A-Za-z]+)"/).map({ String($0.output.1) }) {
            #expect(text.contains("FieldURI=\"\(field)\""), "\(field)")
        }
        #expect(text.contains(#"<m:CalendarView MaxEntriesReturned="200" StartDate="2025-03-09T19:00:00Z" EndDate="2025-03-19T19:00:00Z"/>"#))
        #expect(text.contains("<t:SmtpAddress>d.karimova@acme-demo.uz</t:SmtpAddress>"))
        #expect(text.contains(#"PropertyName="CRMHubId""#))
    }

    @Test("a SOAP fault of ErrorServerBusy carries its back-off; XML with a DTD is refused")
    func faultAndDTD() throws {
        let fault = """
            <?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>\
            <faultcode>a:ErrorServerBusy</faultcode><faultstring>busy</faultstring><detail>\
            <e:ResponseCode xmlns:e="urn:e">ErrorServerBusy</e:ResponseCode><t:MessageXml xmlns:t="urn:t">\
            <t:Value Name="BackOffMilliseconds">297749</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>
            """
        let answer = try EWSAnswer.parse(Array(fault.utf8), source: "fault")
        #expect(answer.messages.first?.responseCode == "ErrorServerBusy")
        #expect(answer.messages.first?.backOffMilliseconds == 297_749)
        let hostile = #"<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="urn:s"><s:Body>&x;</s:Body></s:Envelope>"#
        #expect(throws: HubError.self) { try EWSAnswer.parse(Array(hostile.utf8), source: "hostile") }
    }

    @Test("a draft: CreateItem in the schema's order with the CRM's id; UpdateItem sets what has a value and deletes the rest")
    func draft() {
        let draft = EWSItemDraft(folder: .contacts, crmID: "crm-1", values: [
            "DisplayName": .text("Rahimov & Co <ООО>"), "EmailAddresses": .indexed(["EmailAddress1": "a@b.uz"]),
        ])
        let create = draft.itemXML()
        #expect(create == "<t:Contact><t:ExtendedProperty>\(EWSCRMProperty.uri)<t:Value>crm-1</t:Value>"
                + "</t:ExtendedProperty><t:DisplayName>Rahimov &amp; Co &lt;ООО&gt;</t:DisplayName><t:EmailAddresses>"
                + "<t:Entry Key=\"EmailAddress1\">a@b.uz</t:Entry></t:EmailAddresses></t:Contact>")
        let updates = draft.updatesXML()
        #expect(updates.contains(#"<t:DeleteItemField><t:FieldURI FieldURI="contacts:CompanyName"/></t:DeleteItemField>"#))
        #expect(updates.contains(#"<t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress2"/></t:DeleteItemField>"#))
        #expect(updates.contains(#"FieldIndex="EmailAddress1"/><t:Contact><t:EmailAddresses><t:Entry Key="EmailAddress1">a@b.uz"#))
    }

    @Test("xs:dateTime with Z, an offset or fractions; anything else refused")
    func dateTimes() {
        #expect(EWSDateTime.seconds("2025-03-10T05:00:00Z") == 1_741_582_800)
        #expect(EWSDateTime.seconds("2025-03-10T10:00:00+05:00") == 1_741_582_800)
        #expect(EWSDateTime.seconds("2025-03-10T05:00:00.1234567Z") == 1_741_582_800)
        #expect(EWSDateTime.seconds("2025-03-10") == nil)
        #expect(EWSDateTime.seconds("2025-02-30T05:00:00Z") == nil)
        #expect(EWSDateTime.text(1_741_582_800) == "2025-03-10T05:00:00Z")
    }
}
