import Foundation

/// A schedule the warehouse needs computed: a contract's own, or a restructuring's, with the terms it states.
/// The loads hand these to the credit calculator (module Loans) and store what it returns.
public struct LoanScheduleRequest: Sendable, Equatable {
    public var loanID: Int64
    public var contract: String
    public var effectiveFrom: CalendarDate
    public var principal: Decimal
    public var annualRatePercent: Decimal
    public var months: Int
    /// `annuity` or `differentiated`.
    public var method: String
    /// `30/360`, `act/365`, `act/act` or `act/360`.
    public var dayCount: String
    public var firstDue: CalendarDate?
    /// `0.01` or `1`.
    public var rounding: String

    public init(loanID: Int64, contract: String, effectiveFrom: CalendarDate, principal: Decimal,
                annualRatePercent: Decimal, months: Int, method: String, dayCount: String, firstDue: CalendarDate?,
                rounding: String) {
        self.loanID = loanID
        self.contract = contract
        self.effectiveFrom = effectiveFrom
        self.principal = principal
        self.annualRatePercent = annualRatePercent
        self.months = months
        self.method = method
        self.dayCount = dayCount
        self.firstDue = firstDue
        self.rounding = rounding
    }
}

/// One instalment as `core.loan_schedule` stores it, in hundredths (tiyin); the credit calculator's
/// `ScheduledInstalment`.
public struct LoanScheduleLine: Sendable, Equatable {
    /// 1-based.
    public var number: Int
    public var dueDate: CalendarDate
    /// Calendar days since the previous due date (or the disbursement).
    public var days: Int
    public var paymentTiyin: Int64
    public var principalTiyin: Int64
    public var interestTiyin: Int64
    /// What is left to repay after this instalment.
    public var balanceTiyin: Int64

    public init(number: Int, dueDate: CalendarDate, days: Int, paymentTiyin: Int64, principalTiyin: Int64,
                interestTiyin: Int64, balanceTiyin: Int64) {
        self.number = number
        self.dueDate = dueDate
        self.days = days
        self.paymentTiyin = paymentTiyin
        self.principalTiyin = principalTiyin
        self.interestTiyin = interestTiyin
        self.balanceTiyin = balanceTiyin
    }
}

/// Computes the instalments of a requested schedule, or says why its terms cannot make one.
public typealias LoanScheduleBuilder = @Sendable (LoanScheduleRequest) -> Result<[LoanScheduleLine], LoanScheduleRefusal>

/// Why a requested schedule could not be computed (the terms' problems, for the quarantine).
public struct LoanScheduleRefusal: Error, Sendable, Equatable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}

/// What is owed by one instalment of the schedule in force, in hundredths (tiyin).
public struct InstalmentDue: Sendable, Equatable {
    public var dueDate: CalendarDate
    public var principalTiyin: Int64
    public var interestTiyin: Int64

    public init(dueDate: CalendarDate, principalTiyin: Int64, interestTiyin: Int64) {
        self.dueDate = dueDate
        self.principalTiyin = principalTiyin
        self.interestTiyin = interestTiyin
    }

    /// From amounts with at most two decimals.
    public init(dueDate: CalendarDate, principal: Decimal, interest: Decimal) {
        self.init(dueDate: dueDate, principalTiyin: Tiyin.of(principal) ?? 0, interestTiyin: Tiyin.of(interest) ?? 0)
    }
}

/// One repayment as the core banking system reports it: the amount, and its split when the bank gives one.
public struct LoanRepayment: Sendable, Equatable {
    public var date: CalendarDate
    public var amountTiyin: Int64
    /// The bank's own split; when all three are nil, the payment is split by the product's order.
    public var principalTiyin: Int64?
    public var interestTiyin: Int64?
    public var penaltyTiyin: Int64?

