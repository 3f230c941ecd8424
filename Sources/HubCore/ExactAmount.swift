import Foundation

/// A non-negative money amount kept exactly as decimal digits, never as floating point.
///
/// Bank files write amounts as `руб[.коп]` (`45600000.00`, `4900`, sometimes `4900,5`). The value keeps
/// the digits it was given (`text`, canonical with a `.` separator) for loading into `numeric`, and an exact
/// `Decimal` for arithmetic such as the balance check.
public struct ExactAmount: Sendable, Hashable, CustomStringConvertible {
    /// Canonical text: digits, optionally `.` and fraction digits; no sign, no grouping. Safe for `numeric`.
    public let text: String
    /// The digits without the point and the number of fraction digits, while they fit 64 bits (19 digits);
    /// `decimal` is made from them when asked for. Building a `Decimal` for every amount parsed was a
    /// noticeable share of a 1C load, which only ever needs the text.
    private let significand: UInt64?
    private let scale: Int

    /// The exact value, for arithmetic such as the balance check.
    public var decimal: Decimal {
        if let significand {
            return Decimal(sign: .plus, exponent: -scale, significand: Decimal(significand))
        }
        // Past 19 digits (or made from a Decimal): Decimal reads the text exactly (38 digits).
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }

    /// Parses `digits[(.|,)digits]`. Returns nil for anything else: signs, spaces, grouping, exponents,
    /// more than 18 integer digits or more than 6 fraction digits.
    public init?(parsing raw: some StringProtocol) {
        self.init(parsing: String(raw))
    }

    // Concrete, not generic: called across modules for every amount of every document, where an
    // unspecialised generic walk over `utf8` cost several times the parse itself.
    public init?(parsing raw: String) {
        var integerDigits = 0
        var fractionDigits = -1
        var significand: UInt64 = 0
        var comma = false
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if fractionDigits >= 0 { fractionDigits += 1 } else { integerDigits += 1 }
                significand = significand &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "."), UInt8(ascii: ","):
                guard fractionDigits < 0, integerDigits > 0 else { return nil }
                fractionDigits = 0
                comma = byte == UInt8(ascii: ",")
            default:
                return nil
            }
        }
        guard integerDigits > 0, integerDigits <= 18, fractionDigits != 0, fractionDigits <= 6 else { return nil }
        // Usually already canonical: short amounts are then inline strings, with nothing allocated.
        text = comma ? String(raw).replacingOccurrences(of: ",", with: ".") : String(raw)
        scale = max(fractionDigits, 0)
        self.significand = integerDigits + scale <= 19 ? significand : nil
    }

    public init(_ decimal: Decimal) {
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .plain)
        // The text may carry a sign here (a computed balance); `decimal` reads it back exactly.
        text = NSDecimalNumber(decimal: rounded).stringValue
        significand = nil
        scale = 0
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

