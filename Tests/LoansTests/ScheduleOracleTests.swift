import Foundation
import HubCore
import Loans
import Testing

/// Whole schedules against the independent computation (scripts/loan-oracle.py, Fixtures/README.md), every
/// row to the tiyin: the worked examples in full and the edge cases a loan officer meets.
@Suite struct ScheduleOracleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        var terms: LoanTerms
        var testDescription: String { fixture }
    }

    static func terms(_ principal: Decimal, _ rate: Decimal, _ months: Int, _ method: RepaymentMethod,
                      _ dayCount: DayCountConvention, _ disbursed: String, firstDue: String? = nil,
                      rounding: RoundingUnit = .tiyin) -> LoanTerms {
        LoanTerms(principal: principal, annualRatePercent: rate, months: months, method: method, dayCount: dayCount,
                  disbursed: CalendarDate(isoDate: disbursed)!, firstDue: firstDue.flatMap(CalendarDate.init(isoDate:)),
                  rounding: rounding)
    }

    static let cases: [Case] = [
        Case(fixture: "annuity-30-360", terms: terms(120_000_000, 24, 12, .annuity, .thirty360, "2024-11-15")),
        Case(fixture: "annuity-act-365", terms: terms(120_000_000, 24, 12, .annuity, .actual365, "2024-11-15")),
        Case(fixture: "annuity-act-act", terms: terms(120_000_000, 24, 12, .annuity, .actualActual, "2024-11-15")),
        Case(fixture: "differentiated-act-365",
             terms: terms(120_000_000, 24, 12, .differentiated, .actual365, "2024-11-15")),
        Case(fixture: "differentiated-30-360",
             terms: terms(120_000_000, 24, 12, .differentiated, .thirty360, "2024-11-15")),
        // Disbursed on 31 January of a leap year: 29 February, then each month's end; ACT/ACT over 366 days.
        Case(fixture: "month-end-leap-act-act",
             terms: terms(50_000_000, Decimal(string: "18.5")!, 6, .annuity, .actualActual, "2024-01-31")),
        // 31 January → 28 February is a whole 30/360 month (the end-of-month rule).
        Case(fixture: "month-end-30-360",
             terms: terms(50_000_000, Decimal(string: "18.5")!, 6, .differentiated, .thirty360, "2025-01-31")),
        // A first period of 40 days, five years of ACT/360.
        Case(fixture: "long-first-period-act-360",
             terms: terms(250_000_000, Decimal(string: "21.9")!, 60, .annuity, .actual360, "2023-06-10",
                          firstDue: "2023-07-20")),
        // Whole sums, disbursed on a leap day.
        Case(fixture: "whole-sum-act-365",
             terms: terms(35_000_000, 27, 24, .annuity, .actual365, "2024-02-29", rounding: .wholeSum)),
        Case(fixture: "zero-rate", terms: terms(9_000_000, 0, 9, .annuity, .actual365, "2025-03-01")),
    ]

    @Test(arguments: cases)
    func matchesTheIndependentComputation(_ testCase: Case) throws {
        let schedule = try LoanScheduleCalculator.schedule(testCase.terms)
        let expected = try oracleRows(testCase.fixture)
        let rows = schedule.instalments.map(row)
        #expect(rows.count == expected.count)
        for (index, (computed, oracle)) in zip(rows, expected).enumerated() {
            #expect(computed == oracle, "instalment \(index + 1)")
        }
        #expect(schedule.instalments.last?.balance == 0)
        #expect(schedule.totalPrincipal == testCase.terms.principal)
    }

    @Test func wholeSumRoundingLeavesNoTiyin() throws {
        let schedule = try LoanScheduleCalculator.schedule(Self.cases[8].terms)
        for instalment in schedule.instalments {
            #expect(RoundingUnit.wholeSum.round(instalment.payment) == instalment.payment)
            #expect(RoundingUnit.wholeSum.round(instalment.interest) == instalment.interest)
        }
    }

    @Test func refusesTermsWithEveryReason() throws {
        var terms = Self.cases[0].terms
        terms.principal = -5
        terms.months = 0
        terms.firstDue = try day("2024-11-01")
        #expect(throws: LoanTermsError.self) { try LoanScheduleCalculator.schedule(terms) }
        do {
            _ = try LoanScheduleCalculator.schedule(terms)
        } catch {
            #expect(error.problems.count == 3)
            #expect(error.description.contains("the principal must be more than 0"))
            #expect(error.description.contains("1 to 600 monthly instalments"))
            #expect(error.description.contains("must come after the disbursement"))
        }
    }

    @Test func monthEndDueDatesFollowTheAnchorDay() throws {
        let terms = Self.terms(1_000_000, 12, 4, .annuity, .actual365, "2025-01-31")
        #expect((1...4).map { terms.dueDate($0).iso } == ["2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"])
    }
}
