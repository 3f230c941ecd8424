import Foundation
import HubCore

/// The credit calculator: a schedule from terms, in exact arithmetic (reference §3.1).
///
/// - Annuity: the instalment A = P·i / (1 − (1+i)^−n) with i = rate/12 (the 30/360 periodic rate, whatever the
///   day count), rounded once to the unit. Each period's interest is the balance's interest by the day-count
///   convention, rounded half-up to the unit; the principal part is A minus it.
/// - Differentiated: the principal part P/n rounded once; the interest as above.
/// - The last instalment repays the whole remaining balance with its interest, so the schedule closes at 0.00
///   and absorbs both the rounding and the day-count drift.
///
/// Amounts are whole tiyin and each period's interest an exact fraction (`Int128`), rounded once: the same numbers
/// as decimal arithmetic, at a fraction of its cost. Only A, a power series, is computed in `Decimal`.
public enum LoanScheduleCalculator {
    public static func schedule(_ terms: LoanTerms) throws(LoanTermsError) -> LoanSchedule {
        let problems = terms.problems
        guard problems.isEmpty else { throw LoanTermsError(problems: problems) }
        let unit: Int128 = terms.rounding == .tiyin ? 1 : 100
        // Checked by `problems`: both fit, the rate in millionths of a percent.
        let principal = Tiyin.of(terms.principal)!
        let rateMicro = Int128(Tiyin.of(terms.annualRatePercent * 10_000)!)
        let level = levelTiyin(terms, principal: principal, unit: unit)
        var balance = principal
        var previous = terms.disbursed
        var instalments: [ScheduledInstalment] = []
        instalments.reserveCapacity(terms.months)
        for number in 1...terms.months {
            let due = terms.dueDate(number)
            let (numerator, denominator) = terms.dayCount.interestFraction(
                balanceTiyin: Int128(balance), rateMicroPercent: rateMicro, from: previous, to: due)
            let interest = Int64(roundHalfUp(numerator, denominator, unit: unit))
            var part: Int64
            if number == terms.months {
                part = balance
            } else {
                part = terms.method == .annuity ? level - interest : level
                // A first period much longer than a month can earn more interest than the instalment: the
                // principal part is then nothing, never negative, and the instalment is the interest.
                part = min(max(part, 0), balance)
            }
            balance -= part
            instalments.append(ScheduledInstalment(
                number: number, dueDate: due, days: due.dayNumber - previous.dayNumber, paymentTiyin: part + interest,
                principalTiyin: part, interestTiyin: interest, balanceTiyin: balance))
            previous = due
        }
        return LoanSchedule(terms: terms, levelTiyin: level, instalments: instalments)
    }

    /// `numerator / denominator` (both ≥ 0) rounded half-up to a multiple of `unit` tiyin.
    static func roundHalfUp(_ numerator: Int128, _ denominator: Int128, unit: Int128) -> Int128 {
        let scaled = denominator * unit
        return (2 * numerator + scaled) / (2 * scaled) * unit
    }

    /// The annuity's instalment or the differentiated principal part, rounded to the unit.
    static func levelTiyin(_ terms: LoanTerms, principal: Int64, unit: Int128) -> Int64 {
        guard terms.method == .annuity, terms.annualRatePercent > 0 else {
            return Int64(roundHalfUp(Int128(principal), Int128(terms.months), unit: unit))
        }
        let rate = terms.annualRatePercent / 1_200
        // (1+i)^n by repeated multiplication: exact to Decimal's 38 digits, unlike a floating-point pow.
        var growth = Decimal(1)
        for _ in 0..<terms.months { growth *= 1 + rate }
        return Tiyin.of(terms.rounding.round(terms.principal * rate * growth / (growth - 1)))!
    }
}

/// Terms that cannot make a schedule, with every reason at once.
public struct LoanTermsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [LoanTermsProblem]

    public var description: String { problems.map(\.description).joined(separator: "; ") }
}
