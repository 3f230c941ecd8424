import HubCore

/// Month arguments for attendance runs (`--month 2026-07`).
package enum AttendanceMonth {
    /// The first through last day of the month `YYYY-MM` (`2026-02` → 2026-02-01…2026-02-28, leap years giving the
    /// 29th); nil unless the text is exactly four digits, `-`, two digits, with a month `01`…`12` and a year from 0001.
    package static func dates(ofMonth text: String) -> ClosedRange<CalendarDate>? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-") else { return nil }
        var year = 0
        var month = 0
        for (index, byte) in bytes.enumerated() where index != 4 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            if index < 4 { year = year * 10 + digit } else { month = month * 10 + digit }
        }
        guard let first = CalendarDate(year: year, month: month, day: 1) else { return nil }
        // CalendarDate validates day counts itself, so the longest day it accepts is the month's last.
        guard let last = [31, 30, 29, 28].lazy.compactMap({ CalendarDate(year: year, month: month, day: $0) }).first
        else { return nil }
        return first...last
    }
}
