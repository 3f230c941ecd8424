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

/// One instalment as `core.loan_schedule` stores it.
public struct LoanScheduleLine: Sendable, Equatable {
    public var number: Int
    public var dueDate: CalendarDate
    public var days: Int
    public var payment: Decimal
    public var principal: Decimal
    public var interest: Decimal
    public var balance: Decimal

    public init(number: Int, dueDate: CalendarDate, days: Int, payment: Decimal, principal: Decimal,
                interest: Decimal, balance: Decimal) {
        self.number = number
        self.dueDate = dueDate
        self.days = days
        self.payment = payment
        self.principal = principal
        self.interest = interest
        self.balance = balance
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

/// What is owed by one instalment of the schedule in force.
public struct InstalmentDue: Sendable, Equatable {
    public var dueDate: CalendarDate
    public var principal: Decimal
    public var interest: Decimal

    public init(dueDate: CalendarDate, principal: Decimal, interest: Decimal) {
        self.dueDate = dueDate
        self.principal = principal
        self.interest = interest
    }
}

/// One repayment as the core banking system reports it: the amount, and its split when the bank gives one.
public struct LoanRepayment: Sendable, Equatable {
    public var date: CalendarDate
    public var amount: Decimal
    /// The bank's own split; when all three are nil, the payment is split here in the product's order.
    public var principal: Decimal?
    public var interest: Decimal?
    public var penalty: Decimal?

    public init(date: CalendarDate, amount: Decimal, principal: Decimal? = nil, interest: Decimal? = nil,
                penalty: Decimal? = nil) {
        self.date = date
        self.amount = amount
        self.principal = principal
        self.interest = interest
        self.penalty = penalty
    }

    public var isSplit: Bool { principal != nil || interest != nil || penalty != nil }
}

/// What a repayment pays first when the bank does not say (a product setting; Civil Code practice: penalty,
/// interest, principal).
public enum RepaymentComponent: String, Sendable, CaseIterable, Codable {
    case penalty, interest, principal
}

/// A contract's arrears on a business date.
public struct ArrearsPosition: Sendable, Equatable {
    /// Calendar days since the due date of the oldest instalment not fully paid whose due date is before the
    /// business date (less the grace days, never below 0); 0 when nothing is overdue.
    public var daysPastDue: Int
    public var oldestUnpaidDueDate: CalendarDate?
    public var overduePrincipal: Decimal
    public var overdueInterest: Decimal
    public var overdueInstalments: Int
    /// Principal of the schedule not yet repaid (overdue or not).
    public var outstandingPrincipal: Decimal
    public var paidPrincipal: Decimal
    public var paidInterest: Decimal
    public var paidPenalty: Decimal
    /// What was paid beyond the whole schedule.
    public var overpaid: Decimal
    public var lastPaymentDate: CalendarDate?
    public var lastPaymentAmount: Decimal?

    public var overdueAmount: Decimal { overduePrincipal + overdueInterest }

    public init(daysPastDue: Int, oldestUnpaidDueDate: CalendarDate?, overduePrincipal: Decimal,
                overdueInterest: Decimal, overdueInstalments: Int, outstandingPrincipal: Decimal,
                paidPrincipal: Decimal, paidInterest: Decimal, paidPenalty: Decimal, overpaid: Decimal,
                lastPaymentDate: CalendarDate?, lastPaymentAmount: Decimal?) {
        self.daysPastDue = daysPastDue
        self.oldestUnpaidDueDate = oldestUnpaidDueDate
        self.overduePrincipal = overduePrincipal
        self.overdueInterest = overdueInterest
        self.overdueInstalments = overdueInstalments
        self.outstandingPrincipal = outstandingPrincipal
        self.paidPrincipal = paidPrincipal
        self.paidInterest = paidInterest
        self.paidPenalty = paidPenalty
        self.overpaid = overpaid
        self.lastPaymentDate = lastPaymentDate
        self.lastPaymentAmount = lastPaymentAmount
    }
}
