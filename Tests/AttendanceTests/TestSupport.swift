import Attendance
import Foundation
import HubCore
import Testing

/// The person every test calculates for.
let person = "1001"

/// A high-water mark far in the future, so rows are final unless a test is about provisionality.
let everythingHeard: [String: Int64] = ["zkteco:1": 4_000_000_000]

func zone(_ identifier: String) throws -> TimeZone {
    try #require(TimeZone(identifier: identifier))
}

func date(_ iso: String) throws -> CalendarDate {
    try #require(CalendarDate(isoDate: iso))
}

func dates(_ first: String, _ last: String) throws -> ClosedRange<CalendarDate> {
    try date(first)...date(last)
}

/// Seconds past midnight of `HH:MM:SS`.
func secondsOfDay(_ time: String) throws -> Int64 {
    let parts = time.split(separator: ":").compactMap { Int64($0) }
    try #require(parts.count == 3)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]
}

/// A wall time at a fixed UTC offset, computed without the engine or Foundation: the expected instants in the
/// tests must not come from the code under test.
func instant(_ isoDate: String, _ time: String, offsetHours: Int64) throws -> Int64 {
    Int64(try date(isoDate).dayNumber) * 86_400 + (try secondsOfDay(time)) - offsetHours * 3600
}

/// Tashkent is UTC+5 all year.
func tashkent(_ isoDate: String, _ time: String) throws -> Int64 {
    try instant(isoDate, time, offsetHours: 5)
}

func punch(
    _ id: Int64, _ isoDate: String, _ time: String, _ direction: PunchDirection, device: String = "zkteco:1",
    personnelNumber: String = person
) throws -> AttendancePunch {
    AttendancePunch(
        id: id, personnelNumber: personnelNumber, at: try tashkent(isoDate, time), direction: direction, device: device)
}

/// The usual office shift unless a test says otherwise: Mon-Fri 09:00–18:00, grace 10, window 08:00–20:00.
func officeShift(
    start: String = "09:00", end: String = "18:00", workdays: String = "Mon-Fri", grace: Int = 10,
    before: Int = 60, after: Int = 120, personnelNumber: String = person
) throws -> WorkShift {
    let startMinute = try #require(WorkShift.parseClock(start))
    let endMinute = try #require(WorkShift.parseClock(end))
    let days = try #require(WorkShift.parseWorkdays(workdays))
    return try #require(WorkShift(
        personnelNumber: personnelNumber, startMinute: startMinute, endMinute: endMinute, workdays: days,
        lateGraceMinutes: grace, windowBeforeMinutes: before, windowAfterMinutes: after))
}

/// A 22:00–06:00 shift every day, window 21:00–07:00.
func nightShift(before: Int = 60, after: Int = 60, workdays: String = "Mon-Sun") throws -> WorkShift {
    try officeShift(start: "22:00", end: "06:00", workdays: workdays, before: before, after: after)
}

func calculate(
    _ range: ClosedRange<CalendarDate>, shift: WorkShift?, punches: [AttendancePunch] = [],
    absences: [AbsenceSpan] = [], employment: EmploymentSpan = EmploymentSpan(), zoneName: String = "Asia/Tashkent",
    rules: AttendanceRules = AttendanceRules(), highWater: [String: Int64] = everythingHeard
) throws -> [AttendanceDay] {
    AttendanceCalculator.days(
        for: person, dates: range, shift: shift, absences: absences, employment: employment, punches: punches,
        zone: try zone(zoneName), rules: rules, deviceHighWater: highWater)
}

/// The single row for one date.
func calculateDay(
    _ isoDate: String, shift: WorkShift?, punches: [AttendancePunch] = [], absences: [AbsenceSpan] = [],
    zoneName: String = "Asia/Tashkent", rules: AttendanceRules = AttendanceRules(),
    highWater: [String: Int64] = everythingHeard
) throws -> AttendanceDay {
    let rows = try calculate(
        try dates(isoDate, isoDate), shift: shift, punches: punches, absences: absences, zoneName: zoneName,
        rules: rules, highWater: highWater)
    try #require(rows.count == 1)
    return rows[0]
}

/// Whether some explanation line contains the fragment; reported with the lines so a failure shows what was said.
func explains(_ day: AttendanceDay, _ fragment: String) -> Bool {
    day.explanation.contains { $0.contains(fragment) }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seedable generator, since the system one cannot be seeded.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
