import Foundation
import HubCore

/// The credit calculator: a schedule from terms, in exact decimal arithmetic (reference §3.1).
///
/// - Annuity: the instalment A = P·i / (1 − (1+i)^−n) with i = rate/12 (the 30/360 periodic rate, whatever the
///   day count), rounded once to the unit. Each period's interest is the balance's interest by the day-count
///   convention, rounded half-up to the unit; the principal part is A minus it.
/// - Differentiated: the principal part P/n rounded once; the interest as above.
/// - The last instalment repays the whole remaining balance with its interest, so the schedule closes at 0.00
///   and absorbs both the rounding and the day-count drift.
public enum LoanScheduleCalculator {
    public static func schedule(_ terms: LoanTerms) throws(LoanTermsError) -> LoanSchedule {
        let problems = terms.problems
        guard problems.isEmpty else { throw LoanTermsError(problems: problems) }
        let unit = terms.rounding
        let level = levelAmount(terms)
        var balance = terms.principal
        var previous = terms.disbursed
        var instalments: [ScheduledInstalment] = []
        instalments.reserveCapacity(terms.months)
        for number in 1...terms.months {
            let due = terms.dueDate(number)
            let interest = unit.round(terms.dayCount.interest(on: balance, annualRatePercent: terms.annualRatePercent,
                                                              from: previous, to: due))
            var principal: Decimal
            if number == terms.months {
                principal = balance
            } else {
                principal = terms.method == .annuity ? level - interest : level
                // A first period much longer than a month can earn more interest than the instalment: the
                // principal part is then nothing, never negative, and the instalment is the interest.
                principal = min(max(principal, 0), balance)
            }
            balance -= principal
            instalments.append(ScheduledInstalment(
                number: number, dueDate: due, days: due.dayNumber - previous.dayNumber,
                payment: principal + interest, principal: principal, interest: interest, balance: balance))
            previous = due
        }
        return LoanSchedule(terms: terms, levelAmount: level, instalments: instalments)
    }

    /// The annuity's instalment or the differentiated principal part, rounded to the unit.
    static func levelAmount(_ terms: LoanTerms) -> Decimal {
        let count = Decimal(terms.months)
        guard terms.method == .annuity, terms.annualRatePercent > 0 else {
            return terms.rounding.round(terms.principal / count)
        }
        let rate = terms.annualRatePercent / 1_200
        // (1+i)^n by repeated multiplication: exact to Decimal's 38 digits, unlike a floating-point pow.
        var growth = Decimal(1)
        for _ in 0..<terms.months { growth *= 1 + rate }
        return terms.rounding.round(terms.principal * rate * growth / (growth - 1))
    }
}

/// Terms that cannot make a schedule, with every reason at once.
public struct LoanTermsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [LoanTermsProblem]

    public var description: String { problems.map(\.description).joined(separator: "; ") }
}
