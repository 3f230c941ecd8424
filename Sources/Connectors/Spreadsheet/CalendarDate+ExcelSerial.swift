import HubCore

extension CalendarDate {
    /// The day's Excel serial number in the 1900 date system: days since 1899-12-30 (2025-03-14 → 45730).
    ///
    /// Nil before 1900-03-01: Excel counts a 29 February 1900 that never was, so its serial numbers for the first
    /// two months of 1900 are one off from every other program's (LibreOffice's among them).
    public var excelSerial: Int? {
        let serial = Self.daysSinceEpoch(year: year, month: month, day: day) - Self.excelEpoch
        return serial >= 61 ? serial : nil
    }

    /// The day of an Excel serial number as a spreadsheet cell holds it (`"45730"`; a time part, `"45730.5"`, is
    /// ignored). Nil for text that is not a number, or a serial before 61 (1900-03-01).
    public init?(excelSerial text: String) {
        let whole = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let serial = Int(whole), serial >= 61, serial <= 2_958_465 else { return nil }  // 9999-12-31
        let (year, month, day) = Self.civil(fromDaysSinceEpoch: serial + Self.excelEpoch)
        self.init(year: year, month: month, day: day)
    }

    /// 1899-12-30 in days since 1970-01-01.
    private static let excelEpoch = -25_569

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar), exact for every year we accept.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDaysSinceEpoch days: Int) -> (Int, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
