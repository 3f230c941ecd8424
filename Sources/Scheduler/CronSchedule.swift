import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`), read the way Vixie cron
/// and its descendants read it, and evaluated in an explicit time zone.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and lists `a,b-c`; months and weekdays
/// also take English names (`JAN`, `MON`), weekday 7 is Sunday like 0. When both day fields are restricted a
/// day matches if *either* does (`0 3 1 * MON`: the 1st and every Monday), as in every cron since Vixie's.
/// `@yearly`, `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly` stand for their usual expansions.
///
/// Daylight saving time (D13): a fire time the clocks skip runs at the first instant after the gap; a fire
/// time the clocks repeat runs once, at its first occurrence.
package struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    package let expression: String
    let minutes: FieldSet
    let hours: FieldSet
    let daysOfMonth: FieldSet
    let months: FieldSet
    /// 0 = Sunday … 6 = Saturday.
    let daysOfWeek: FieldSet
    let daysOfMonthRestricted: Bool
    let daysOfWeekRestricted: Bool

    package var description: String { expression }

    /// Parses an expression; errors name the field and the column (1-based, within the expression).
    package init(parsing expression: String) throws(CronError) {
        self.expression = expression
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let text = Self.macros[trimmed.lowercased()] ?? expression
        let fields = Self.split(text)
        guard fields.count == 5 else {
            throw CronError(
                "a schedule has 5 fields (minute hour day-of-month month day-of-week), this one has \(fields.count)"
                    + (fields.count == 6 ? "; CRMHub schedules have no seconds field" : ""),
                column: 1)
        }
        // A macro's columns would point into its expansion: report them at the macro itself.
        let offset = { (index: Int) in text == expression ? fields[index].column : 1 }
        minutes = try FieldSet(fields[0].text, field: .minute, column: offset(0))
        hours = try FieldSet(fields[1].text, field: .hour, column: offset(1))
        daysOfMonth = try FieldSet(fields[2].text, field: .dayOfMonth, column: offset(2))
        months = try FieldSet(fields[3].text, field: .month, column: offset(3))
        daysOfWeek = try FieldSet(fields[4].text, field: .dayOfWeek, column: offset(4))
        daysOfMonthRestricted = !fields[2].text.hasPrefix("*")
        daysOfWeekRestricted = !fields[4].text.hasPrefix("*")
    }

    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    private static func split(_ text: String) -> [(text: String, column: Int)] {
        var fields: [(String, Int)] = []
        var current = ""
        var start = 0
        for (index, character) in text.enumerated() {
            if character == " " || character == "\t" {
                if !current.isEmpty { fields.append((current, start + 1)) }
                current = ""
            } else {
                if current.isEmpty { start = index }
                current.append(character)
            }
        }
        if !current.isEmpty { fields.append((current, start + 1)) }
        return fields
    }

    /// The first fire time strictly after `instant`, in `zone`; nil when the expression can never fire
    /// (`0 0 30 2 *`): CRMHub looks eight years ahead, enough for any 29 February.
    package func nextFire(after instant: Date, in zone: TimeZone) -> Date? {
        var candidate = LocalMinute(instant, in: zone)
        advance(&candidate)
        let limit = candidate.year + 8
        while candidate.year <= limit {
            guard months.contains(candidate.month) else {
                nextMonth(&candidate)
                continue
            }
            guard candidate.day <= LocalMinute.daysInMonth(candidate.month, year: candidate.year),
                  dayMatches(candidate) else {
                nextDay(&candidate)
                continue
            }
            guard hours.contains(candidate.hour) else {
                nextHour(&candidate)
                continue
            }
            guard minutes.contains(candidate.minute) else {
                advance(&candidate)
                continue
            }
            // A wall time inside a repeated hour maps to its first occurrence, which may lie before `instant`.
            let fire = candidate.instant(in: zone)
            if fire > instant { return fire }
            advance(&candidate)
        }
        return nil
    }

    private func dayMatches(_ time: LocalMinute) -> Bool {
        let byMonth = daysOfMonth.contains(time.day)
        let byWeek = daysOfWeek.contains(time.weekday)
        if daysOfMonthRestricted && daysOfWeekRestricted { return byMonth || byWeek }
        return byMonth && byWeek
    }

    private func advance(_ time: inout LocalMinute) {
        time.minute += 1
        if time.minute == 60 { nextHour(&time) }
    }

    private func nextHour(_ time: inout LocalMinute) {
        time.minute = 0
        time.hour += 1
        if time.hour == 24 { nextDay(&time) }
    }

    private func nextDay(_ time: inout LocalMinute) {
        time.minute = 0
        time.hour = 0
        time.day += 1
        if time.day > LocalMinute.daysInMonth(time.month, year: time.year) { nextMonth(&time) }
    }

    private func nextMonth(_ time: inout LocalMinute) {
        time.minute = 0
        time.hour = 0
        time.day = 1
        time.month += 1
        if time.month == 13 {
            time.month = 1
            time.year += 1
        }
    }
}

/// A cron expression that does not parse: what is wrong, and where.
package struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    /// 1-based column within the expression.
    package var column: Int

    init(_ message: String, column: Int) {
        self.message = message
        self.column = column
    }

    package var description: String { message }
}

/// The values one cron field allows, as a bit set.
struct FieldSet: Sendable, Equatable {
    enum Field: String {
        case minute, hour
        case dayOfMonth = "day of month"
        case month
        case dayOfWeek = "day of week"

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            // 7 is accepted as Sunday and folded into 0.
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        /// The value a name stands for (`JAN` → 1, `SUN` → 0).
        func value(ofName name: String) -> Int? {
            guard let index = names.firstIndex(of: name.uppercased()) else { return nil }
            return self == .month ? index + 1 : index
        }
    }

    private var bits: UInt64 = 0

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    init(_ text: String, field: Field, column: Int) throws(CronError) {
        var offset = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            try add(String(item), field: field, column: column + offset)
            offset += item.count + 1
        }
        if field == .dayOfWeek && contains(7) { bits = (bits | 1) & ~(1 << 7) }
    }

    private mutating func add(_ item: String, field: Field, column: Int) throws(CronError) {
        guard !item.isEmpty else { throw CronError("empty item in the \(field.rawValue) field", column: column) }
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw CronError("more than one `/` in \"\(item)\"", column: column) }
        var step = 1
        if parts.count == 2 {
            guard let value = Int(parts[1]), value > 0 else {
                throw CronError("the step after `/` must be a whole number above 0, not \"\(parts[1])\"",
                                column: column + parts[0].count + 1)
            }
            step = value
        }
        let range: ClosedRange<Int>
        if parts[0] == "*" {
            range = field == .dayOfWeek ? 0...6 : field.range
        } else {
            let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else { throw CronError("\"\(parts[0])\" is not a value or a range", column: column) }
            let low = try value(String(bounds[0]), field: field, column: column)
            let high = bounds.count == 2
                ? try value(String(bounds[1]), field: field, column: column + bounds[0].count + 1)
                : (parts.count == 2 ? field.range.upperBound : low)
            guard low <= high else {
                throw CronError("the range \(parts[0]) runs backwards; write it from low to high", column: column)
            }
            range = low...high
        }
        for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
            bits |= 1 << UInt64(value)
        }
    }

    private func value(_ text: String, field: Field, column: Int) throws(CronError) -> Int {
        if let number = Int(text) {
            guard field.range.contains(number) else {
                throw CronError("\(number) is outside the \(field.rawValue) field's "
                                    + "\(field.range.lowerBound)–\(field.range.upperBound)", column: column)
            }
            return number
        }
        if let named = field.value(ofName: text) { return named }
        let hint = field.names.isEmpty ? "" : " (names: \(field.names.joined(separator: ", ")))"
        throw CronError("\"\(text)\" is not a \(field.rawValue)\(hint)", column: column)
    }
}
