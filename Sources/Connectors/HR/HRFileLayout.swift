import Foundation
import HubCore

/// HR's own files: comma-separated, a header line with exactly the documented columns (docs/connectors), UTF-8
/// or CP1251. Each names employees by personnel number (1C:ZUP's ТабельныйНомер).
public enum HRFileLayout: String, Sendable, CaseIterable {
    /// `hr-shifts`: one shift pattern per employee.
    case shifts
    /// `hr-absences`: vacations, sick leave, business trips, with their dates (inclusive).
    case absences
    /// `skud-person-map`: which device person (ZKTeco PIN, card number) is which employee.
    case personMap = "person_map"

    public var columns: [String] {
        switch self {
        case .shifts: ["personnel_number", "shift_start", "shift_end", "workdays", "late_grace_minutes",
                       "window_before_minutes", "window_after_minutes"]
        case .absences: ["personnel_number", "date_from", "date_to", "kind"]
        case .personMap: ["source", "person_key", "personnel_number"]
        }
    }

    /// One line of an HR file, read.
    public enum Record: Sendable, Equatable {
        case shift(ShiftRecord)
        case absence(AbsenceRecord)
        case personKey(PersonKeyRecord)
    }

    /// Checks the header line: exactly `columns`, in order. A wrong header fails the whole file (every line
    /// after it would be read wrong), naming what differs.
    public func checkHeader(_ row: DelimitedTextFile.Row) throws(LineRejection) {
        try row.checkHeader(columns)
    }

    /// The record on one data line, or why it cannot be read.
    public func record(_ row: DelimitedTextFile.Row) -> Result<Record, LineRejection> {
        func reject(_ reason: String, _ field: String? = nil) -> Result<Record, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: field, raw: row.text))
        }
        let fields = row.fields.map(\.trimmingSpacesAndTabs)
        guard fields.count == columns.count else {
            return reject("\(fields.count) field(s) where the header has \(columns.count)"
                          + (fields.count > columns.count ? " (extra columns are not allowed)" : ""))
        }
        for (name, value) in zip(columns, fields) where value.isEmpty {
            return reject("\(name) is empty", name)
        }
        switch self {
        case .shifts:
            guard let start = Self.minuteOfDay(fields[1]) else { return reject("shift_start '\(fields[1])' is not HH:MM", "shift_start") }
            guard let end = Self.minuteOfDay(fields[2]) else { return reject("shift_end '\(fields[2])' is not HH:MM", "shift_end") }
            guard let weekdays = Self.weekdays(fields[3]) else {
                return reject("workdays '\(fields[3])' is not like Mon-Fri or \"Mon,Wed,Fri\"", "workdays")
            }
            var minutes: [Int] = []
            for (name, text) in zip(columns[4...], fields[4...]) {
                guard let value = Int(text), value >= 0, value <= 24 * 60 else {
                    return reject("\(name) '\(text)' is not a whole number of minutes (0–1440)", name)
                }
                minutes.append(value)
            }
            return .success(.shift(ShiftRecord(
                line: row.line, personnelNumber: fields[0], startMinute: start, endMinute: end, workdays: fields[3],
                weekdays: weekdays, lateGraceMinutes: minutes[0], windowBeforeMinutes: minutes[1],
                windowAfterMinutes: minutes[2], raw: row.text)))
        case .absences:
            guard let from = CalendarDate(isoDate: fields[1]) else { return reject("date_from '\(fields[1])' is not YYYY-MM-DD", "date_from") }
            guard let to = CalendarDate(isoDate: fields[2]) else { return reject("date_to '\(fields[2])' is not YYYY-MM-DD", "date_to") }
            guard from <= to else { return reject("date_from \(from.iso) is after date_to \(to.iso)", "date_to") }
            guard to.dayNumber - from.dayNumber < 366 else { return reject("the absence spans more than a year", "date_to") }
            let kind = fields[3].lowercased()
            guard kind.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" }) else {
                return reject("kind '\(fields[3])' must be a word of lower-case letters and _ (vacation, sick_leave, "
                              + "business_trip, …)", "kind")
            }
            return .success(.absence(AbsenceRecord(line: row.line, personnelNumber: fields[0], from: from, to: to,
                                                   kind: kind, raw: row.text)))
        case .personMap:
            return .success(.personKey(PersonKeyRecord(line: row.line, source: fields[0], personKey: fields[1],
                                                       personnelNumber: fields[2], raw: row.text)))
        }
    }

    /// `HH:MM` (exactly two digits each, `00:00`…`23:59`) → minutes since midnight; nil for anything else
    /// (`9:00`, `24:00`, `09:60`, surrounding spaces).
    public static func minuteOfDay(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        var digits: [Int] = []
        for index in [0, 1, 3, 4] {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits.append(Int(byte - UInt8(ascii: "0")))
        }
        let hours = digits[0] * 10 + digits[1]
        let minutes = digits[2] * 10 + digits[3]
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }

    static let weekdayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Mon` (a range may wrap past Sunday), `Mon-Wed,Fri` → ISO weekdays
    /// (1 = Monday), sorted, repeats merged; case-insensitive English three-letter names, spaces allowed around
    /// names and separators. Nil for anything else: an empty text or item, a range of one day to itself (one day
    /// or the whole week?), a range with more than two ends.
    public static func weekdays(_ text: String) -> [Int]? {
        var days = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                guard let day = weekday(named: ends[0]) else { return nil }
                days.insert(day)
            case 2:
                guard let first = weekday(named: ends[0]), let last = weekday(named: ends[1]), first != last
                else { return nil }
                var day = first
                while true {
                    days.insert(day)
                    if day == last { break }
                    day = day % 7 + 1
                }
            default:
                return nil
            }
        }
        return days.sorted()
    }

    private static func weekday(named text: Substring) -> Int? {
        let name = text.trimmingCharacters(in: [" ", "\t"]).lowercased()
        return weekdayNames.firstIndex(of: name).map { $0 + 1 }
    }
}
