import Foundation
import HubCore

/// How the instalments are shaped.
public enum RepaymentMethod: String, Sendable, CaseIterable, Codable {
    /// Equal instalments (аннуитетный): the instalment is fixed, its interest part falls over time.
    case annuity
    /// Equal principal (дифференцированный): the principal part is fixed, the instalment falls over time.
    case differentiated
}

/// The unit every amount of a schedule is rounded to: the tiyin, or whole sums for products that quote no
/// tiyins (a product setting, reference §3.1).
public enum RoundingUnit: String, Sendable, CaseIterable, Codable {
    case tiyin = "0.01"
    case wholeSum = "1"

    /// Decimal places kept.
    var scale: Int { self == .tiyin ? 2 : 0 }

    /// `value` rounded half-up (half away from zero) to the unit.
    public func round(_ value: Decimal) -> Decimal {
        var result = Decimal()
        var source = value
        NSDecimalRound(&result, &source, scale, .plain)
        return result
    }
}

/// What a loan officer chooses in the credit calculator, and what a contract from the core banking system states.
public struct LoanTerms: Sendable, Equatable {
    public var principal: Decimal
    /// The nominal annual rate in percent (24 for 24 %).
    public var annualRatePercent: Decimal
    /// The number of monthly instalments.
    public var months: Int
    public var method: RepaymentMethod
    public var dayCount: DayCountConvention
    public var disbursed: CalendarDate
    /// The first instalment's date; by default one month after disbursement. Later instalments fall on the same
    /// day of each month as the anchor (the first due date when given, else the disbursement), clamped to the
    /// month's end: disbursed 31 January → 28 February, 31 March, 30 April.
    public var firstDue: CalendarDate?
    public var rounding: RoundingUnit

    public init(principal: Decimal, annualRatePercent: Decimal, months: Int, method: RepaymentMethod,
                dayCount: DayCountConvention, disbursed: CalendarDate, firstDue: CalendarDate? = nil,
                rounding: RoundingUnit = .tiyin) {
        self.principal = principal
        self.annualRatePercent = annualRatePercent
        self.months = months
        self.method = method
        self.dayCount = dayCount
        self.disbursed = disbursed
        self.firstDue = firstDue
        self.rounding = rounding
    }

    /// The longest term the calculator accepts (50 years of monthly instalments).
    public static let maximumMonths = 600

    /// Every reason these terms cannot make a schedule, for the person who typed them.
    public var problems: [LoanTermsProblem] {
        var problems: [LoanTermsProblem] = []
        if principal <= 0 { problems.append(.principalNotPositive(principal)) }
        if annualRatePercent < 0 || annualRatePercent > 1_000 { problems.append(.rateOutOfRange(annualRatePercent)) }
        if months < 1 || months > Self.maximumMonths { problems.append(.termOutOfRange(months)) }
        if let firstDue {
            if firstDue <= disbursed { problems.append(.firstDueNotAfterDisbursement(firstDue, disbursed)) }
            if firstDue > disbursed.adding(months: 12) { problems.append(.firstDueTooLate(firstDue, disbursed)) }
        }
        if rounding.round(principal) != principal { problems.append(.principalFinerThanUnit(principal, rounding)) }
        if principal > 1_000_000_000_000_000 { problems.append(.principalTooLarge(principal)) }
        if Tiyin.of(annualRatePercent * 10_000).map({ Tiyin.decimal($0) / 10_000 != annualRatePercent }) ?? true {
            problems.append(.rateTooPrecise(annualRatePercent))
        }
        return problems
    }

    /// The due date of instalment `number` (1-based).
    public func dueDate(_ number: Int) -> CalendarDate {
        if let firstDue { return firstDue.adding(months: number - 1) }
        return disbursed.adding(months: number)
    }
}

/// Why terms cannot make a schedule.
public enum LoanTermsProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case principalNotPositive(Decimal)
    case rateOutOfRange(Decimal)
    case termOutOfRange(Int)
    case firstDueNotAfterDisbursement(CalendarDate, CalendarDate)
    case firstDueTooLate(CalendarDate, CalendarDate)
    case principalFinerThanUnit(Decimal, RoundingUnit)
    case principalTooLarge(Decimal)
    case rateTooPrecise(Decimal)

    public var description: String {
        switch self {
        case .principalNotPositive(let value): "the principal must be more than 0, not \(value)"
        case .rateOutOfRange(let value): "the annual rate must be between 0 and 1000 %, not \(value)"
        case .termOutOfRange(let value):
            "the term must be 1 to \(LoanTerms.maximumMonths) monthly instalments, not \(value)"
        case .firstDueNotAfterDisbursement(let due, let disbursed):
            "the first due date \(due) must come after the disbursement on \(disbursed)"
        case .firstDueTooLate(let due, let disbursed):
            "the first due date \(due) is more than a year after the disbursement on \(disbursed)"
        case .principalFinerThanUnit(let value, let unit):
            "the principal \(value) has more decimals than the rounding unit \(unit.rawValue) allows"
        case .principalTooLarge(let value): "the principal \(value) is more than 10^15"
        case .rateTooPrecise(let value): "the rate \(value) has more than 6 decimals"
        }
    }
}
