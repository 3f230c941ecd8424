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
        if let parts = DecimalDigits(self) { return parts.text(minimumFraction: 2, grouped: false) }
        let text = NSDecimalNumber(decimal: self).stringValue
        guard let point = text.firstIndex(of: ".") else { return text + ".00" }
        let fraction = text.distance(from: point, to: text.endIndex) - 1
        return fraction >= 2 ? text : text + String(repeating: "0", count: 2 - fraction)
    }

    /// An amount for people: grouped thousands, exactly two decimals, rounded half away from zero
    /// (`45 600 000.00`).
    public var moneyText: String {
        if let parts = DecimalDigits(self), parts.exponent >= -2 {
            return parts.text(minimumFraction: 2, grouped: true)
        }
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

/// A `Decimal`'s sign, integer mantissa and power of ten, read from its memory: Foundation has no public way to get
/// its digits but its text (`NSDecimalNumber.stringValue`, `description`), and that was a tenth of the
/// reconciliation engine's time at a million lines. Hand-written for that reason; it reads the layout of
/// swift-foundation's `Decimal` (exponent byte, length and sign bits, eight 16-bit mantissa words) only after a
/// self-check has found that layout, and gives nil (Foundation's conversion is then used) otherwise, for NaN, and
/// for mantissas wider than 64 bits.
struct DecimalDigits {
    var negative: Bool
    var mantissa: UInt64
    var exponent: Int

    init?(_ value: Decimal) {
        guard Self.layoutIsKnown, let parts = Self.read(value) else { return nil }
        self = parts
    }

    private init(negative: Bool, mantissa: UInt64, exponent: Int) {
        (self.negative, self.mantissa, self.exponent) = (negative, mantissa, exponent)
    }

    private static func read(_ value: Decimal) -> DecimalDigits? {
        guard MemoryLayout<Decimal>.size == 20 else { return nil }
        return withUnsafeBytes(of: value) { bytes -> DecimalDigits? in
            let flags = bytes[1]
            let length = Int(flags >> 4), negative = flags & 0x08 != 0
            guard length <= 4, length > 0 || !negative else { return nil }  // length 0 and negative is NaN
            var mantissa: UInt64 = 0
            for word in stride(from: length - 1, through: 0, by: -1) {
                mantissa = mantissa << 16 | UInt64(bytes[4 + 2 * word]) | UInt64(bytes[5 + 2 * word]) << 8
            }
            return DecimalDigits(negative: negative && mantissa != 0, mantissa: mantissa,
                                 exponent: Int(Int8(bitPattern: bytes[0])))
        }
    }

    /// Whether values built through Foundation's public API read back as they were built.
    private static let layoutIsKnown: Bool = {
        let samples: [(Decimal, Bool, UInt64, Int)] = [
            (Decimal(sign: .minus, exponent: -1, significand: Decimal(12_345)), true, 12_345, -1),
            (Decimal(sign: .plus, exponent: 3, significand: Decimal(7)), false, 7, 3),
            (Decimal(sign: .plus, exponent: -2, significand: Decimal(UInt64(0xFEDC_BA98_7654_3211))), false,
             0xFEDC_BA98_7654_3211, -2),
            (Decimal(sign: .minus, exponent: -18, significand: Decimal(UInt64(0x1_0001))), true, 0x1_0001, -18),
        ]
        return samples.allSatisfy { value, negative, mantissa, exponent in
            guard let read = read(value) else { return false }
            return read.negative == negative && read.mantissa == mantissa && read.exponent == exponent
        }
    }()

    /// The value in decimal notation with at least `minimumFraction` decimals, thousands grouped with spaces
    /// when `grouped`.
    func text(minimumFraction: Int, grouped: Bool) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var rest = mantissa
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        digits.reverse()
        if exponent > 0, mantissa != 0 { digits.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent)) }
        let fractionCount = max(0, -exponent)
        if digits.count <= fractionCount {
            digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: fractionCount - digits.count + 1), at: 0)
        }
        let wholeCount = digits.count - fractionCount
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        out.reserveCapacity(digits.count + digits.count / 3 + 4)
        for index in 0..<wholeCount {
            if grouped, index > 0, (wholeCount - index) % 3 == 0 { out.append(UInt8(ascii: " ")) }
            out.append(digits[index])
        }
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: digits[wholeCount...])
        for _ in fractionCount..<max(fractionCount, minimumFraction) { out.append(UInt8(ascii: "0")) }
        return String(decoding: out, as: UTF8.self)
    }
}
