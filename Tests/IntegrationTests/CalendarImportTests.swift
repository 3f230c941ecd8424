import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// `calendar-ics` through the command: the Outlook sample, re-imports that change nothing, a newer export that
/// cancels, moves and deletes, one meeting in two calendars, a malformed VEVENT quarantined with its line.
@Suite("Calendars into the warehouse")
struct CalendarImportTests {
    static let sample = CallsImportTests.root.appendingPathComponent("samples/calendars/outlook_weekly_meeting.ics").path
    static let window = ["--from", "2026-03-01", "--to", "2026-05-01"]

    /// A calendar file of these VEVENT bodies (each gets BEGIN/END and a DTSTAMP), in a temporary folder.
    static func calendarFile(_ name: String, _ events: [String], calendarName: String? = nil) throws -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CRMHub tests//EN"]
        if let calendarName { lines.append("X-WR-CALNAME:\(calendarName)") }
        for event in events {
            lines += ["BEGIN:VEVENT", "DTSTAMP:20260101T000000Z"]
            lines += event.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-calendars-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try (lines.joined(separator: "\r\n") + "\r\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func occurrences(_ warehouse: Warehouse) async throws -> [String] {
        try await CallsImportTests.table(warehouse, """
            SELECT event_uid, to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                   to_char(ends_at AT TIME ZONE 'UTC', 'HH24:MI'), subject, array_to_string(calendars, ',')
            FROM core.calendar_occurrences ORDER BY starts_at, event_uid
            """)
    }

    static let weekly = """
        UID:weekly
        DTSTART;TZID=West Asia Standard Time:20260302T100000
        DTEND;TZID=West Asia Standard Time:20260302T110000
        RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO
        SUMMARY:Planning
        """

    @Test("the Outlook sample: nine occurrences, traced to their batch and line; a second import changes nothing")
    func outlookSample() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let arguments = ["import", "calendar-ics", Self.sample, "--from", "2025-03-01", "--to", "2025-05-01",
                             "--owner", "D.Karimova@acme-demo.uz"]
            let first = try await CLITests().crmhub(arguments, database: warehouse.settings)
            #expect(first.status == 0, "\(first.text)")
            #expect(first.text.contains("occurrences: 9 new, 0 changed, 0 gone"), "\(first.text)")
            let rows = try await Self.occurrences(warehouse)
            #expect(rows.count == 9)
            #expect(rows.contains { $0.contains("2025-03-18 10:00|11:00|Еженедельная планёрка отдела продаж (перенесено)") })
            let traced = try await CallsImportTests.table(warehouse, """
                SELECT count(*) FILTER (WHERE v.batch_id IS NOT NULL AND v.source_line > 0), min(c.owner)
                FROM core.calendar_occurrence_views v JOIN core.calendars c USING (calendar)
                """)
            #expect(traced == ["9|d.karimova@acme-demo.uz"])
            let second = try await CLITests().crmhub(arguments, database: warehouse.settings)
            #expect(second.status == 0)
            #expect(second.text.contains("already loaded"), "\(second.text)")
            #expect(try await Self.occurrences(warehouse) == rows)
        }
    }

    @Test("a newer export replaces the calendar's view: cancelled, moved and deleted occurrences go, the rest stay untouched")
    func newerExportReplacesTheWindow() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let v1 = try Self.calendarFile("mailbox.ics", [Self.weekly, """
                UID:single
                DTSTART:20260305T060000Z
                DTEND:20260305T070000Z
                SUMMARY:Client visit
                """], calendarName: "Karimova")
            let first = try await CLITests().crmhub(["import", "calendar-ics", v1] + Self.window,
                                                    database: warehouse.settings)
            #expect(first.status == 0, "\(first.text)")
            #expect(try await Self.occurrences(warehouse).count == 5)
            let v2 = try Self.calendarFile("mailbox.ics", [Self.weekly, """
                UID:weekly
                RECURRENCE-ID;TZID=West Asia Standard Time:20260309T100000
                DTSTART;TZID=West Asia Standard Time:20260309T100000
                DTEND;TZID=West Asia Standard Time:20260309T110000
                STATUS:CANCELLED
                """, """
                UID:weekly
                RECURRENCE-ID:20260316T050000Z
                DTSTART;TZID=West Asia Standard Time:20260317T150000
                DTEND;TZID=West Asia Standard Time:20260317T160000
                SUMMARY:Planning (moved)
                SEQUENCE:1
                """], calendarName: "Karimova")
            let second = try await CLITests().crmhub(["import", "calendar-ics", v2] + Self.window,
                                                     database: warehouse.settings)
            #expect(second.status == 0, "\(second.text)")
            #expect(second.text.contains("occurrences: 1 new, 0 changed, 3 gone"), "\(second.text)")
            #expect(try await Self.occurrences(warehouse) == [
                "weekly|2026-03-02 05:00|06:00|Planning|Karimova",
                "weekly|2026-03-17 10:00|11:00|Planning (moved)|Karimova",
                "weekly|2026-03-23 05:00|06:00|Planning|Karimova",
            ])
            // The untouched occurrences keep the batch that first loaded them.
            let batches = try await CallsImportTests.table(warehouse, """
                SELECT count(DISTINCT batch_id) FROM core.calendar_occurrences
                WHERE starts_at IN ('2026-03-02 05:00Z', '2026-03-23 05:00Z')
                """)
            #expect(batches == ["1"])
            let third = try await CLITests().crmhub(["import", "calendar-ics", v2] + Self.window,
                                                    database: warehouse.settings)
            #expect(third.text.contains("already loaded"), "\(third.text)")
        }
    }

    @Test("one meeting in two calendars is one occurrence with both; leaving one calendar keeps it in the other")
    func oneMeetingInTwoCalendars() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let meeting = """
                UID:shared-meeting
                DTSTART;TZID=Russian Standard Time:20260312T110000
                DTEND;TZID=Russian Standard Time:20260312T120000
                SUMMARY:Call with OOO Vektor
                ORGANIZER;CN=Karimova:mailto:d.karimova@acme.uz
                ATTENDEE;CN=Toshmatov;PARTSTAT=ACCEPTED:mailto:j.toshmatov@acme.uz
                """
            let a = try Self.calendarFile("a.ics", [meeting], calendarName: "Karimova")
            let b = try Self.calendarFile("b.ics", [meeting], calendarName: "Toshmatov")
            for file in [a, b] {
                let result = try await CLITests().crmhub(["import", "calendar-ics", file] + Self.window,
                                                         database: warehouse.settings)
                #expect(result.status == 0, "\(result.text)")
            }
            #expect(try await Self.occurrences(warehouse)
                    == ["shared-meeting|2026-03-12 08:00|09:00|Call with OOO Vektor|Karimova,Toshmatov"])
            let empty = try Self.calendarFile("a.ics", [], calendarName: "Karimova")
            _ = try await CLITests().crmhub(["import", "calendar-ics", empty] + Self.window, database: warehouse.settings)
            #expect(try await Self.occurrences(warehouse)
                    == ["shared-meeting|2026-03-12 08:00|09:00|Call with OOO Vektor|Toshmatov"])
        }
    }

    @Test("a malformed VEVENT is quarantined with its line and the rest of the file loads")
    func malformedEventQuarantined() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            // Lines: 1–3 the calendar; 4 BEGIN, 5 DTSTAMP, 6 UID, 7 DTSTART of the bad event.
            let file = try Self.calendarFile("bad.ics", ["UID:bad\nDTSTART:next Tuesday", Self.weekly])
            let result = try await CLITests().crmhub(["import", "calendar-ics", file] + Self.window,
                                                     database: warehouse.settings)
            #expect(result.status == 3, "\(result.text)")
            #expect(try await Self.occurrences(warehouse).count == 4)
            let quarantined = try await CallsImportTests.table(warehouse, """
                SELECT source_kind, position, record_kind, field FROM ops.quarantine
                """)
            #expect(quarantined == ["calendar-ics|7|vevent|DTSTART"])
        }
    }

    @Test("meetings are linked to clients by attendee e-mail; mart.client_interactions counts meetings and calls per day")
    func clientInteractions() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let calls = try await CLITests().crmhub(["import", "calls-mango",
                                                     CallsImportTests.sample("mango-stats-2025-03-10.csv"),
                                                     "--settings", CallsImportTests.settings],
                                                    database: warehouse.settings)
            #expect(calls.status == 0, "\(calls.text)")
            let client = try await CallsImportTests.table(warehouse, """
                SELECT client_id FROM core.calls WHERE client_id IS NOT NULL AND outcome = 'answered'
                ORDER BY started_at LIMIT 1
                """)
            let clientID = try #require(client.first.flatMap { Int64($0) })
            try await warehouse.client.query("""
                INSERT INTO core.client_emails (email, client_id) VALUES ('buyer@vektor.uz', \(clientID))
                """, logger: warehouse.logger)
            let file = try Self.calendarFile("karimova.ics", ["""
                UID:visit
                DTSTART;TZID=West Asia Standard Time:20250310T150000
                DTEND;TZID=West Asia Standard Time:20250310T160000
                SUMMARY:Visit
                ATTENDEE;CN=Buyer:mailto:Buyer@Vektor.uz
                """], calendarName: "Karimova")
            let imported = try await CLITests().crmhub(["import", "calendar-ics", file, "--owner", "d.karimova@acme.uz",
                                                        "--from", "2025-03-01", "--to", "2025-04-01"],
                                                       database: warehouse.settings)
            #expect(imported.status == 0, "\(imported.text)")
            let rows = try await CallsImportTests.table(warehouse, """
                SELECT employee, day, meetings, calls FROM mart.client_interactions WHERE client_id = \(clientID)
                ORDER BY meetings DESC, employee
                """)
            #expect(rows.first == "d.karimova@acme.uz|2025-03-10|1|0", "\(rows)")
            #expect(Array(rows.dropFirst()) == ["Каримова Дилноза|2025-03-10|0|2"], "\(rows)")
        }
    }
}
