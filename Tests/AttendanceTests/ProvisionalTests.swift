import Attendance
import HubCore
import Testing

/// Provisional versus final rows, by the devices' high-water marks.
@Suite struct ProvisionalTests {
    private func workedMonday(highWater: [String: Int64]) throws -> AttendanceDay {
        try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", "09:00:00", .checkIn), try punch(2, "2026-07-06", "18:00:00", .checkOut)],
            highWater: highWater)
    }

    // The window ends at 20:00:00 inclusive.
    @Test(arguments: [("20:00:00", false), ("19:59:59", true), ("23:00:00", false)])
    func windowEndAgainstTheMark(mark: String, provisional: Bool) throws {
        let day = try workedMonday(highWater: ["zkteco:1": try tashkent("2026-07-06", mark)])
        #expect(day.provisional == provisional)
        #expect(day.status == .present)
        #expect(day.workedMinutes == 540)
        #expect(explains(day, "provisional: device zkteco:1 has sent punches only up to 2026-07-06 \(mark)") == provisional)
    }

    @Test func theLowestMarkDecides() throws {
        let day = try workedMonday(highWater: [
            "zkteco:1": try tashkent("2026-07-07", "08:00:00"),
            "skud:Турникет 1": try tashkent("2026-07-06", "17:00:00"),
        ])
        #expect(day.provisional)
        #expect(explains(day, "provisional: device skud:Турникет 1 has sent punches only up to 2026-07-06 17:00:00"))
        #expect(!explains(day, "device zkteco:1"))
    }

    @Test func nothingHeardYetIsProvisionalButStillComputed() throws {
        let day = try workedMonday(highWater: [:])
        #expect(day.provisional)
        #expect(day.status == .present)
        #expect(day.workedMinutes == 540)
        #expect(explains(day, "provisional: no device has sent punches yet"))
    }

    @Test func absentDayIsProvisionalUntilItsWindowIsHeard() throws {
        let early = try calculateDay(
            "2026-07-08", shift: try officeShift(), highWater: ["zkteco:1": try tashkent("2026-07-08", "12:00:00")])
        #expect(early.status == .absent)
        #expect(early.provisional)
        let late = try calculateDay(
            "2026-07-08", shift: try officeShift(), highWater: ["zkteco:1": try tashkent("2026-07-08", "20:00:00")])
        #expect(!late.provisional)
    }

    // A day without a shift instance waits for the end of its local calendar day (23:59:59).
    @Test(arguments: [("23:59:59", false), ("23:59:58", true)])
    func weekendWaitsForTheEndOfTheDay(mark: String, provisional: Bool) throws {
        let day = try calculateDay(
            "2026-07-05", shift: try officeShift(), highWater: ["zkteco:1": try tashkent("2026-07-05", mark)])
        #expect(day.status == .weekend)
        #expect(day.provisional == provisional)
    }

    @Test func nightShiftWaitsForTheNextMorning() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try nightShift(),
            punches: [try punch(1, "2026-07-06", "22:00:00", .checkIn)],
            highWater: ["zkteco:1": try tashkent("2026-07-06", "23:30:00")])
        #expect(day.status == .incomplete)
        #expect(day.provisional)
        #expect(day.windowEnd == (try tashkent("2026-07-07", "07:00:00")))
    }

    @Test func leaveIsNeverProvisional() throws {
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            absences: [AbsenceSpan(
                personnelNumber: person, from: try date("2026-07-01"), to: try date("2026-07-31"),
                kind: "business_trip")],
            highWater: [:])
        #expect(day.status == .leave)
        #expect(!day.provisional)
        #expect(day.absenceKind == "business_trip")
    }
}
