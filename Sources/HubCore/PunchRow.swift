import Foundation

/// Which way a punch went, as the device or the export says it.
public enum PunchDirection: String, Sendable, Hashable, CaseIterable {
    case checkIn = "in"
    case checkOut = "out"
    case breakOut = "break_out"
    case breakIn = "break_in"
    case overtimeIn = "ot_in"
    case overtimeOut = "ot_out"
    /// The device reports a constant or meaningless state (terminals without state keys).
    case unknown

    /// Entry or exit, for pairing; nil when unknown.
    public var kind: PunchKind? {
        switch self {
        case .checkIn, .breakIn, .overtimeIn: .entry
        case .checkOut, .breakOut, .overtimeOut: .exit
        case .unknown: nil
        }
    }
}

/// A punch's side of a pair: coming in or going out.
public enum PunchKind: String, Sendable, Hashable, CaseIterable {
    case entry, exit

    /// The other kind; what an unknown-direction punch becomes under the attendance rule `alternate`.
    public var opposite: PunchKind {
        switch self {
        case .entry: .exit
        case .exit: .entry
        }
    }
}

/// A wall-clock time without a zone, as terminals and turnstile exports write it: a date and the seconds since
/// its midnight.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var date: CalendarDate
    /// 0..<86,400.
    public var secondOfDay: Int

    public init(date: CalendarDate, secondOfDay: Int) {
        self.date = date
        self.secondOfDay = secondOfDay
    }

    /// `2025-03-10 08:52:14` (also with `T`).
    public init?(isoText text: some StringProtocol) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count == 19, let date = CalendarDate(isoDate: trimmed.prefix(10)),
              [" ", "T"].contains(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 10)]),
              let second = Self.secondOfDay(trimmed.suffix(8)) else { return nil }
        self.init(date: date, secondOfDay: second)
    }

    /// `10.03.2025` and `08:50:31` (or `08:50`) in separate columns, as CIS exports write them.
    public init?(dottedDate: some StringProtocol, time: some StringProtocol) {
        let time = time.trimmingCharacters(in: .whitespaces)
        guard let date = CalendarDate(dottedDMY: dottedDate.trimmingCharacters(in: .whitespaces)),
              let second = Self.secondOfDay(time.utf8.count == 5 ? time + ":00" : time) else { return nil }
        self.init(date: date, secondOfDay: second)
    }

    /// `HH:MM:SS`, 00:00:00–23:59:59, two digits each.
    static func secondOfDay(_ text: some StringProtocol) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Int(parts[2]),
              (0..<24).contains(hours), (0..<60).contains(minutes), (0..<60).contains(seconds) else { return nil }
        return hours * 3_600 + minutes * 60 + seconds
    }

    public var description: String {
        let (hours, rest) = secondOfDay.quotientAndRemainder(dividingBy: 3_600)
        let (minutes, seconds) = rest.quotientAndRemainder(dividingBy: 60)
        return "\(date.iso) " + [hours, minutes, seconds].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.date, lhs.secondOfDay) < (rhs.date, rhs.secondOfDay)
    }

    /// The instant (seconds since 1970 UTC) this wall time is in `zone`. A time that a daylight-saving change
    /// skips or repeats takes the offset in force just before the change (the earlier reading), so that the
    /// same text always gives the same instant.
    public func instant(in zone: TimeZone) -> Int64 {
        let wall = Int64(date.dayNumber - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400
            + Int64(secondOfDay)
        func offset(_ instant: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        }
        // The offset a day earlier is the one in force unless a change lies between; then the offset at the
        // first guess is, if it reads back to this wall time; if neither does, the time was skipped.
        let before = offset(wall - 86_400)
        let guess = wall - before
        let atGuess = offset(guess)
        if atGuess == before { return guess }
        let corrected = wall - atGuess
        return offset(corrected) == atGuess ? corrected : guess
    }
}
