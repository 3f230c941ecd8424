import Attendance
import HubCore
import Testing

/// Day shifts: present, late, lunch, absent and the ways a day fails to pair.
@Suite struct DayShiftTests {
    // 2026-07-06 is a Monday.
    @Test func plainPresentDay() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", "08:55:00", .checkIn), try punch(2, "2026-07-06", "18:05:00", .checkOut)])
        #expect(day.status == .present)
        #expect(day.workedMinutes == 550)
        #expect(day.firstIn == (try tashkent("2026-07-06", "08:55:00")))
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:05:00")))
        #expect(day.shiftStart == (try tashkent("2026-07-06", "09:00:00")))
        #expect(day.shiftEnd == (try tashkent("2026-07-06", "18:00:00")))
        #expect(day.windowEnd == (try tashkent("2026-07-06", "20:00:00")))
        #expect(day.punchIDs == [1, 2])
        #expect(day.absenceKind == nil)
        #expect(!day.provisional)
        #expect(day.explanation.first == "shift 09:00–18:00, window 08:00–20:00")
        #expect(explains(day, "pair 08:55:00–18:05:00: 550 min"))
        #expect(explains(day, "present: first entry 08:55:00 not after 09:10:00 (start 09:00 + grace 10 min)"))
    }

    @Test(arguments: [
        ("09:10:00", AttendanceStatus.present, 530),
        ("09:10:01", AttendanceStatus.late, 529),
    ])
    func lateOnlyStrictlyAfterGrace(firstEntry: String, status: AttendanceStatus, minutes: Int) throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", firstEntry, .checkIn), try punch(2, "2026-07-06", "18:00:00", .checkOut)])
        #expect(day.status == status)
        #expect(day.workedMinutes == minutes)
        if status == .late {
            #expect(explains(day, "late: first entry 09:10:01 after 09:10:00 (start 09:00 + grace 10 min)"))
        } else {
            #expect(explains(day, "present: first entry 09:10:00 not after 09:10:00"))
        }
    }

    @Test func lunchExitIsNotWorked() throws {
        let day = try calculateDay(
            "2026-07-07", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-07", "09:00:00", .checkIn),
                try punch(2, "2026-07-07", "13:00:00", .breakOut),
                try punch(3, "2026-07-07", "14:00:00", .breakIn),
                try punch(4, "2026-07-07", "18:00:00", .checkOut),
            ])
        #expect(day.status == .present)
        #expect(day.workedMinutes == 480)
        #expect(day.firstIn == (try tashkent("2026-07-07", "09:00:00")))
        #expect(day.lastOut == (try tashkent("2026-07-07", "18:00:00")))
        #expect(explains(day, "pair 09:00:00–13:00:00: 240 min"))
        #expect(explains(day, "pair 14:00:00–18:00:00: 240 min"))
        #expect(explains(day, "worked: 480 min (28800 s in 2 pairs)"))
    }

    /// Minutes are the floor of the summed seconds, not the sum of floored pairs (30 + 0 would give 30).
    @Test func minutesFloorTheTotalNotEachPair() throws {
        let day = try calculateDay(
            "2026-07-07", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-07", "09:00:00", .checkIn),
                try punch(2, "2026-07-07", "09:30:59", .checkOut),
                try punch(3, "2026-07-07", "10:00:00", .checkIn),
                try punch(4, "2026-07-07", "10:00:59", .checkOut),
            ])
        #expect(day.workedMinutes == 31)
        #expect(explains(day, "pair 09:00:00–09:30:59: 30 min 59 s"))
    }

    @Test func absentWhenNoPunchOnAShiftDay() throws {
        let day = try calculateDay("2026-07-08", shift: try officeShift())
        #expect(day.status == .absent)
        #expect(day.workedMinutes == 0)
        #expect(day.firstIn == nil && day.lastOut == nil)
        #expect(day.punchIDs.isEmpty)
        #expect(day.shiftStart == (try tashkent("2026-07-08", "09:00:00")))
        #expect(explains(day, "absent: no punch in the window"))
    }

    @Test func onlyAnExitIsIncomplete() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(), punches: [try punch(1, "2026-07-06", "18:02:00", .checkOut)])
        #expect(day.status == .incomplete)
        #expect(day.workedMinutes == 0)
        #expect(day.firstIn == nil)
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:02:00")))
        #expect(explains(day, "incomplete: starts with an exit at 18:02:00"))
    }

    @Test func forgottenOutPunchIsNeverClosed() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(), punches: [try punch(1, "2026-07-06", "08:55:02", .checkIn)])
        #expect(day.status == .incomplete)
        #expect(day.workedMinutes == 0)
        #expect(day.firstIn == (try tashkent("2026-07-06", "08:55:02")))
        #expect(day.lastOut == nil)
        #expect(explains(day, "incomplete: ends with an entry at 08:55:02 (no exit after it)"))
    }

    @Test func entryEntryExitOutsideCollapseIsIncomplete() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "09:05:00", .checkIn),
                try punch(3, "2026-07-06", "18:00:00", .checkOut),
            ])
        #expect(day.status == .incomplete)
        #expect(day.workedMinutes == 0)
        #expect(day.firstIn == (try tashkent("2026-07-06", "09:00:00")))
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:00:00")))
        #expect(explains(day, "incomplete: two entries in a row at 09:00:00 and 09:05:00"))
        #expect(!explains(day, "collapsed"))
    }

    @Test func exitExitIsIncomplete() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "13:00:00", .breakOut),
                try punch(3, "2026-07-06", "18:00:00", .checkOut),
            ])
        #expect(day.status == .incomplete)
        #expect(day.workedMinutes == 0)
        #expect(explains(day, "incomplete: two exits in a row at 13:00:00 and 18:00:00"))
    }

    @Test func windowIsInclusiveAtBothEnds() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", "08:00:00", .checkIn), try punch(2, "2026-07-06", "20:00:00", .checkOut)])
        #expect(day.status == .present)
        #expect(day.workedMinutes == 720)
        #expect(day.punchIDs == [1, 2])
    }

    @Test func punchOutsideTheWindowIsMentionedNotCounted() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", "07:59:59", .checkIn), try punch(2, "2026-07-06", "20:00:01", .checkOut)])
        #expect(day.status == .absent)
        #expect(day.punchIDs.isEmpty)
        #expect(explains(day, "not counted: punch #1 07:59:59 in zkteco:1 belongs to no shift"))
        #expect(explains(day, "not counted: punch #2 20:00:01 out zkteco:1 belongs to no shift"))
    }
}
