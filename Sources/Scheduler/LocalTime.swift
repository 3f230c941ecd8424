import Foundation
import HubCore

/// A wall-clock minute in some time zone, without the zone: what a cron expression describes.
///
/// Converting one to an instant is where daylight saving time bites: a wall time may not exist (the hour the
/// clocks skip) or exist twice (the hour they repeat). `instant(in:)` settles both the way CRMHub documents
/// for schedules (docs/decisions.md, D13): a missing time becomes the first instant after the gap, a repeated
/// one its first occurrence.
struct LocalMinute: Sendable, Equatable, Comparable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    /// 0 = Sunday … 6 = Saturday.
    var weekday: Int {
        // Days since 1970-01-01, a Thursday.
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        return ((days % 7) + 7 + 4) % 7
    }

    /// Seconds since 1970-01-01T00:00 on a clock that never changes offset: the wall time "as if UTC".
    var wallSeconds: Int64 {
        Int64(Self.daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3_600 + minute * 60)
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// The wall minute that `instant` shows in `zone` (seconds dropped).
    init(_ instant: Date, in zone: TimeZone) {
        let seconds = Int64(floor(instant.timeIntervalSince1970)) + Int64(zone.secondsFromGMT(for: instant))
        let days = Int(seconds.floorDivided(by: 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = Self.civilFromDays(days)
        self.init(year: year, month: month, day: day, hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60)
    }

    static func < (lhs: LocalMinute, rhs: LocalMinute) -> Bool { lhs.wallSeconds < rhs.wallSeconds }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// When this wall time happens in `zone`: its only instant; the first of two when the clocks repeat it;
    /// the end of the gap (the first instant after it) when the clocks skip it.
    func instant(in zone: TimeZone) -> Date {
        let wall = wallSeconds
        // Real zones change their offset at most once within any two days, so the offsets a day either side
        // are the only ones this wall time can be read with.
        let before = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall - 86_400))))
        let after = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall + 86_400))))
        let candidates = Set([wall - before, wall - after]).sorted().filter { instant in
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))) == wall - instant
        }
        if let first = candidates.first { return Date(timeIntervalSince1970: TimeInterval(first)) }
        // Skipped: the transition lies between the two readings; find the second the offset changes.
        var low = min(wall - before, wall - after)
        var high = max(wall - before, wall - after)
        let lowOffset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(low)))
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(middle))) == lowOffset {
                low = middle
            } else {
                high = middle
            }
        }
        return Date(timeIntervalSince1970: TimeInterval(high))
    }

    // Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar, no Calendar object
    // (whose handling of skipped and repeated wall times is not specified).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        CalendarDate.dayNumber(year: year, month: month, day: day)
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        CalendarDate.civil(dayNumber: days)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
