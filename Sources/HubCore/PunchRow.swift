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

    /// `2025-03-10 08:52:14` (also with `T`), spaces around it allowed. Read from the bytes: a terminal's log
    /// has a million of these.
    public init?(isoText text: some StringProtocol) {
        var bytes = Array(text.utf8)[...]
        while bytes.first == 0x20 || bytes.first == 0x09 { bytes.removeFirst() }
        while bytes.last == 0x20 || bytes.last == 0x09 { bytes.removeLast() }
        guard bytes.count == 19 else { return nil }
        let start = bytes.startIndex
        func number(_ offset: Int, _ length: Int) -> Int? {
            var value = 0
            for index in (start + offset)..<(start + offset + length) {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes[start + 4] == 0x2D, bytes[start + 7] == 0x2D, bytes[start + 10] == 0x20 || bytes[start + 10] == 0x54,
              bytes[start + 13] == 0x3A, bytes[start + 16] == 0x3A,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let date = CalendarDate(year: year, month: month, day: day),
              let hours = number(11, 2), let minutes = number(14, 2), let seconds = number(17, 2),
              hours < 24, minutes < 60, seconds < 60 else { return nil }
        self.init(date: date, secondOfDay: hours * 3_600 + minutes * 60 + seconds)
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

    /// `2025-03-10 08:52:14`, built from digits (this is written once per punch).
    public var description: String {
        String(unsafeUninitializedCapacity: 19) { buffer in
            func put(_ value: Int, _ digits: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(0x30 + value % 10)
                    value /= 10
                }
            }
            put(date.year, 4, at: 0)
            put(date.month, 2, at: 5)
            put(date.day, 2, at: 8)
            put(secondOfDay / 3_600, 2, at: 11)
            put(secondOfDay / 60 % 60, 2, at: 14)
            put(secondOfDay % 60, 2, at: 17)
            for (offset, byte) in [(4, 0x2D), (7, 0x2D), (10, 0x20), (13, 0x3A), (16, 0x3A)] as [(Int, UInt8)] {
                buffer[offset] = byte
            }
            return 19
        }
    }

    /// The wall time of `instant` (seconds since 1970 UTC) `offset` seconds east of UTC.
    public init(instant: Int64, offset: Int) {
        let local = instant + Int64(offset)
        let (days, second) = local.quotientAndRemainder(dividingBy: 86_400)
        let negative = second < 0
        self.init(date: CalendarDate(dayNumber: Int(days) - (negative ? 1 : 0)
                                         + CalendarDate.dayNumber(year: 1970, month: 1, day: 1)),
                  secondOfDay: Int(negative ? second + 86_400 : second))
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
