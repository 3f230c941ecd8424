import Attendance
import HubCore
import Testing

/// The text forms read from `mappings/attendance.yaml` and the command line, and the validated value types.
@Suite struct ParsingTests {
    @Test(arguments: [
        ("Mon-Fri", Set([1, 2, 3, 4, 5])),
        ("mon,wed,fri", Set([1, 3, 5])),
        ("Mon,Wed,Fri", Set([1, 3, 5])),
        ("Sat-Mon", Set([6, 7, 1])),
        ("Fri-Tue", Set([5, 6, 7, 1, 2])),
        ("Mon-Wed,Fri", Set([1, 2, 3, 5])),
        ("SUN", Set([7])),
        ("Mon-Sun", Set(1...7)),
        ("Sun-Sat", Set(1...7)),
        ("Mon, Wed - Thu", Set([1, 3, 4])),
        ("Mon-Fri,Wed", Set([1, 2, 3, 4, 5])),
    ] as [(String, Set<Int>)])
    func validWorkdays(text: String, expected: Set<Int>) {
        #expect(WorkShift.parseWorkdays(text) == expected)
    }

    @Test(arguments: [
        "", " ", "Mon-", "-Fri", "Mon,,Fri", "Mon,", ",Mon", "Monday", "Mo", "Mon-Tue-Wed", "Mon-Mon", "Mon;Fri",
        "1-5", "Пн-Пт", "Mon Fri", "Mon–Fri",
    ])
    func invalidWorkdays(text: String) {
        #expect(WorkShift.parseWorkdays(text) == nil)
    }

    @Test(arguments: [("00:00", 0), ("09:05", 545), ("18:00", 1080), ("23:59", 1439)])
    func validClock(text: String, minutes: Int) {
        #expect(WorkShift.parseClock(text) == minutes)
    }

    @Test(arguments: [
        "24:00", "9:00", "09:60", "0900", "09:00:00", " 09:00", "09:00 ", "09-00", "", "ab:cd", "+9:00", "-1:00",
        "１２:00",
    ])
    func invalidClock(text: String) {
        #expect(WorkShift.parseClock(text) == nil)
    }

    @Test(arguments: [
        ("2026-07", "2026-07-01", "2026-07-31"),
        ("2026-02", "2026-02-01", "2026-02-28"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2000-02", "2000-02-01", "2000-02-29"),
        ("1900-02", "1900-02-01", "1900-02-28"),
        ("2026-04", "2026-04-01", "2026-04-30"),
        ("2026-12", "2026-12-01", "2026-12-31"),
    ])
    func monthDates(text: String, first: String, last: String) throws {
        let range = try #require(AttendanceMonth.dates(ofMonth: text))
        #expect(range.lowerBound.iso == first)
        #expect(range.upperBound.iso == last)
    }

    @Test(arguments: ["2026-13", "2026-00", "2026-7", "26-07", "2026/07", "2026-07-01", "", "0000-01", "abcd-07", " 2026-07"])
    func invalidMonths(text: String) {
        #expect(AttendanceMonth.dates(ofMonth: text) == nil)
    }

    @Test func shiftValidation() {
        func shift(start: Int = 540, end: Int = 1080, workdays: Set<Int> = [1], grace: Int = 0, before: Int = 0,
                   after: Int = 0) -> WorkShift? {
            WorkShift(
                personnelNumber: person, startMinute: start, endMinute: end, workdays: workdays, lateGraceMinutes: grace,
                windowBeforeMinutes: before, windowAfterMinutes: after)
        }
        #expect(shift() != nil)
        #expect(shift(start: 0, end: 1439, workdays: [], grace: 1440, before: 1440, after: 1440) != nil)
        #expect(shift(start: 1440) == nil)
        #expect(shift(start: -1) == nil)
        #expect(shift(end: 1440) == nil)
        #expect(shift(workdays: [0]) == nil)
        #expect(shift(workdays: [8]) == nil)
        #expect(shift(grace: -1) == nil)
        #expect(shift(before: 1441) == nil)
        #expect(shift(after: -5) == nil)
    }

    @Test(arguments: [("09:00", "18:00", 540), ("22:00", "06:00", 480), ("09:00", "09:00", 1440), ("00:00", "23:59", 1439)])
    func shiftDuration(start: String, end: String, minutes: Int) throws {
        #expect(try officeShift(start: start, end: end).durationMinutes == minutes)
    }

    @Test(arguments: PunchDirection.allCases)
    func directionKinds(direction: PunchDirection) {
        switch direction {
        case .checkIn, .breakIn, .overtimeIn: #expect(direction.kind == .entry)
        case .checkOut, .breakOut, .overtimeOut: #expect(direction.kind == .exit)
        case .unknown: #expect(direction.kind == nil)
        }
        #expect(PunchDirection(rawValue: direction.rawValue) == direction)
    }

    @Test func directionRawValues() {
        #expect(PunchDirection.allCases.map(\.rawValue) == ["in", "out", "break_out", "break_in", "ot_in", "ot_out", "unknown"])
        #expect(AttendanceStatus.allCases.map(\.rawValue) == ["present", "late", "incomplete", "absent", "leave", "weekend"])
    }
}
