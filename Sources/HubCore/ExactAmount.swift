import Foundation

/// A non-negative money amount kept exactly as decimal digits, never as floating point.
///
/// Bank files write amounts as `руб[.коп]` (`45600000.00`, `4900`, sometimes `4900,5`). The value keeps
/// the digits it was given (`text`, canonical with a `.` separator) for loading into `numeric`, and an exact
/// `Decimal` for arithmetic such as the balance check.
public struct ExactAmount: Sendable, Hashable, CustomStringConvertible {
    /// Canonical text: digits, optionally `.` and fraction digits; no sign, no grouping. Safe for `numeric`.
    public let text: String
    public let decimal: Decimal

    /// Parses `digits[(.|,)digits]`. Returns nil for anything else: signs, spaces, grouping, exponents,
    /// more than 18 integer digits or more than 6 fraction digits.
    public init?(parsing raw: some StringProtocol) {
        var integerDigits = 0
        var fractionDigits = -1
        var significand: UInt64 = 0
        var canonical = [UInt8]()
        canonical.reserveCapacity(raw.utf8.count)
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if fractionDigits >= 0 { fractionDigits += 1 } else { integerDigits += 1 }
                significand = significand &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                canonical.append(byte)
            case UInt8(ascii: "."), UInt8(ascii: ","):
                guard fractionDigits < 0, integerDigits > 0 else { return nil }
                fractionDigits = 0
                canonical.append(UInt8(ascii: "."))
            default:
                return nil
            }
        }
        guard integerDigits > 0, integerDigits <= 18, fractionDigits != 0, fractionDigits <= 6 else { return nil }
        let scale = max(fractionDigits, 0)
        let text = String(decoding: canonical, as: UTF8.self)
        self.text = text
        if integerDigits + scale <= 19 {
            self.decimal = Decimal(sign: .plus, exponent: -scale, significand: Decimal(significand))
        } else {
            // Past 19 digits the UInt64 above has wrapped; Decimal reads the canonical text exactly (38 digits).
            guard let exact = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
            self.decimal = exact
        }
    }

    public init(_ decimal: Decimal) {
        self.decimal = decimal
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .plain)
        self.text = NSDecimalNumber(decimal: rounded).stringValue
    }

    public var description: String { text }

    /// The shortest spelling of the value (`45600000.00` → `45600000`, `0.50` → `0.5`), so that the same
    /// amount written two ways yields the same natural key.
    public var normalized: String {
        guard text.contains(".") else { return text }
        var trimmed = Substring(text)
        while trimmed.last == "0" { trimmed = trimmed.dropLast() }
        if trimmed.last == "." { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    public static func == (lhs: ExactAmount, rhs: ExactAmount) -> Bool { lhs.decimal == rhs.decimal }
    public func hash(into hasher: inout Hasher) { hasher.combine(decimal) }
}
