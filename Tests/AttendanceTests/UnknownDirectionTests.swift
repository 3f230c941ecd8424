import Attendance
import HubCore
import Testing

/// Punches without a direction under both policies.
@Suite struct UnknownDirectionTests {
    @Test func alternatePairsThemUp() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .unknown, device: "skud:Турникет 1"),
                try punch(2, "2026-07-06", "13:00:00", .unknown, device: "skud:Турникет 1"),
                try punch(3, "2026-07-06", "14:00:00", .unknown, device: "skud:Турникет 1"),
                try punch(4, "2026-07-06", "18:00:00", .unknown, device: "skud:Турникет 1"),
            ],
            rules: AttendanceRules(unknownDirection: .alternate))
        #expect(day.status == .present)
        #expect(day.workedMinutes == 480)
        #expect(day.firstIn == (try tashkent("2026-07-06", "09:00:00")))
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:00:00")))
        #expect(explains(day, "punch #1 09:00:00 unknown skud:Турникет 1 — taken as entry (unknown_direction: alternate)"))
        #expect(explains(day, "punch #2 13:00:00 unknown skud:Турникет 1 — taken as exit (unknown_direction: alternate)"))
    }

    /// The unknown punch is read against the previous *kept* punch: after a collapsed entry run it is an exit.
    @Test func alternateFollowsTheKeptPunch() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "09:00:30", .checkIn),
                try punch(3, "2026-07-06", "18:00:00", .unknown),
            ])
        #expect(day.status == .present)
        #expect(day.workedMinutes == 540)
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:00:00")))
    }

    @Test func alternateWithAnOddCountEndsOnAnEntry() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .unknown),
                try punch(2, "2026-07-06", "13:00:00", .unknown),
                try punch(3, "2026-07-06", "14:00:00", .unknown),
            ])
        #expect(day.status == .incomplete)
        #expect(day.workedMinutes == 0)
        #expect(day.lastOut == (try tashkent("2026-07-06", "13:00:00")))
        #expect(explains(day, "incomplete: ends with an entry at 14:00:00 (no exit after it)"))
    }

    @Test func incompletePolicyMarksTheDay() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "13:00:00", .unknown),
                try punch(3, "2026-07-06", "18:00:00", .checkOut),
            ],
            rules: AttendanceRules(unknownDirection: .incomplete))
        #expect(day.status == .incomplete)
        #expect(day.workedMinutes == 0)
        #expect(day.firstIn == (try tashkent("2026-07-06", "09:00:00")))
        #expect(day.lastOut == (try tashkent("2026-07-06", "18:00:00")))
        #expect(day.punchIDs == [1, 2, 3])
        #expect(explains(day, "incomplete: punch #2 at 13:00:00 has an unknown direction (unknown_direction: incomplete)"))
    }

    @Test func incompletePolicyWithOnlyUnknownPunches() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", "09:00:00", .unknown), try punch(2, "2026-07-06", "18:00:00", .unknown)],
            rules: AttendanceRules(unknownDirection: .incomplete))
        #expect(day.status == .incomplete)
        #expect(day.firstIn == nil && day.lastOut == nil)
    }
}
