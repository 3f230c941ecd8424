import Foundation
import HubCore
import Testing

/// The fast amount texts (`DecimalText.swift`) say exactly what Foundation's conversions said.
@Suite struct DecimalTextTests {
    /// What `amountText` was before: NSDecimalNumber's text, padded to two decimals.
    static func foundationAmountText(_ value: Decimal) -> String {
        let text = NSDecimalNumber(decimal: value).stringValue
        guard let point = text.firstIndex(of: ".") else { return text + ".00" }
        let fraction = text.distance(from: point, to: text.endIndex) - 1
        return fraction >= 2 ? text : text + String(repeating: "0", count: 2 - fraction)
    }

    /// What `money()` was before: rounded half away from zero, thousands grouped with spaces.
    static func foundationMoney(_ value: Decimal) -> String {
        var rounded = Decimal()
        var source = value
        NSDecimalRound(&rounded, &source, 2, .plain)
        let negative = rounded < 0
        let parts = "\(negative ? -rounded : rounded)".split(separator: ".", maxSplits: 1)
        let whole = Array(parts[0])
        var grouped = ""
        for (index, character) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(" ") }
            grouped.append(character)
        }
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count < 2 { fraction.append("0") }
        return (negative ? "-" : "") + grouped + "." + fraction
    }

    static let texts = ["0", "0.00", "-0.50", "7", "12.5", "12.50", "12.345", "12.3449", "-12.345", "45600000",
                        "45600000.00", "79995000.00", "100", "1000000", "0.005", "0.004", "999999999999999999",
                        "123456789012345.67", "1.10", "-1000.00", "3000000.000", "0.1"]

    @Test func plainTextReadsWhatFoundationReads() {
        for text in Self.texts {
            #expect(Decimal(plainText: text) == Decimal(string: text), "\(text)")
        }
        for bad in ["", "-", ".", "1.2.3", "1e5", " 12", "12 ", "+1", "1,5", "--1", "12345678901234567890"] {
            #expect(Decimal(plainText: bad) == nil, "\(bad)")
        }
    }

    @Test func amountAndMoneyTextsAreFoundationsForParsedComputedAndLiteralValues() {
        var values = Self.texts.compactMap { Decimal(string: $0) }
        values += [Decimal(45_600_000), Decimal(100), Decimal(0), Decimal(-3), Decimal(string: "1")! / 3,
                   Decimal(string: "2")! / 3, Decimal(string: "12650000")! / Decimal(string: "12650.37")!,
                   // Read from memory (`DecimalDigits`): a mantissa with trailing zeros, the widest that fits 64 bits
                   // and one beyond it, a positive exponent, a value far below a cent.
                   Decimal(sign: .plus, exponent: -3, significand: Decimal(3_000_000_000)),
                   Decimal(string: "18446744073709551615")!, Decimal(string: "184467440737095516.16")!,
                   Decimal(string: "18446744073709551616.5")!, Decimal(sign: .minus, exponent: 4, significand: 12),
                   Decimal(string: "0.000000000000000000001")!]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let cents = Int64.random(in: -10_000_000_000...10_000_000_000, using: &generator)
            values.append(Decimal(cents) / 100)
            values.append(Decimal(plainText: String(cents) + "0")! / 1000)
            values.append(Decimal(plainText: String(cents))! * Decimal(plainText: "1.5")!)
        }
        for value in values {
            #expect(value.amountText == Self.foundationAmountText(value), "\(value)")
            #expect(value.moneyText == Self.foundationMoney(value), "\(value)")
        }
    }

    @Test func confidencesHaveTwoDecimals() {
        let confidences: [Double] = [0.95, 0.9, 1, 0, 0.755, 0.5, 0.07]
        let texts: [String] = confidences.map(\.twoDecimalsText)
        #expect(texts == ["0.95", "0.90", "1.00", "0.00", "0.76", "0.50", "0.07"])
        for hundredths in 0...100 {
            let value = Double(hundredths) / 100
            #expect(value.twoDecimalsText == String(format: "%.2f", value))
        }
    }
}
