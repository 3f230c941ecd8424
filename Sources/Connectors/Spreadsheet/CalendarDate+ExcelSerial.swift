import HubCore

extension CalendarDate {
    /// The day's Excel serial number in the 1900 date system: days since 1899-12-30 (2025-03-14 → 45730).
    ///
    /// Nil before 1900-03-01: Excel counts a 29 February 1900 that never was, so its serial numbers for the first
    /// two months of 1900 are one off from every other program's (LibreOffice's among them).
    public var excelSerial: Int? {
        let serial = dayNumber - Self.excelEpoch
        return serial >= 61 ? serial : nil
    }

    /// The day of an Excel serial number as a spreadsheet cell holds it (`"45730"`; a time part, `"45730.5"`, is
    /// ignored). Nil for text that is not a number, or a serial before 61 (1900-03-01).
    public init?(excelSerial text: String) {
        let whole = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let serial = Int(whole), serial >= 61, serial <= 2_958_465 else { return nil }  // 9999-12-31
        self.init(dayNumber: serial + Self.excelEpoch)
    }

    /// 1899-12-30 in days since 1970-01-01.
    private static let excelEpoch = -25_569
}
