/// A local business date without a time zone (statement dates, document dates).
///
/// Validated on construction: `31.02.2024` or `00.13.2024` never become a date.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Year, month and day in one word (`year << 9 | month << 5 | day`), so that the packed values compare as the
    /// dates do: four bytes instead of three `Int`s, for the engine that holds half a million invoices with two
    /// dates each.
    private let packed: UInt32

    public var year: Int { Int(packed >> 9) }
    public var month: Int { Int(packed >> 5 & 0xF) }
    public var day: Int { Int(packed & 0x1F) }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= CalendarDate.daysIn(month: month, year: year)
        else { return nil }
        packed = UInt32(year) << 9 | UInt32(month) << 5 | UInt32(day)
    }

    /// Parses the `dd.MM.yyyy` form used by 1C and bank files.
    public init?(dottedDMY text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[2] == UInt8(ascii: "."), bytes[5] == UInt8(ascii: ".") else { return nil }
        guard let day = Self.number(bytes, 0..<2), let month = Self.number(bytes, 3..<5),
              let year = Self.number(bytes, 6..<10)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Parses XML dates: `yyyy-MM-dd`, or the date part of an `xs:dateTime` (`2024-04-10T12:00:00`). 1C's
    /// "empty date" `0001-01-01` is nil: it means no date was entered.
    public init?(isoDate text: some StringProtocol) {
        self.init(isoDate: String(text))
    }

    /// Concrete, not generic (see `ExactAmount.init(parsing:)`); read in place, without copying.
    public init?(isoDate text: String) {
        var text = text
        let parts = text.withUTF8(Self.isoParts)
        guard let (year, month, day) = parts else { return nil }
        self.init(year: year, month: month, day: day)
    }

    private static func isoParts(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int, Int)? {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes.count == 10 || bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              let year = number(bytes, 0..<4), let month = number(bytes, 5..<7),
              let day = number(bytes, 8..<10), year > 1
        else { return nil }
        return (year, month, day)
    }

    private static func number(_ bytes: some RandomAccessCollection<UInt8>, _ range: Range<Int>) -> Int? {
        var value = 0
        for offset in range {
            let byte = bytes[bytes.index(bytes.startIndex, offsetBy: offset)]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// ISO 8601 `yyyy-MM-dd`, the form PostgreSQL reads for `date` regardless of `DateStyle`.
    public var iso: String {
        // Ten ASCII bytes make a small (inline) String: no allocation, unlike interpolation.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { buffer in
            let zero = UInt8(ascii: "0")
            buffer[0] = zero + UInt8(year / 1000 % 10)
            buffer[1] = zero + UInt8(year / 100 % 10)
            buffer[2] = zero + UInt8(year / 10 % 10)
            buffer[3] = zero + UInt8(year % 10)
            buffer[4] = UInt8(ascii: "-")
            buffer[5] = zero + UInt8(month / 10)
            buffer[6] = zero + UInt8(month % 10)
            buffer[7] = UInt8(ascii: "-")
            buffer[8] = zero + UInt8(day / 10)
            buffer[9] = zero + UInt8(day % 10)
            return String(decoding: UnsafeBufferPointer(buffer), as: UTF8.self)
        }
    }

    /// `dd.MM.yyyy`, as 1C and bank files write dates.
    public var dottedDMY: String {
        let iso = self.iso
        return "\(iso.suffix(2)).\(iso.dropFirst(5).prefix(2)).\(iso.prefix(4))"
    }

    public var description: String { iso }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        lhs.packed < rhs.packed
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Whether this is its month's last day (31 January, 28 February 2025, 29 February 2024).
    public var isLastDayOfMonth: Bool { day == Self.daysIn(month: month, year: year) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension CalendarDate {
    /// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without Foundation calendars.
    public var dayNumber: Int { Self.dayNumber(year: year, month: month, day: day) }

    /// The date `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        let (year, month, day) = Self.civil(dayNumber: dayNumber)
        self.init(year: year, month: month, day: day)!
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil; also for dates not yet validated,
    /// such as a local time being normalised).
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date `dayNumber` days after 1970-01-01 (Hinnant's civil_from_days).
    public static func civil(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public func adding(days: Int) -> CalendarDate {
        CalendarDate(dayNumber: dayNumber + days)
    }

    /// The same day `months` months later (or earlier), clamped to the month's last day.
    public func adding(months: Int) -> CalendarDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index / 12
        let newMonth = index % 12 + 1
        return CalendarDate(year: newYear, month: newMonth, day: min(day, Self.daysIn(month: newMonth, year: newYear)))!
    }
}
