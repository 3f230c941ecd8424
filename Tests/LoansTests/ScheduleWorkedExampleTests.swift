import Foundation
import HubCore
import Loans
import Testing

/// The reference's worked examples (§3.2), row by row as it prints them: rows 1–3, the last, and the totals.
@Suite struct ScheduleWorkedExampleTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var method: RepaymentMethod
        var dayCount: DayCountConvention
        var rows: [String]
        var totals: (payment: String, interest: String)
        var testDescription: String { "\(method.rawValue) \(dayCount.rawValue)" }
    }

    static let examples: [Example] = [
        Example(method: .annuity, dayCount: .thirty360, rows: [
            "1,2024-12-15,30,11347151.59,8947151.59,2400000.00,111052848.41",
            "2,2025-01-15,31,11347151.59,9126094.62,2221056.97,101926753.79",
            "3,2025-02-15,31,11347151.59,9308616.51,2038535.08,92618137.28",
            "12,2025-11-15,31,11347151.67,11124658.50,222493.17,0.00",
        ], totals: ("136165819.16", "16165819.16")),
        Example(method: .annuity, dayCount: .actual365, rows: [
            "1,2024-12-15,30,11347151.59,8980028.30,2367123.29,111019971.70",
            "2,2025-01-15,31,11347151.59,9084169.15,2262982.44,101935802.55",
            "3,2025-02-15,31,11347151.59,9269336.88,2077814.71,92666465.67",
            "12,2025-11-15,31,11286047.28,11060593.00,225454.28,0.00",
        ], totals: ("136104714.77", "16104714.77")),
        Example(method: .annuity, dayCount: .actualActual, rows: [
            "1,2024-12-15,30,11347151.59,8986495.85,2360655.74,111013504.15",
            "2,2025-01-15,31,11347151.59,9087691.47,2259460.12,101925812.68",
            "3,2025-02-15,31,11347151.59,9269540.50,2077611.09,92656272.18",
            "12,2025-11-15,31,11273871.03,11048659.99,225211.04,0.00",
        ], totals: ("136092538.52", "16092538.52")),
        Example(method: .differentiated, dayCount: .actual365, rows: [
            "1,2024-12-15,30,12367123.29,10000000.00,2367123.29,110000000.00",
            "2,2025-01-15,31,12242191.78,10000000.00,2242191.78,100000000.00",
            "3,2025-02-15,31,12038356.16,10000000.00,2038356.16,90000000.00",
            "12,2025-11-15,31,10203835.62,10000000.00,203835.62,0.00",
        ], totals: ("135550684.94", "15550684.94")),
        Example(method: .differentiated, dayCount: .thirty360, rows: [
            "1,2024-12-15,30,12400000.00,10000000.00,2400000.00,110000000.00",
            "2,2025-01-15,31,12200000.00,10000000.00,2200000.00,100000000.00",
            "3,2025-02-15,31,12000000.00,10000000.00,2000000.00,90000000.00",
            "12,2025-11-15,31,10200000.00,10000000.00,200000.00,0.00",
        ], totals: ("135600000.00", "15600000.00")),
    ]

    @Test(arguments: examples)
    func reproducesTheReference(_ example: Example) throws {
        let schedule = try LoanScheduleCalculator.schedule(exampleTerms(example.method, example.dayCount))
        #expect(schedule.instalments.count == 12)
        let shown = [0, 1, 2, 11].map { row(schedule.instalments[$0]) }
        #expect(shown == example.rows)
        #expect(schedule.totalPayment.amountText == example.totals.payment)
        #expect(schedule.totalInterest.amountText == example.totals.interest)
        #expect(schedule.totalPrincipal == 120_000_000)
    }

    @Test func annuityInstalmentIsTheReferencesA() throws {
        let schedule = try LoanScheduleCalculator.schedule(exampleTerms(.annuity, .thirty360))
        #expect(schedule.levelAmount.amountText == "11347151.59")
        // Every instalment but the last is exactly A; the last absorbs the rounding (8 tiyin here).
        #expect(schedule.instalments.dropLast().allSatisfy { $0.payment == schedule.levelAmount })
    }

    @Test func actualActualSplitsTheSecondPeriodAtTheNewYear() throws {
        // 0.24 × (17/366 + 14/365) on 111 013 504.15 is 2 259 460.12 (reference §3.2).
        let interest = DayCountConvention.actualActual.interest(
            on: try amount("111013504.15"), annualRatePercent: 24, from: try day("2024-12-15"), to: try day("2025-01-15"))
        #expect(RoundingUnit.tiyin.round(interest).amountText == "2259460.12")
    }
}
