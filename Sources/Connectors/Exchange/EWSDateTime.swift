import HubCore

/// `xs:dateTime` as Exchange writes it (`2025-03-10T05:00:00Z`, fractions and offsets too) and as CRMHub sends
/// it (always UTC, `Z`). Written by hand because Foundation's ISO 8601 formatter is a class that is neither
/// cheap nor `Sendable`, and the format here is fixed.
public enum EWSDateTime {
    /// Seconds since 1970 UTC, or nil when `text` is not an `xs:dateTime`.
    public static func seconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x20,
              bytes[13] == 0x3A, bytes[16] == 0x3A,
              let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
              let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2),
              let date = CalendarDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        }
        var offset = 0
        if index < bytes.count {
            let sign = bytes[index]
            if sign == 0x5A, index + 1 == bytes.count {
                offset = 0
            } else if sign == 0x2B || sign == 0x2D, index + 6 == bytes.count, bytes[index + 3] == 0x3A,
                      let hours = number(bytes, index + 1, 2), let minutes = number(bytes, index + 4, 2) {
                offset = (hours * 3600 + minutes * 60) * (sign == 0x2D ? -1 : 1)
            } else {
                return nil
            }
        }
        return Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
    }

    /// `2025-03-10T05:00:00Z`.
    public static func text(_ seconds: Int64) -> String {
        let day = Int64((Double(seconds) / 86_400).rounded(.down))
        let second = Int(seconds - day * 86_400)
        let date = CalendarDate(dayNumber: Int(day))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date.iso)T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
