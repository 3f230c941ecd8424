import Attendance
import HubCore
import Testing

/// Duplicate punches across and within devices: which collapse, which is kept, and the 60 s edge.
@Suite struct CollapseTests {
    @Test func turnstileAndTerminalThreeSecondsApartAreOneEntry() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "08:58:00", .checkIn, device: "skud:Турникет 1"),
                try punch(2, "2026-07-06", "08:58:03", .checkIn, device: "zkteco:3"),
                try punch(3, "2026-07-06", "18:00:00", .checkOut, device: "zkteco:3"),
            ])
        #expect(day.status == .present)
        #expect(day.workedMinutes == 542)
        #expect(day.firstIn == (try tashkent("2026-07-06", "08:58:00")))
        #expect(day.punchIDs == [1, 2, 3])
        #expect(explains(day, "punch #1 08:58:00 in skud:Турникет 1"))
        #expect(explains(day, "punch #2 08:58:03 in zkteco:3 — collapsed into #1"))
    }

    @Test(arguments: [
        ("09:01:00", AttendanceStatus.present, 540),
        ("09:01:01", AttendanceStatus.incomplete, 0),
    ])
    func entriesCollapseUpToExactlySixtySeconds(second: String, status: AttendanceStatus, minutes: Int) throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", second, .checkIn),
                try punch(3, "2026-07-06", "18:00:00", .checkOut),
            ])
        #expect(day.status == status)
        #expect(day.workedMinutes == minutes)
        #expect(day.firstIn == (try tashkent("2026-07-06", "09:00:00")))
        if status == .incomplete {
            #expect(explains(day, "incomplete: two entries in a row at 09:00:00 and 09:01:01"))
        } else {
            #expect(explains(day, "collapsed into #1"))
        }
    }

    @Test func exitsKeepTheLast() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "18:00:00", .checkOut, device: "skud:Турникет 1"),
                try punch(3, "2026-07-06", "18:00:40", .checkOut),
            ])
        #expect(day.status == .present)
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:00:40")))
        #expect(day.workedMinutes == 540)
        #expect(explains(day, "punch #2 18:00:00 out skud:Турникет 1 — collapsed into #3"))
        #expect(explains(day, "pair 09:00:00–18:00:40: 540 min 40 s"))
    }

    /// Each punch is compared with the previous one of its run, so a chain spanning more than 60 s is one punch.
    @Test func chainOfCloseDuplicatesIsOneRun() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "09:00:50", .breakIn),
                try punch(3, "2026-07-06", "09:01:40", .overtimeIn),
                try punch(4, "2026-07-06", "18:00:00", .checkOut),
            ])
        #expect(day.status == .present)
        #expect(day.firstIn == (try tashkent("2026-07-06", "09:00:00")))
        #expect(day.workedMinutes == 540)
    }

    /// Same instant on two devices: ties are broken by id whatever order the input has.
    @Test func simultaneousPunchesAreOrderedById() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(9, "2026-07-06", "18:00:00", .checkOut),
                try punch(7, "2026-07-06", "09:00:00", .checkIn, device: "zkteco:2"),
                try punch(5, "2026-07-06", "09:00:00", .checkIn),
            ])
        #expect(day.punchIDs == [5, 7, 9])
        #expect(explains(day, "punch #7 09:00:00 in zkteco:2 — collapsed into #5"))
        #expect(day.status == .present)
    }

    @Test func aDifferentKindBreaksARun() throws {
        // in, out 10 s later, in 10 s after that: nothing collapses, and the short pair counts as what it is.
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "09:00:10", .checkOut),
                try punch(3, "2026-07-06", "09:00:20", .checkIn),
                try punch(4, "2026-07-06", "18:00:20", .checkOut),
            ])
        #expect(day.status == .present)
        #expect(day.workedMinutes == 540)
        #expect(!explains(day, "collapsed"))
    }

    @Test func collapseSecondsIsARule() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "09:00:03", .checkIn),
                try punch(3, "2026-07-06", "18:00:00", .checkOut),
            ],
            rules: AttendanceRules(collapseSeconds: 0))
        #expect(day.status == .incomplete)
        #expect(explains(day, "two entries in a row at 09:00:00 and 09:00:03"))
    }
}
