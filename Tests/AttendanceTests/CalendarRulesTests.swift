import Attendance
import HubCore
import Testing

/// Leave, weekends, employment and whose data counts.
@Suite struct CalendarRulesTests {
    @Test func leaveWinsOverWeekend() throws {
        let vacation = AbsenceSpan(
            personnelNumber: person, from: try date("2026-07-06"), to: try date("2026-07-17"), kind: "vacation")
        let rows = try calculate(
            try dates("2026-07-05", "2026-07-18"), shift: try officeShift(), absences: [vacation], highWater: [:])
        #expect(rows.count == 14)
        #expect(rows.first?.status == .weekend)
        #expect(rows.last?.status == .weekend)
        let leave = rows.dropFirst().dropLast()
        #expect(leave.allSatisfy { $0.status == .leave && $0.absenceKind == "vacation" && $0.workedMinutes == 0 })
        #expect(leave.allSatisfy { !$0.provisional })
        let saturday = try #require(rows.first { $0.workDate.iso == "2026-07-11" })
        #expect(saturday.status == .leave)
        #expect(saturday.explanation == ["leave: vacation 2026-07-06…2026-07-17"])
        let sunday = try #require(rows.first { $0.workDate.iso == "2026-07-12" })
        #expect(sunday.status == .leave)
    }

    @Test func punchesDuringLeaveAreShownNotCounted() throws {
        let sick = AbsenceSpan(
            personnelNumber: person, from: try date("2026-07-06"), to: try date("2026-07-06"), kind: "sick_leave")
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [try punch(1, "2026-07-06", "09:00:00", .checkIn), try punch(2, "2026-07-06", "12:00:00", .checkOut)],
            absences: [sick])
        #expect(day.status == .leave)
        #expect(day.absenceKind == "sick_leave")
        #expect(day.workedMinutes == 0)
        #expect(day.firstIn == nil && day.lastOut == nil)
        #expect(day.punchIDs == [1, 2])
        #expect(explains(day, "not counted (leave): punch #1 09:00:00 in zkteco:1"))
    }

    @Test func noRowsOutsideEmployment() throws {
        let employment = EmploymentSpan(hiredOn: try date("2026-07-08"), dismissedOn: try date("2026-07-24"))
        let rows = try calculate(
            try #require(AttendanceMonth.dates(ofMonth: "2026-07")), shift: try officeShift(),
            punches: [
                // Worked before the hire date on paper: those days have no rows at all.
                try punch(1, "2026-07-07", "09:00:00", .checkIn), try punch(2, "2026-07-07", "18:00:00", .checkOut),
                try punch(3, "2026-07-24", "09:00:00", .checkIn), try punch(4, "2026-07-24", "18:00:00", .checkOut),
            ],
            employment: employment)
        #expect(rows.count == 17)
        #expect(rows.first?.workDate.iso == "2026-07-08")
        #expect(rows.last?.workDate.iso == "2026-07-24")
        #expect(rows.last?.status == .present)
        let employed = try date("2026-07-08").dayNumber...date("2026-07-24").dayNumber
        #expect(rows.map(\.workDate.dayNumber) == Array(employed))
    }

    @Test func weekendWithStrayPunches() throws {
        let day = try calculateDay(
            "2026-07-05", shift: try officeShift(),
            punches: [try punch(1, "2026-07-05", "10:00:00", .checkIn), try punch(2, "2026-07-05", "14:00:00", .checkOut)])
        #expect(day.status == .weekend)
        #expect(day.workedMinutes == 0)
        #expect(day.punchIDs.isEmpty)
        #expect(day.firstIn == nil && day.lastOut == nil)
        #expect(day.shiftStart == nil && day.windowEnd == nil)
        #expect(day.explanation.first == "weekend: the shift Mon-Fri 09:00–18:00 does not start on Sunday")
        #expect(explains(day, "not counted: punch #1 10:00:00 in zkteco:1 belongs to no shift"))
        #expect(explains(day, "not counted: punch #2 14:00:00 out zkteco:1 belongs to no shift"))
    }

    @Test(arguments: [
        ("Sat-Mon", "2026-07-08", "weekend: the shift Sat-Mon 09:00–18:00 does not start on Wednesday"),
        ("Mon,Wed,Fri", "2026-07-07", "weekend: the shift Mon,Wed,Fri 09:00–18:00 does not start on Tuesday"),
        ("Mon-Wed,Fri", "2026-07-09", "weekend: the shift Mon-Wed,Fri 09:00–18:00 does not start on Thursday"),
    ])
    func weekendNamesTheWorkdays(workdays: String, isoDate: String, line: String) throws {
        let day = try calculateDay(isoDate, shift: try officeShift(workdays: workdays))
        #expect(day.status == .weekend)
        #expect(day.explanation.first == line)
    }

    @Test func noShiftIsWeekend() throws {
        let day = try calculateDay(
            "2026-07-06", shift: nil, punches: [try punch(1, "2026-07-06", "09:00:00", .checkIn)])
        #expect(day.status == .weekend)
        #expect(day.explanation.first == "weekend: no shift is assigned")
        #expect(explains(day, "not counted: punch #1 09:00:00 in zkteco:1 belongs to no shift"))
    }

    @Test func anotherPersonsShiftIsNotUsed() throws {
        let day = try calculateDay("2026-07-06", shift: try officeShift(personnelNumber: "2002"))
        #expect(day.status == .weekend)
        #expect(day.explanation.first == "weekend: the shift given is for 2002, not 1001")
    }

    @Test func anotherPersonsPunchesAndAbsencesAreIgnored() throws {
        let theirVacation = AbsenceSpan(
            personnelNumber: "2002", from: try date("2026-07-06"), to: try date("2026-07-06"), kind: "vacation")
        let day = try calculateDay(
            "2026-07-06", shift: try officeShift(),
            punches: [
                try punch(1, "2026-07-06", "09:00:00", .checkIn),
                try punch(2, "2026-07-06", "12:00:00", .checkOut, personnelNumber: "2002"),
                try punch(3, "2026-07-06", "18:00:00", .checkOut),
            ],
            absences: [theirVacation])
        #expect(day.status == .present)
        #expect(day.punchIDs == [1, 3])
        #expect(day.workedMinutes == 540)
    }

    @Test func rowsComeInDateOrderWhateverTheInputOrder() throws {
        let forward = try [
            punch(1, "2026-07-06", "09:00:00", .checkIn), punch(2, "2026-07-06", "18:00:00", .checkOut),
            punch(3, "2026-07-07", "09:30:00", .checkIn), punch(4, "2026-07-07", "18:00:00", .checkOut),
        ]
        let range = try dates("2026-07-05", "2026-07-08")
        let rows = try calculate(range, shift: try officeShift(), punches: forward)
        let reversed = try calculate(range, shift: try officeShift(), punches: forward.reversed())
        #expect(rows == reversed)
        #expect(rows.map(\.status) == [.weekend, .present, .late, .absent])
    }
}