    public init(date: CalendarDate, amountTiyin: Int64, principalTiyin: Int64? = nil, interestTiyin: Int64? = nil,
                penaltyTiyin: Int64? = nil) {
        self.date = date
        self.amountTiyin = amountTiyin
        self.principalTiyin = principalTiyin
        self.interestTiyin = interestTiyin
        self.penaltyTiyin = penaltyTiyin
    }

    /// From amounts with at most two decimals.
    public init(date: CalendarDate, amount: Decimal, principal: Decimal? = nil, interest: Decimal? = nil,
                penalty: Decimal? = nil) {
        self.init(date: date, amountTiyin: Tiyin.of(amount) ?? 0, principalTiyin: principal.flatMap(Tiyin.of),
                  interestTiyin: interest.flatMap(Tiyin.of), penaltyTiyin: penalty.flatMap(Tiyin.of))
    }

    public var isSplit: Bool { principalTiyin != nil || interestTiyin != nil || penaltyTiyin != nil }
}

/// What a repayment pays first when the bank does not say (a product setting; Civil Code practice: penalty,
/// interest, principal).
public enum RepaymentComponent: String, Sendable, CaseIterable, Codable {
    case penalty, interest, principal
}

/// A contract's arrears on a business date, in hundredths (tiyin), with the same values as `Decimal`s.
public struct ArrearsPosition: Sendable, Equatable {
    /// Calendar days since the due date of the oldest instalment not fully paid whose due date is before the
    /// business date (less the grace days, never below 0); 0 when nothing is overdue.
    public var daysPastDue: Int
    public var oldestUnpaidDueDate: CalendarDate?
    public var overduePrincipalTiyin: Int64
    public var overdueInterestTiyin: Int64
    public var overdueInstalments: Int
    /// Principal of the schedule not yet repaid (overdue or not).
    public var outstandingPrincipalTiyin: Int64
    public var paidPrincipalTiyin: Int64
    public var paidInterestTiyin: Int64
    public var paidPenaltyTiyin: Int64
    /// What was paid beyond the whole schedule.
    public var overpaidTiyin: Int64
    public var lastPaymentDate: CalendarDate?
    public var lastPaymentTiyin: Int64?

    public init(daysPastDue: Int, oldestUnpaidDueDate: CalendarDate?, overduePrincipalTiyin: Int64,
                overdueInterestTiyin: Int64, overdueInstalments: Int, outstandingPrincipalTiyin: Int64,
                paidPrincipalTiyin: Int64, paidInterestTiyin: Int64, paidPenaltyTiyin: Int64, overpaidTiyin: Int64,
                lastPaymentDate: CalendarDate?, lastPaymentTiyin: Int64?) {
        self.daysPastDue = daysPastDue
        self.oldestUnpaidDueDate = oldestUnpaidDueDate
        self.overduePrincipalTiyin = overduePrincipalTiyin
        self.overdueInterestTiyin = overdueInterestTiyin
        self.overdueInstalments = overdueInstalments
        self.outstandingPrincipalTiyin = outstandingPrincipalTiyin
        self.paidPrincipalTiyin = paidPrincipalTiyin
        self.paidInterestTiyin = paidInterestTiyin
        self.paidPenaltyTiyin = paidPenaltyTiyin
        self.overpaidTiyin = overpaidTiyin
        self.lastPaymentDate = lastPaymentDate
        self.lastPaymentTiyin = lastPaymentTiyin
    }

    public var overdueTiyin: Int64 { overduePrincipalTiyin + overdueInterestTiyin }
    public var overdueAmount: Decimal { Tiyin.decimal(overdueTiyin) }
    public var overduePrincipal: Decimal { Tiyin.decimal(overduePrincipalTiyin) }
    public var overdueInterest: Decimal { Tiyin.decimal(overdueInterestTiyin) }
    public var outstandingPrincipal: Decimal { Tiyin.decimal(outstandingPrincipalTiyin) }
    public var overpaid: Decimal { Tiyin.decimal(overpaidTiyin) }
    public var lastPaymentAmount: Decimal? { lastPaymentTiyin.map(Tiyin.decimal) }
}
