import Calendars
import Connectors
import Foundation
import HubCore
import Testing

/// Each recurrence hard case of the reference (calls-skud-calendars.md §3.2), the expected occurrences written
/// out by hand, in UTC.
@Suite struct RecurrenceHardCaseTests {
    static let berlinZone = """
        BEGIN:VTIMEZONE
        TZID:W. Europe Standard Time
        BEGIN:STANDARD
        DTSTART:16010101T030000
        TZOFFSETFROM:+0200
        TZOFFSETTO:+0100
        RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:16010101T020000
        TZOFFSETFROM:+0100
        TZOFFSETTO:+0200
        RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
        END:DAYLIGHT
        END:VTIMEZONE
        """
    static let berlinWeekly = """
        DTSTART;TZID=W. Europe Standard Time:20260316T100000
        DTEND;TZID=W. Europe Standard Time:20260316T110000
        RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO
        SUMMARY:Weekly in Berlin
        """

    @Test func theOutlookSampleGivesSevenMeetingsOneMovedAMoscowCallAndNavruz() throws {
        let path = repositoryRoot.appendingPathComponent("samples/calendars/outlook_weekly_meeting.ics").path
        let reading = try CalendarFileReading.read(path: path, defaultZone: TimeZone(identifier: "Asia/Tashkent")!,
                                                   window: utc("2025-03-01 00:00")..<utc("2025-05-01 00:00"))
        #expect(reading.expansion.rejected.isEmpty)
        #expect(reading.calendarName == "Календарь Karimova Dilnoza")
        let weekly = "040000008200E00074C5B7101A82E00800000000D0A1C2E3F4B5C601000000000000000"
            + "010000000ACMEDEMO0000000000000000000001"
        #expect(spans(reading, uid: weekly) == [
            "2025-03-03 05:00–06:00", "2025-03-10 05:00–06:00", "2025-03-18 10:00–11:00", "2025-03-31 05:00–06:00",
            "2025-04-07 05:00–06:00", "2025-04-14 05:00–06:00", "2025-04-21 05:00–06:00",
        ])
        let moved = reading.expansion.occurrences.first { $0.startsAt == utc("2025-03-18 10:00") }
        #expect(moved?.subject == "Еженедельная планёрка отдела продаж (перенесено)")
        #expect(moved?.recurrenceID == "20250317T050000Z")
        let moscow = "040000008200E00074C5B7101A82E008000000007E8F9A0B1C2DDB01000000000000000"
            + "010000000ACMEDEMO0000000000000000000002"
        #expect(spans(reading, uid: moscow) == ["2025-03-12 08:00–09:00"])
        let navruz = reading.expansion.occurrences.first { $0.allDay }
        #expect(navruz.map { utcText($0.startsAt) } == "2025-03-20 19:00")
        #expect(navruz.map { utcText($0.endsAt) } == "2025-03-21 19:00")
        // Two VEVENTs of the series (the series and its override), one each of the others.
        #expect(reading.expansion.events.count == 4)
        let series = reading.expansion.events.first { $0.uid == weekly && $0.recurrenceID.isEmpty }
        #expect(series?.timeZone == "Asia/Tashkent")
        #expect(series?.sourceTZID == "West Asia Standard Time")
        #expect(series?.attendees.map(\.email) == ["j.toshmatov@acme-demo.uz", "a.rahimov@acme-demo.uz",
                                                   "m.yusupova@acme-demo.uz"])
        #expect(series?.organizerEmail == "d.karimova@acme-demo.uz")
    }

    @Test func windowsZoneNamesMapThroughCLDR() {
        #expect(WindowsTimeZones.ianaIdentifier(forWindowsName: "West Asia Standard Time") == "Asia/Tashkent")
        #expect(WindowsTimeZones.ianaIdentifier(forWindowsName: "Russian Standard Time") == "Europe/Moscow")
        #expect(WindowsTimeZones.ianaIdentifier(forWindowsName: "W. Europe Standard Time") == "Europe/Berlin")
        #expect(WindowsTimeZones.ianaIdentifier(forWindowsName: "Pacific Standard Time") == "America/Los_Angeles")
        #expect(WindowsTimeZones.ianaIdentifier(forWindowsName: "Customized Time Zone") == nil)
    }

    @Test func aDaylightSavingChangeInsideTheSeriesKeepsTheLocalTime() throws {
        let reading = try expand(Self.berlinZone + "\n" + vevent("dst", Self.berlinWeekly))
        // 29 March 2026: Berlin moves from +01:00 to +02:00; 10:00 stays 10:00.
        #expect(spans(reading) == ["2026-03-16 09:00–10:00", "2026-03-23 09:00–10:00", "2026-03-30 08:00–09:00",
                                   "2026-04-06 08:00–09:00"])
    }

    @Test func exdatesInOtherZonesRemoveTheirSlots() throws {
        let reading = try expand(Self.berlinZone + "\n" + vevent("exdate", Self.berlinWeekly + """

            EXDATE:20260323T090000Z
            EXDATE;TZID=West Asia Standard Time:20260330T130000
            """))
        #expect(spans(reading) == ["2026-03-16 09:00–10:00", "2026-04-06 08:00–09:00"])
    }

    @Test func anOverrideWithItsRecurrenceIdInUTCReplacesItsSlot() throws {
        let reading = try expand(Self.berlinZone + "\n" + vevent("moved", Self.berlinWeekly) + "\n" + vevent("moved", """
            RECURRENCE-ID:20260323T090000Z
            DTSTART;TZID=W. Europe Standard Time:20260324T140000
            DTEND;TZID=W. Europe Standard Time:20260324T150000
            SUMMARY:Moved to Tuesday
            SEQUENCE:1
            """))
        #expect(spans(reading) == ["2026-03-16 09:00–10:00", "2026-03-24 13:00–14:00", "2026-03-30 08:00–09:00",
                                   "2026-04-06 08:00–09:00"])
        #expect(reading.expansion.occurrences.first { $0.startsAt == utc("2026-03-24 13:00") }?.subject
                == "Moved to Tuesday")
    }

    @Test func aCancelledOverrideOrSeriesGivesNoOccurrence() throws {
        let reading = try expand(vevent("daily", """
            DTSTART;TZID=West Asia Standard Time:20260302T090000
            DTEND;TZID=West Asia Standard Time:20260302T093000
            RRULE:FREQ=DAILY;COUNT=3
            """) + "\n" + vevent("daily", """
            RECURRENCE-ID;TZID=West Asia Standard Time:20260303T090000
            DTSTART;TZID=West Asia Standard Time:20260303T090000
            DTEND;TZID=West Asia Standard Time:20260303T093000
            STATUS:CANCELLED
            """) + "\n" + vevent("cancelled-single", """
            DTSTART:20260310T090000Z
            DTEND:20260310T100000Z
            STATUS:CANCELLED
            """))
        #expect(spans(reading) == ["2026-03-02 04:00–04:30", "2026-03-04 04:00–04:30"])
    }

    @Test func thisAndFutureMovesEveryLaterSlot() throws {
        let reading = try expand(vevent("future", """
            DTSTART;TZID=West Asia Standard Time:20260302T090000
            DTEND;TZID=West Asia Standard Time:20260302T100000
            RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO
            SUMMARY:Old time
            """) + "\n" + vevent("future", """
            RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=West Asia Standard Time:20260316T090000
            DTSTART;TZID=West Asia Standard Time:20260316T110000
            DTEND;TZID=West Asia Standard Time:20260316T120000
            SUMMARY:New time
            """))
        #expect(spans(reading) == ["2026-03-02 04:00–05:00", "2026-03-09 04:00–05:00", "2026-03-16 06:00–07:00",
                                   "2026-03-23 06:00–07:00"])
        #expect(reading.expansion.occurrences.sorted { $0.startsAt < $1.startsAt }.map(\.subject)
                == ["Old time", "Old time", "New time", "New time"])
    }

    @Test func monthlyByNthWeekdayLastWeekdayAndMonthDay() throws {
        func starts(_ rule: String, _ start: String) throws -> [String] {
            try spans(expand(vevent("m", "DTSTART;TZID=West Asia Standard Time:\(start)\nRRULE:\(rule)")))
                .map { String($0.prefix(16)) }
        }
        #expect(try starts("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", "20260310T100000")
                == ["2026-03-10 05:00", "2026-04-14 05:00", "2026-05-12 05:00"])
        #expect(try starts("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "20260327T100000")
                == ["2026-03-27 05:00", "2026-04-24 05:00", "2026-05-29 05:00"])
        #expect(try starts("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", "20260331T100000")
                == ["2026-03-31 05:00", "2026-04-30 05:00", "2026-05-29 05:00"])
        #expect(try starts("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", "20260131T100000")
                == ["2026-01-31 05:00", "2026-03-31 05:00", "2026-05-31 05:00"])
        #expect(try starts("FREQ=DAILY;INTERVAL=2;COUNT=5", "20260301T080000")
                == ["2026-03-01 03:00", "2026-03-03 03:00", "2026-03-05 03:00", "2026-03-07 03:00", "2026-03-09 03:00"])
    }

    @Test func aYearlyAllDaySeriesWithoutEndIsExpandedOverTheWindow() throws {
        let reading = try expand(vevent("navruz", """
            DTSTART;VALUE=DATE:20250321
            DTEND;VALUE=DATE:20250322
            RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=21
            """), from: "2025-01-01", to: "2028-01-01")
        #expect(spans(reading) == ["2025-03-20 19:00–2025-03-21 19:00", "2026-03-20 19:00–2026-03-21 19:00",
                                   "2027-03-20 19:00–2027-03-21 19:00"])
        #expect(reading.expansion.occurrences.allSatisfy { $0.allDay })
    }

    @Test func weekStartChangesABiweeklyRule() throws {
        // RFC 5545 §3.3.10's own example.
        func starts(_ wkst: String) throws -> [String] {
            try spans(expand(vevent("wkst", """
                DTSTART;TZID=America/New_York:19970805T090000
                RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=\(wkst)
                """), from: "1997-01-01", to: "1998-01-01")).map { String($0.prefix(10)) }
        }
        #expect(try starts("MO") == ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"])
        #expect(try starts("SU") == ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"])
    }

    @Test func untilInUTCIsComparedAsAnInstant() throws {
        func count(_ until: String) throws -> Int {
            try expand(vevent("until", """
                DTSTART;TZID=West Asia Standard Time:20260301T100000
                RRULE:FREQ=DAILY;UNTIL=\(until)
                """)).expansion.occurrences.count
        }
        // 10:00 in Tashkent is 05:00 UTC: UNTIL at 05:00Z includes the third day, a second earlier excludes it.
        #expect(try count("20260303T050000Z") == 3)
        #expect(try count("20260303T045959Z") == 2)
    }

    @Test func aSeriesWithoutEndIsExpandedOverTheWindowOnly() throws {
        let reading = try expand(vevent("forever", """
            DTSTART;TZID=West Asia Standard Time:20200101T090000
            DTEND;TZID=West Asia Standard Time:20200101T091500
            RRULE:FREQ=DAILY
            """), from: "2026-03-01", to: "2026-05-01")
        let all = spans(reading)
        #expect(all.count == 61)
        #expect(all.first == "2026-03-01 04:00–04:15")
        #expect(all.last == "2026-04-30 04:00–04:15")
    }

    @Test func aWeekdaySeries() throws {
        let reading = try expand(vevent("weekdays", """
            DTSTART;TZID=West Asia Standard Time:20260302T090000
            RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
            """), from: "2026-03-01", to: "2026-03-15")
        #expect(spans(reading).map { String($0.prefix(10)) } == [
            "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
            "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13",
        ])
    }

    @Test func allDayEventsEndOnTheirExclusiveDateAtLocalMidnight() throws {
        let reading = try expand(vevent("two-days", """
            DTSTART;VALUE=DATE:20260323
            DTEND;VALUE=DATE:20260325
            """))
        #expect(spans(reading) == ["2026-03-22 19:00–2026-03-24 19:00"])
    }

    @Test func anAllDayOverrideWrittenAsMidnightWithATZIDStillMatchesItsDay() throws {
        // Office 365 writes an all-day series' RECURRENCE-ID as a date-time with a TZID; read in UTC it would fall
        // on the day before (node-ical#459) and the override would be lost.
        let reading = try expand(vevent("allday-series", """
            DTSTART;VALUE=DATE:20260302
            DTEND;VALUE=DATE:20260303
            RRULE:FREQ=WEEKLY;COUNT=3
            SUMMARY:Duty
            """) + "\n" + vevent("allday-series", """
            RECURRENCE-ID;TZID=West Asia Standard Time:20260309T000000
            DTSTART;VALUE=DATE:20260310
            DTEND;VALUE=DATE:20260311
            SUMMARY:Duty (moved)
            """))
        #expect(spans(reading) == ["2026-03-01 19:00–2026-03-02 19:00", "2026-03-09 19:00–2026-03-10 19:00",
                                   "2026-03-15 19:00–2026-03-16 19:00"])
    }

    @Test func floatingTimesAreReadInTheCalendarsZone() throws {
        let reading = try expand(vevent("floating", "DTSTART:20260305T090000\nDTEND:20260305T100000"),
                                 zone: "Europe/Moscow")
        #expect(spans(reading) == ["2026-03-05 06:00–07:00"])
    }

    @Test func aCustomizedZoneIsReadFromItsVTimezone() throws {
        let reading = try expand("""
            BEGIN:VTIMEZONE
            TZID:Customized Time Zone
            BEGIN:STANDARD
            DTSTART:16010101T040000
            TZOFFSETFROM:+0300
            TZOFFSETTO:+0200
            RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
            END:STANDARD
            BEGIN:DAYLIGHT
            DTSTART:16010101T030000
            TZOFFSETFROM:+0200
            TZOFFSETTO:+0300
            RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
            END:DAYLIGHT
            END:VTIMEZONE
            """ + "\n" + vevent("custom", """
            DTSTART;TZID=Customized Time Zone:20260325T100000
            RRULE:FREQ=WEEKLY;COUNT=2
            """))
        #expect(spans(reading).map { String($0.prefix(16)) } == ["2026-03-25 08:00", "2026-04-01 07:00"])
    }

    @Test func aMalformedEventIsRejectedWithItsLineAndTheRestLoads() throws {
        // Lines: 1 BEGIN:VCALENDAR, 2 VERSION, 3 PRODID, then 4–8 the first event, 9–13 the bad one, 14–18 the last.
        let reading = try expand(vevent("good-1", "DTSTART:20260305T090000Z") + "\n"
                                 + vevent("bad", "DTSTART:tomorrow") + "\n"
                                 + vevent("good-2", "DTSTART:20260306T090000Z"))
        #expect(reading.expansion.occurrences.map(\.eventUID).sorted() == ["good-1", "good-2"])
        #expect(reading.expansion.rejected.count == 1)
        #expect(reading.expansion.rejected.first?.line == 12)
        #expect(reading.expansion.rejected.first?.field == "DTSTART")
    }

    @Test func anEventLeftOpenIsRejectedAndTheNextOneLoads() throws {
        let reading = try expand("BEGIN:VEVENT\nUID:open\nDTSTART:20260305T090000Z\n"
                                 + vevent("next", "DTSTART:20260306T090000Z"))
        #expect(reading.expansion.occurrences.map(\.eventUID) == ["next"])
        #expect(reading.expansion.rejected.map(\.line) == [4])
    }

    @Test func anUnknownZoneWithoutVTimezoneIsRejectedNotReadAsUTC() throws {
        let reading = try expand(vevent("unknown", "DTSTART;TZID=Unnamed Time Zone 1:20260305T090000"))
        #expect(reading.expansion.occurrences.isEmpty)
        #expect(reading.expansion.rejected.first?.reason.contains("Unnamed Time Zone 1") == true)
    }
}
