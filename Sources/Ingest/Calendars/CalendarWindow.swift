import Foundation
import HubCore

/// `--from` and `--to` of the calendar kinds: occurrences starting in [from, to), by default from a month ago
/// to a year ahead (a calendar is looked at forwards, unlike a month of calls).
package enum CalendarWindow {
    package static let from = SourceOption(key: "from", valueName: "date", help:
        "Occurrences starting on or after this day, YYYY-MM-DD, at midnight UTC (default: a month ago).")
    package static let to = SourceOption(key: "to", valueName: "date", help:
        "Occurrences starting before this day, YYYY-MM-DD, at midnight UTC (default: a year from today).")

    /// The window in seconds since 1970 UTC.
    package static func window(_ options: SourceOptionValues, today: Date = Date()) throws(HubError) -> Range<Int64> {
        func day(_ option: SourceOption) throws(HubError) -> CalendarDate? {
            guard let text = options.value(of: option) else { return nil }
            guard text.count == 10, let date = CalendarDate(isoDate: text) else {
                throw HubError(.configuration, "\(option.flag) \(text) is not a date; write YYYY-MM-DD")
            }
            return date
        }
        let now = CalendarDate(dayNumber: Int(today.timeIntervalSince1970 / 86_400)
                               + CalendarDate.dayNumber(year: 1970, month: 1, day: 1))
        let from = try day(Self.from) ?? now.adding(months: -1)
        let to = try day(Self.to) ?? now.adding(months: 12)
        guard from < to else { throw HubError(.configuration, "--from \(from.iso) is not before --to \(to.iso)") }
        return seconds(from)..<seconds(to)
    }

    static func seconds(_ date: CalendarDate) -> Int64 {
        Int64(date.dayNumber - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400
    }
}
