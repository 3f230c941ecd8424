import Foundation

/// Turns many wall times of one zone into instants, asking the zone once per local day.
///
/// A terminal's month holds a million punches on thirty days; `LocalDateTime.instant(in:)` asks `TimeZone`
/// three times per call. A day whose offset is the same at its first and last second (every day in Tashkent,
/// all but two a year in Berlin) is cached; a day with a change is computed punch by punch.
public struct ZoneDayOffsets: Sendable {
    public let zone: TimeZone
    /// Day number → the offset (seconds east of UTC) all day, or nil for a day with a change.
    private var offsets: [Int: Int64?] = [:]
    /// The same for instants: UTC day number (since 1970) → the offset all that UTC day, or nil.
    private var instantOffsets: [Int64: Int32?] = [:]

    public init(zone: TimeZone) {
        self.zone = zone
    }

    public mutating func instant(of time: LocalDateTime) -> Int64 {
        let day = time.date.dayNumber
        let wall = Int64(day - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400 + Int64(time.secondOfDay)
        let offset: Int64?
        if let cached = offsets[day] {
            offset = cached
        } else {
            let dayStart = Int64(day - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400
            let first = dayStart - LocalDateTime(date: time.date, secondOfDay: 0).instant(in: zone)
            let last = dayStart + 86_399 - LocalDateTime(date: time.date, secondOfDay: 86_399).instant(in: zone)
            offset = first == last ? first : nil
            offsets[day] = .some(offset)
        }
        return offset.map { wall - $0 } ?? time.instant(in: zone)
    }

    /// The offset (seconds east of UTC) at an instant, asking the zone once per UTC day: an expanded series
    /// puts a million occurrences on a few hundred days, and each question to `TimeZone` goes through ICU.
    public mutating func offset(at instant: Int64) -> Int64 {
        func asked(_ instant: Int64) -> Int32 {
            Int32(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        }
        let day = instant >= 0 ? instant / 86_400 : (instant - 86_399) / 86_400
        let allDay: Int32?
        if let cached = instantOffsets[day] {
            allDay = cached
        } else {
            let first = asked(day * 86_400), last = asked(day * 86_400 + 86_399)
            allDay = first == last ? first : nil
            instantOffsets[day] = .some(allDay)
        }
        return Int64(allDay ?? asked(instant))
    }
}
