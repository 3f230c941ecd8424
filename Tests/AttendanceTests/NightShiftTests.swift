import Attendance
import HubCore
import Testing

/// Night shifts belong to the date they start, across midnight, month ends and range edges.
@Suite struct NightShiftTests {
    @Test func acrossMidnightBelongsToTheStartDate() throws {
        let rows = try calculate(
            try dates("2026-07-06", "2026-07-07"), shift: try nightShift(),
            punches: [try punch(1, "2026-07-06", "21:55:00", .checkIn), try punch(2, "2026-07-07", "06:03:00", .checkOut)])
        #expect(rows.map(\.workDate.iso) == ["2026-07-06", "2026-07-07"])
        let night = rows[0]
        #expect(night.status == .present)
        #expect(night.workedMinutes == 488)
        #expect(night.firstIn == (try tashkent("2026-07-06", "21:55:00")))
        #expect(night.lastOut == (try tashkent("2026-07-07", "06:03:00")))
        #expect(night.shiftStart == (try tashkent("2026-07-06", "22:00:00")))
        #expect(night.shiftEnd == (try tashkent("2026-07-07", "06:00:00")))
        #expect(night.windowEnd == (try tashkent("2026-07-07", "07:00:00")))
        #expect(night.explanation.first == "shift 22:00–06:00 (+1 day), window 21:00–07:00 (+1 day)")
        #expect(explains(night, "pair 21:55:00–06:03:00 (+1 day): 488 min"))
        #expect(rows[1].status == .absent)
        #expect(rows[1].punchIDs.isEmpty)
    }

    @Test func shiftOnTheLastDayOfTheMonthKeepsItsMorningPunches() throws {
        let punches = [
            try punch(1, "2026-07-31", "21:58:00", .checkIn),
            try punch(2, "2026-08-01", "06:02:00", .checkOut),
        ]
        let july = try calculate(try #require(AttendanceMonth.dates(ofMonth: "2026-07")), shift: try nightShift(), punches: punches)
        #expect(july.count == 31)
        let last = try #require(july.last)
        #expect(last.workDate.iso == "2026-07-31")
        #expect(last.status == .present)
        #expect(last.workedMinutes == 484)
        #expect(last.lastOut == (try tashkent("2026-08-01", "06:02:00")))
        #expect(last.punchIDs == [1, 2])

        let august = try calculate(try #require(AttendanceMonth.dates(ofMonth: "2026-08")), shift: try nightShift(), punches: punches)
        let first = try #require(august.first)
        #expect(first.workDate.iso == "2026-08-01")
        #expect(first.status == .absent)
        #expect(first.punchIDs.isEmpty)
        // The 06:02 punch belongs to July's shift, so it is not a stray of August 1st either.
        #expect(!explains(first, "not counted"))
    }

    @Test func shiftStartingTheDayBeforeTheRangeDoesNotLeakIntoIt() throws {
        let margin = [
            try punch(1, "2026-06-30", "22:00:00", .checkIn),
            try punch(2, "2026-07-01", "06:00:00", .checkOut),
        ]
        let july = try #require(AttendanceMonth.dates(ofMonth: "2026-07"))
        let alone = try calculate(july, shift: try nightShift(), punches: margin)
        #expect(alone.first?.workDate.iso == "2026-07-01")
        #expect(alone.first?.status == .absent)
        #expect(alone.first?.punchIDs == [])

        let withOwn = try calculate(
            july, shift: try nightShift(),
            punches: margin + [
                try punch(3, "2026-07-01", "22:05:00", .checkIn),
                try punch(4, "2026-07-02", "06:00:00", .checkOut),
            ])
        let first = try #require(withOwn.first)
        #expect(first.status == .present)
        #expect(first.firstIn == (try tashkent("2026-07-01", "22:05:00")))
        #expect(first.workedMinutes == 475)
        #expect(first.punchIDs == [3, 4])
    }

    /// The ERPNext bug: a 06:05 checkout lying in both the night shift's window and the next instance's window must
    /// close the night shift (whose start is nearer), not open the next day.
    @Test func checkoutInTwoWindowsGoesToTheNearerStart() throws {
        // Windows 16 h before and 2 h after: Monday's runs to Tue 08:00, Tuesday's opens Tue 06:00.
        let shift = try nightShift(before: 960, after: 120)
        let rows = try calculate(
            try dates("2026-07-06", "2026-07-07"), shift: shift,
            punches: [
                try punch(1, "2026-07-06", "22:00:00", .checkIn),
                try punch(2, "2026-07-07", "06:05:00", .checkOut),
                try punch(3, "2026-07-07", "21:58:00", .checkIn),
                try punch(4, "2026-07-08", "06:01:00", .checkOut),
            ])
        #expect(rows[0].status == .present)
        #expect(rows[0].punchIDs == [1, 2])
        #expect(rows[0].workedMinutes == 485)
        #expect(rows[1].status == .present)
        #expect(rows[1].punchIDs == [3, 4])
        #expect(rows[1].workedMinutes == 483)
    }

    @Test func equidistantPunchGoesToTheEarlierInstance() throws {
        // 08:00–20:00 every day with 12 h windows: Monday 20:00 is in Monday's and Tuesday's windows and exactly
        // 12 h from both starts.
        let shift = try officeShift(start: "08:00", end: "20:00", workdays: "Mon-Sun", before: 720, after: 720)
        let rows = try calculate(
            try dates("2026-07-06", "2026-07-07"), shift: shift,
            punches: [try punch(1, "2026-07-06", "20:00:00", .checkOut)])
        #expect(rows[0].punchIDs == [1])
        #expect(rows[1].punchIDs == [])
    }

    @Test func morningAfterANightShiftOnAnOffDayIsNotAStray() throws {
        // Monday-only night shift; Tuesday is off, and its 06:05 punch still closes Monday.
        let rows = try calculate(
            try dates("2026-07-06", "2026-07-07"), shift: try nightShift(after: 120, workdays: "Mon"),
            punches: [try punch(1, "2026-07-06", "22:00:00", .checkIn), try punch(2, "2026-07-07", "06:05:00", .checkOut)])
        #expect(rows[0].status == .present)
        #expect(rows[0].workedMinutes == 485)
        #expect(rows[1].status == .weekend)
        #expect(!explains(rows[1], "not counted"))
        #expect(explains(rows[1], "weekend: the shift Mon 22:00–06:00 (+1 day) does not start on Tuesday"))
    }
}
