import CRMWarehouse
import Foundation
import HubCore
import Testing

/// The acceptance: two Outlook calendars never seen before, with every hard case at once, imported over
/// March and April 2026. Expected occurrences worked out by hand (UTC), not by the code under test.
@Suite("Outlook calendars never seen before, March and April 2026")
struct CalendarAcceptanceTests {
    static let karimova = [
        // Moscow has no daylight saving: 10:00 MSK is 07:00 UTC. 9 March excluded; 16 March moved to the 17th.
        """
        UID:weekly-msk
        DTSTART;TZID=Russian Standard Time:20260302T100000
        DTEND;TZID=Russian Standard Time:20260302T110000
        RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO
        EXDATE;TZID=Russian Standard Time:20260309T100000
        SUMMARY:Sales planning
        """,
        """
        UID:weekly-msk
        RECURRENCE-ID;TZID=Russian Standard Time:20260316T100000
        DTSTART;TZID=Russian Standard Time:20260317T140000
        DTEND;TZID=Russian Standard Time:20260317T150000
        SUMMARY:Sales planning (moved)
        """,
        // Central Europe goes to summer time on 29 March 2026: 09:00 local is 08:00 UTC before, 07:00 UTC after.
        """
        UID:daily-cet
        DTSTART;TZID=W. Europe Standard Time:20260327T090000
        DTEND;TZID=W. Europe Standard Time:20260327T093000
        RRULE:FREQ=DAILY;COUNT=4
        SUMMARY:Stand-up Berlin
        """,
        // Weekdays from Tuesday 28 April, unbounded: 28, 29, 30 April in the window (1 May is outside).
        """
        UID:weekdays-utc
        DTSTART:20260428T060000Z
        DTEND:20260428T063000Z
        RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
        SUMMARY:Morning check
        """,
        // Tashkent (+05:00) every Thursday since January, unbounded; 9 April cancelled.
        """
        UID:thursdays-tas
        DTSTART;TZID=West Asia Standard Time:20260101T150000
        DTEND;TZID=West Asia Standard Time:20260101T160000
        RRULE:FREQ=WEEKLY;BYDAY=TH
        SUMMARY:Client review
        """,
        """
        UID:thursdays-tas
        RECURRENCE-ID;TZID=West Asia Standard Time:20260409T150000
        DTSTART;TZID=West Asia Standard Time:20260409T150000
        DTEND;TZID=West Asia Standard Time:20260409T160000
        STATUS:CANCELLED
        SUMMARY:Client review
        """,
        // All day 21–22 March (DTEND exclusive), at midnight in Tashkent.
        """
        UID:all-day
        DTSTART;VALUE=DATE:20260321
        DTEND;VALUE=DATE:20260323
        SUMMARY:Navruz
        """,
        """
        UID:cancelled-one
        DTSTART:20260410T090000Z
        DTEND:20260410T100000Z
        STATUS:CANCELLED
        SUMMARY:Dropped
        """,
        Self.shared,
    ]
    static let shared = """
        UID:shared-vektor
        DTSTART:20260415T090000Z
        DTEND:20260415T100000Z
        SUMMARY:Meeting with OOO Vektor
        """

    static let expected: Set<String> = {
        var rows: Set<String> = [
            "weekly-msk|2026-03-02 07:00|2026-03-02 08:00|Sales planning|Karimova",
            "weekly-msk|2026-03-17 11:00|2026-03-17 12:00|Sales planning (moved)|Karimova",
            "weekly-msk|2026-03-23 07:00|2026-03-23 08:00|Sales planning|Karimova",
            "daily-cet|2026-03-27 08:00|2026-03-27 08:30|Stand-up Berlin|Karimova",
            "daily-cet|2026-03-28 08:00|2026-03-28 08:30|Stand-up Berlin|Karimova",
            "daily-cet|2026-03-29 07:00|2026-03-29 07:30|Stand-up Berlin|Karimova",
            "daily-cet|2026-03-30 07:00|2026-03-30 07:30|Stand-up Berlin|Karimova",
            "weekdays-utc|2026-04-28 06:00|2026-04-28 06:30|Morning check|Karimova",
            "weekdays-utc|2026-04-29 06:00|2026-04-29 06:30|Morning check|Karimova",
            "weekdays-utc|2026-04-30 06:00|2026-04-30 06:30|Morning check|Karimova",
            "all-day|2026-03-20 19:00|2026-03-22 19:00|Navruz|Karimova",
            "shared-vektor|2026-04-15 09:00|2026-04-15 10:00|Meeting with OOO Vektor|Karimova,Toshmatov",
        ]
        for day in ["03-05", "03-12", "03-19", "03-26", "04-02", "04-16", "04-23", "04-30"] {
            rows.insert("thursdays-tas|2026-\(day) 10:00|2026-\(day) 11:00|Client review|Karimova")
        }
        return rows
    }()

    @Test("every occurrence exactly as worked out by hand; a second import changes nothing")
    func unseenCalendars() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let files = [try CalendarImportTests.calendarFile("karimova.ics", Self.karimova, calendarName: "Karimova"),
                         try CalendarImportTests.calendarFile("toshmatov.ics", [Self.shared], calendarName: "Toshmatov")]
            func rows() async throws -> [String] {
                try await CallsImportTests.table(warehouse, """
                    SELECT event_uid, to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                           to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), subject,
                           array_to_string(calendars, ',')
                    FROM core.calendar_occurrences ORDER BY starts_at, event_uid
                    """)
            }
            for file in files {
                let result = try await CLITests().crmhub(["import", "calendar-ics", file] + CalendarImportTests.window,
                                                         database: warehouse.settings)
                #expect(result.status == 0, "\(result.text)")
            }
            let first = try await rows()
            #expect(first.count == Self.expected.count)
            #expect(Set(first) == Self.expected, "missing: \(Self.expected.subtracting(first)); extra: \(Set(first).subtracting(Self.expected))")
            for file in files {
                let again = try await CLITests().crmhub(["import", "calendar-ics", file] + CalendarImportTests.window,
                                                        database: warehouse.settings)
                #expect(again.text.contains("already loaded"), "\(again.text)")
            }
            #expect(try await rows() == first)
        }
    }
}
