import CRMWarehouse
import Calendars
import Foundation
import HubCore
import PostgresNIO
import Testing

/// `crmhub export calendar-ics`: the CRM's meetings as a file Outlook imports, checked by reading it back.
@Suite("CRM meetings out as iCalendar")
struct CalendarExportTests {
    @Test("meetings made in the CRM are written as valid RFC 5545 and read back to the same occurrences")
    func exportReadsBack() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let summary = "Встреча с клиентом ООО «Вектор», обсуждение договора; этап 2 — условия, сроки, оплата"
            try await warehouse.client.query("""
                INSERT INTO core.calendars (calendar, time_zone) VALUES ('d.karimova@acme.uz', 'Asia/Tashkent');
                """, logger: warehouse.logger)
            try await warehouse.client.query("""
                INSERT INTO core.calendar_events (calendar, uid, origin, summary, location, organizer_email,
                    organizer_name, attendees, starts_at, ends_at, all_day, time_zone, rrule)
                VALUES ('d.karimova@acme.uz', 'crm-1', 'crm', \(summary), 'Ташкент, ул. Амира Темура 1',
                        'd.karimova@acme.uz', 'Karimova, Dilnoza',
                        '[{"email":"client@vektor.uz","name":"Ivanov","role":"REQ-PARTICIPANT"}]',
                        '2026-03-16 10:00+01', '2026-03-16 11:00+01', false, 'Europe/Berlin',
                        'FREQ=WEEKLY;COUNT=3;BYDAY=MO'),
                       ('d.karimova@acme.uz', 'crm-2', 'crm', 'Call', NULL, NULL, NULL, '[]',
                        '2026-03-12 11:00+05', '2026-03-12 11:30+05', false, 'Asia/Tashkent', NULL),
                       ('d.karimova@acme.uz', 'crm-3', 'crm', 'Navruz', NULL, NULL, NULL, '[]',
                        '2026-03-21 00:00+05', '2026-03-22 00:00+05', true, 'Asia/Tashkent', NULL),
                       ('d.karimova@acme.uz', 'from-outlook', 'ics', 'Not ours', NULL, NULL, NULL, '[]',
                        '2026-03-13 11:00+05', '2026-03-13 11:30+05', false, 'Asia/Tashkent', NULL)
                """, logger: warehouse.logger)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-export-\(UUID()).ics").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try await CLITests().crmhub(["export", "calendar-ics", "--out", out], database: warehouse.settings)
            #expect(result.status == 0, "\(result.text)")
            #expect(result.text.contains("3 meeting(s)"), "\(result.text)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasSuffix("\r\n"))
            let lines = text.components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 75 })
            #expect(lines.contains("BEGIN:VTIMEZONE") && lines.contains("TZID:Europe/Berlin"))
            let reading = try CalendarFileReading.read(path: out, defaultZone: TimeZone(identifier: "Asia/Tashkent")!,
                                                       window: 1_772_323_200..<1_777_593_600) // March–April 2026
            #expect(reading.expansion.rejected.isEmpty)
            let spans = reading.expansion.occurrences.sorted { $0.startsAt < $1.startsAt }.map {
                "\($0.eventUID) \(Date(timeIntervalSince1970: TimeInterval($0.startsAt)).ISO8601Format()) "
                    + "\($0.endsAt - $0.startsAt)"
            }
            #expect(spans == [
                "crm-2 2026-03-12T06:00:00Z 1800",
                "crm-1 2026-03-16T09:00:00Z 3600",
                "crm-3 2026-03-20T19:00:00Z 86400",
                "crm-1 2026-03-23T09:00:00Z 3600",
                // After Berlin's change to summer time, 10:00 is 08:00 UTC.
                "crm-1 2026-03-30T08:00:00Z 3600",
            ])
            let series = reading.expansion.events.first { $0.uid == "crm-1" }
            #expect(series?.summary == summary)
            #expect(series?.organizerName == "Karimova, Dilnoza")
            #expect(series?.attendees.first?.email == "client@vektor.uz")
        }
    }
}
