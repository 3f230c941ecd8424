import Foundation

/// Money amounts to and from text. Reading goes around `Decimal(string:)`, which was a twentieth of the
/// reconciliation engine's time at a million lines: an amount as PostgreSQL writes `numeric` (digits, a point)
/// is read here directly, anything else by Foundation. Hand-written because no library reads it faster.
extension Decimal {
    /// `-1234.50` and the like: an optional minus, at most 18 digits, an optional point. Nil for anything else
    /// (then use `Decimal(string:)`).
    public init?(plainText text: String) {
        var mantissa: UInt64 = 0
        var digits = 0, fraction = 0
        var negative = false, afterPoint = false
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 18 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
                if afterPoint { fraction += 1 }
            case UInt8(ascii: "-") where index == 0:
                negative = true
            case UInt8(ascii: ".") where !afterPoint && digits > 0:
                afterPoint = true
            default:
                return nil
            }
        }
        guard digits > 0 else { return nil }
        self.init(sign: negative && mantissa != 0 ? .minus : .plus, exponent: -fraction, significand: Decimal(mantissa))
    }

    /// The value with at least two decimals (`79995000` → `79995000.00`, `-0.5` → `-0.50`): how computed sums
    /// are shown and stored, so that they read like the amounts they are compared with.
    public var amountText: String {
        let text = NSDecimalNumber(decimal: self).stringValue
        guard let point = text.firstIndex(of: ".") else { return text + ".00" }
        let fraction = text.distance(from: point, to: text.endIndex) - 1
        return fraction >= 2 ? text : text + String(repeating: "0", count: 2 - fraction)
    }

    /// An amount for people: grouped thousands, exactly two decimals, rounded half away from zero
    /// (`45 600 000.00`).
    public var moneyText: String {
        var rounded = Decimal()
        var source = self
        NSDecimalRound(&rounded, &source, 2, .plain)
        let negative = rounded < 0
        let parts = "\(negative ? -rounded : rounded)".split(separator: ".", maxSplits: 1)
        let whole = Array(parts[0].utf8)
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        out.reserveCapacity(whole.count + whole.count / 3 + 4)
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { out.append(UInt8(ascii: " ")) }
            out.append(digit)
        }
        out.append(UInt8(ascii: "."))
        let fraction = parts.count > 1 ? Array(parts[1].utf8) : []
        out.append(contentsOf: fraction)
        for _ in fraction.count..<2 { out.append(UInt8(ascii: "0")) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Double {
    /// Two decimals, rounded (`0.95`, `1.00`): a rule's confidence as stored and shown, without
    /// `String(format:)`, which was a tenth of the engine's time.
    public var twoDecimalsText: String {
        let hundredths = Int((self * 100).rounded())
        let whole = hundredths / 100, part = abs(hundredths % 100)
        return (hundredths < 0 && whole == 0 ? "-" : "") + "\(whole)." + (part < 10 ? "0" : "") + "\(part)"
    }
}
