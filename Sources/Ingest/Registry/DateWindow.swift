import Foundation
import HubCore

/// `--from` and `--to` of the kinds that read a service over a window of days (`zup-odata`, `calls-mango-api`).
package enum DateWindow {
    package static let from = SourceOption(key: "from", valueName: "date",
                                           help: "The window's first day, YYYY-MM-DD (default: the previous month's first).")
    package static let to = SourceOption(key: "to", valueName: "date",
                                         help: "The window's last day, YYYY-MM-DD (default: the current month's last).")

    /// `--from`/`--to`, or the previous month's first day to the current month's last (in UTC: a day either
    /// way does not matter to a window this wide).
    package static func days(_ options: SourceOptionValues) throws(HubError) -> ClosedRange<CalendarDate> {
        func date(_ option: SourceOption) throws(HubError) -> CalendarDate? {
            guard let text = options.value(of: option) else { return nil }
            guard let date = CalendarDate(isoDate: text), text.count == 10 else {
                throw HubError(.configuration, "\(option.flag) \(text) is not a date; write YYYY-MM-DD")
            }
            return date
        }
        let today = CalendarDate(dayNumber: Int(Date().timeIntervalSince1970 / 86_400))
        let monthStart = CalendarDate(year: today.year, month: today.month, day: 1)!
        let from = try date(Self.from) ?? monthStart.adding(months: -1)
        let to = try date(Self.to) ?? monthStart.adding(months: 1).adding(days: -1)
        guard from <= to else { throw HubError(.configuration, "--from \(from.iso) is after --to \(to.iso)") }
        return from...to
    }
}
