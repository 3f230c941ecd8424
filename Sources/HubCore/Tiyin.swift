import Foundation

/// Money as a whole number of minor units (tiyin, kopecks, cents: hundredths): what the loan schedules and the
/// arrears rules compute in, exactly and fast. `Decimal` arithmetic and its text conversions were nine tenths of
/// a 6,000,000-instalment load; integers (with `Int128` for a product before it is divided) are exact and cost
/// nothing. Hand-written: no package formats or reads fixed-point integers.
public enum Tiyin {
    /// `-1234.50` for -123450.
    public static func text(_ value: Int64) -> String {
        var magnitude = value.magnitude
        var bytes = [UInt8](repeating: 0, count: 24)
        var index = bytes.count
        for position in 0..<64 {
            index -= 1
            bytes[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            if position == 1 {
                index -= 1
                bytes[index] = UInt8(ascii: ".")
            }
            if magnitude == 0 && position >= 2 { break }
        }
        if value < 0 {
            index -= 1
            bytes[index] = UInt8(ascii: "-")
        }
        return String(decoding: bytes[index...], as: UTF8.self)
    }

    /// `1234.5`, `-7`, `0.05` as hundredths; nil for anything else or a third decimal that is not 0.
    public static func parse(_ text: some StringProtocol) -> Int64? {
        var value: Int64 = 0
        var negative = false, afterPoint = false, digits = 0, decimals = 0
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where offset == 0:
                negative = true
            case UInt8(ascii: ".") where !afterPoint && digits > 0:
                afterPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                guard digits <= 17 else { return nil }
                if afterPoint {
                    decimals += 1
                    if decimals > 2 {
                        guard byte == UInt8(ascii: "0") else { return nil }
                        continue
                    }
                }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            default:
                return nil
            }
        }
        guard digits > 0 else { return nil }
        for _ in min(decimals, 2)..<2 { value *= 10 }
        return negative ? -value : value
    }

    /// The amount as a `Decimal` with two decimals.
    public static func decimal(_ value: Int64) -> Decimal {
        Decimal(sign: value < 0 ? .minus : .plus, exponent: -2, significand: Decimal(value.magnitude))
    }

    /// `decimal` in hundredths, rounded half away from zero; nil beyond ±9.2e16.
    public static func of(_ decimal: Decimal) -> Int64? {
        var scaled = decimal * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded.magnitude <= Decimal(Int64.max) else { return nil }
        return NSDecimalNumber(decimal: rounded).int64Value
    }
}
