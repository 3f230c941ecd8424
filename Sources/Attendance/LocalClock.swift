import Foundation
import HubCore

/// Converts between UTC instants (seconds since 1970) and local wall time in one zone, and formats local times.
///
/// Foundation is used only to ask the zone its offset at an instant; all date arithmetic is on day numbers and seconds.
/// Instants are clamped to years 0001–9999 before conversion so that absurd input cannot overflow.
struct LocalClock: Sendable {
    let zone: TimeZone

    static let secondsPerDay: Int64 = 86_400
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range `CalendarDate` can name.
    static let supportedInstants: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// The zone's UTC offset in seconds at the instant.
    func offset(at instant: Int64) -> Int64 {
        let clamped = min(max(instant, Self.supportedInstants.lowerBound), Self.supportedInstants.upperBound)
        return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(clamped))))
    }

    /// The instant of local day `dayNumber` at `minute` minutes past local midnight.
    ///
    /// Two-step: take the offsets in force a day before and a day after (no zone changes offset twice within two days),
    /// and keep an offset only if re-checking it at the instant it yields gives the same offset back. When both
    /// survive the wall time is ambiguous and the earlier offset wins (the first occurrence); when neither does the
    /// wall time is skipped and the earlier offset is still used, so 02:30 inside a 02:00→03:00 jump becomes 03:30
    /// (the same instant a clock that did not jump would show). In zones without transitions both checks pass at once.
    func instant(localDay dayNumber: Int, minute: Int) -> (instant: Int64, resolution: LocalTimeResolution) {
        let wallSeconds = Int64(dayNumber) * Self.secondsPerDay + Int64(minute) * 60
        let offsetBefore = offset(at: wallSeconds - Self.secondsPerDay)
        let offsetAfter = offset(at: wallSeconds + Self.secondsPerDay)
        let beforeHolds = offset(at: wallSeconds - offsetBefore) == offsetBefore
        let afterHolds = offset(at: wallSeconds - offsetAfter) == offsetAfter
        switch (beforeHolds, afterHolds) {
        case (true, true) where offsetBefore == offsetAfter:
            return (wallSeconds - offsetBefore, .exact)
        case (true, true):
            return (wallSeconds - offsetBefore, .ambiguous(offsetBefore: offsetBefore, offsetAfter: offsetAfter))
        case (true, false):
            return (wallSeconds - offsetBefore, .exact)
        case (false, true):
            return (wallSeconds - offsetAfter, .exact)
        case (false, false):
            return (wallSeconds - offsetBefore, .nonexistent(offsetBefore: offsetBefore, offsetAfter: offsetAfter))
        }
    }

    /// Local wall seconds since 1970-01-01T00:00 local.
    func wallSeconds(of instant: Int64) -> Int64 {
        let clamped = min(max(instant, Self.supportedInstants.lowerBound), Self.supportedInstants.upperBound)
        return clamped + offset(at: clamped)
    }

    /// The local calendar day (days since 1970-01-01) the instant falls on.
    func localDay(of instant: Int64) -> Int {
        Int(Self.floorDivide(wallSeconds(of: instant), Self.secondsPerDay))
    }

    /// The first instant of local day `dayNumber`, and the last one (the second before the next day starts).
    func bounds(ofLocalDay dayNumber: Int) -> ClosedRange<Int64> {
        let start = instant(localDay: dayNumber, minute: 0).instant
        let next = instant(localDay: dayNumber + 1, minute: 0).instant
        return start...max(start, next - 1)
    }

    /// `HH:MM:SS` in local time.
    func timeText(_ instant: Int64) -> String {
        let secondOfDay = Int(Self.floorModulo(wallSeconds(of: instant), Self.secondsPerDay))
        return WorkShift.clock(secondOfDay / 60) + ":" + WorkShift.twoDigits(secondOfDay % 60)
    }

    /// `HH:MM` in local time (shift starts and windows are whole minutes).
    func minuteText(_ instant: Int64) -> String {
        let secondOfDay = Int(Self.floorModulo(wallSeconds(of: instant), Self.secondsPerDay))
        return WorkShift.clock(secondOfDay / 60)
    }

    /// `HH:MM:SS`, followed by ` (+1 day)` / ` (-1 day)` when the instant falls on another local day than `dayNumber`.
    func timeText(_ instant: Int64, relativeTo dayNumber: Int) -> String {
        timeText(instant) + Self.daySuffix(localDay(of: instant) - dayNumber)
    }

    /// `HH:MM` with the same day suffix as `timeText(_:relativeTo:)`.
    func minuteText(_ instant: Int64, relativeTo dayNumber: Int) -> String {
        minuteText(instant) + Self.daySuffix(localDay(of: instant) - dayNumber)
    }

    /// `yyyy-MM-dd HH:MM:SS` in local time, for instants that may be days away from the day explained.
    func dateTimeText(_ instant: Int64) -> String {
        Self.dateText(dayNumber: localDay(of: instant)) + " " + timeText(instant)
    }

    static func dateText(dayNumber: Int) -> String {
        let (year, month, day) = CalendarDate.civil(dayNumber: dayNumber)
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
            + "-" + WorkShift.twoDigits(month) + "-" + WorkShift.twoDigits(day)
    }

    /// `+05:00`, `-03:30`.
    static func offsetText(_ offset: Int64) -> String {
        let sign = offset < 0 ? "-" : "+"
        let minutes = Int(abs(offset) / 60)
        return sign + WorkShift.twoDigits(minutes / 60) + ":" + WorkShift.twoDigits(minutes % 60)
    }

    /// ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday.
    static func isoWeekday(dayNumber: Int) -> Int {
        Int(floorModulo(Int64(dayNumber) + 3, 7)) + 1
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    private static func daySuffix(_ days: Int) -> String {
        switch days {
        case 0: ""
        case 1...: " (+\(days) day\(days == 1 ? "" : "s"))"
        default: " (\(days) day\(days == -1 ? "" : "s"))"
        }
    }
}
