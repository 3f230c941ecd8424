import Foundation
import Attendance
import HubCore
import Testing

/// Local shift times to UTC, in Tashkent (no DST) and across Berlin's clock changes.
///
/// Chosen behaviour: a skipped wall time (spring forward) and a repeated one (fall back) are both read with the offset
/// in force before the change; a shift lasts its configured length in elapsed time, so its end's wall time moves.
@Suite struct TimeZoneTests {
    @Test func tashkentIsUTCPlusFive() throws {
        let day = try calculateDay("2026-01-05", shift: try officeShift())
        #expect(day.shiftStart == (try instant("2026-01-05", "04:00:00", offsetHours: 0)))
    }

    @Test(arguments: [("2026-01-05", Int64(1)), ("2026-07-06", Int64(2))])
    func berlinOrdinaryDays(isoDate: String, offset: Int64) throws {
        let day = try calculateDay(isoDate, shift: try officeShift(), zoneName: "Europe/Berlin")
        #expect(day.shiftStart == (try instant(isoDate, "09:00:00", offsetHours: offset)))
        #expect(day.explanation.first == "shift 09:00–18:00, window 08:00–20:00")
        #expect(!explains(day, "dst:"))
    }

    // 2026-03-29 is the last Sunday of March: at 02:00 CET Berlin jumps to 03:00 CEST.
    @Test func shiftStartingAt0130OnTheSpringForwardNight() throws {
        let shift = try officeShift(start: "01:30", end: "05:30", workdays: "Sun", before: 30, after: 30)
        let day = try calculateDay(
            "2026-03-29", shift: shift,
            punches: [
                AttendancePunch(
                    id: 1, personnelNumber: person, at: try instant("2026-03-29", "01:25:00", offsetHours: 1),
                    direction: .checkIn, device: "zkteco:1"),
                AttendancePunch(
                    id: 2, personnelNumber: person, at: try instant("2026-03-29", "06:30:00", offsetHours: 2),
                    direction: .checkOut, device: "zkteco:1"),
            ],
            zoneName: "Europe/Berlin")
        // 01:30 exists (CET): 00:30 UTC. Four elapsed hours later is 04:30 UTC, which Berlin calls 06:30.
        #expect(day.shiftStart == (try instant("2026-03-29", "00:30:00", offsetHours: 0)))
        #expect(day.shiftEnd == (try instant("2026-03-29", "04:30:00", offsetHours: 0)))
        #expect(day.explanation.first == "shift 01:30–06:30, window 01:00–07:00")
        #expect(explains(day, "dst: the shift lasts its 240 min, so it ends at 06:30 local time, not 05:30"))
        #expect(day.status == .present)
        #expect(day.workedMinutes == 245)
        #expect(explains(day, "pair 01:25:00–06:30:00: 245 min"))
    }

    @Test func skippedStartTimeIsReadWithTheEarlierOffset() throws {
        let shift = try officeShift(start: "02:30", end: "06:00", workdays: "Sun", before: 30, after: 30)
        let day = try calculateDay("2026-03-29", shift: shift, zoneName: "Europe/Berlin")
        // 02:30 never happens; at +01:00 it is 01:30 UTC, which is 03:30 CEST.
        #expect(day.shiftStart == (try instant("2026-03-29", "01:30:00", offsetHours: 0)))
        #expect(explains(day, "dst: 02:30 does not exist on 2026-03-29 in Europe/Berlin (+01:00 → +02:00)"))
        #expect(explains(day, "the shift starts at 03:30"))
        #expect(day.status == .absent)
    }

    // 2026-10-25: at 03:00 CEST Berlin falls back to 02:00 CET, so 02:30 happens twice.
    @Test func repeatedStartTimeTakesTheFirstOccurrence() throws {
        let shift = try officeShift(start: "02:30", end: "06:00", workdays: "Sun", before: 30, after: 30)
        let day = try calculateDay("2026-10-25", shift: shift, zoneName: "Europe/Berlin")
        #expect(day.shiftStart == (try instant("2026-10-25", "02:30:00", offsetHours: 2)))
        #expect(explains(day, "dst: 02:30 occurs twice on 2026-10-25 in Europe/Berlin (+02:00 then +01:00)"))
        // 3.5 elapsed hours after 00:30 UTC is 04:00 UTC, 05:00 CET: one hour of wall time earlier than 06:00.
        #expect(day.shiftEnd == (try instant("2026-10-25", "04:00:00", offsetHours: 0)))
    }

    @Test func berlinWeekendUsesTheLocalDaysEnd() throws {
        // The spring-forward Sunday is 23 hours long; its last second is 23:59:59 CEST.
        let final = try calculateDay(
            "2026-03-29", shift: try officeShift(), zoneName: "Europe/Berlin",
            highWater: ["zkteco:1": try instant("2026-03-29", "23:59:59", offsetHours: 2)])
        #expect(final.status == .weekend)
        #expect(!final.provisional)
        let waiting = try calculateDay(
            "2026-03-29", shift: try officeShift(), zoneName: "Europe/Berlin",
            highWater: ["zkteco:1": try instant("2026-03-29", "23:59:58", offsetHours: 2)])
        #expect(waiting.provisional)
    }
}

/// The per-day offset cache the punch import uses gives the instants the full conversion gives, on ordinary
/// days and on the days clocks change.
@Suite struct ZoneDayOffsetsTests {
    @Test(arguments: ["Asia/Tashkent", "Europe/Berlin", "Europe/Moscow", "UTC"])
    func sameInstantsAsTheFullConversion(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        var offsets = ZoneDayOffsets(zone: zone)
        for date in ["2026-03-28", "2026-03-29", "2026-03-30", "2026-10-25", "2026-07-01"] {
            for second in stride(from: 0, to: 86_400, by: 1_799) {
                let time = LocalDateTime(date: try #require(CalendarDate(isoDate: date)), secondOfDay: second)
                #expect(offsets.instant(of: time) == time.instant(in: zone), "\(zoneName) \(time)")
            }
        }
    }

    @Test func wallTimesBackFromInstants() throws {
        let time = try #require(LocalDateTime(isoText: " 2025-03-10 08:52:14\t"))
        #expect(time.description == "2025-03-10 08:52:14")
        let instant = time.instant(in: try #require(TimeZone(identifier: "Asia/Tashkent")))
        #expect(LocalDateTime(instant: instant, offset: 18_000) == time)
        #expect(LocalDateTime(instant: -1, offset: 0).description == "1969-12-31 23:59:59")
        #expect(LocalDateTime(isoText: "2025-02-30 08:52:14") == nil && LocalDateTime(isoText: "2025-03-10 24:00:00") == nil)
    }
}
