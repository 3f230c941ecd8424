import Foundation
import HubCore
import Testing

@Suite struct TiyinTests {
    @Test(arguments: [(Int64(0), "0.00"), (5, "0.05"), (-5, "-0.05"), (123_450, "1234.50"), (1_134_715_159, "11347151.59"),
                      (99_999_999_999_999_999, "999999999999999.99")])
    func text(_ value: Int64, _ expected: String) {
        #expect(Tiyin.text(value) == expected)
        #expect(Tiyin.parse(expected) == value)
    }

    @Test func parsesWhatPostgreSQLWrites() {
        #expect(Tiyin.parse("4000000") == 400_000_000)
        #expect(Tiyin.parse("12.5") == 1_250)
        #expect(Tiyin.parse("12.500") == 1_250)
        #expect(Tiyin.parse("12.505") == nil)
        #expect(Tiyin.parse("1e5") == nil)
        #expect(Tiyin.parse("") == nil)
        #expect(Tiyin.parse("1000000000000000.00") == nil, "past 17 digits: refused rather than overflowing")
        #expect(Tiyin.of(Decimal(string: "2259460.125")!) == 225_946_013)
        #expect(Tiyin.decimal(-225_946_012) == Decimal(string: "-2259460.12"))
    }
}
