import Foundation
import HubCore

/// One instalment of a schedule.
public struct ScheduledInstalment: Sendable, Equatable {
    /// 1-based.
    public var number: Int
    public var dueDate: CalendarDate
    /// Calendar days since the previous due date (or the disbursement).
    public var days: Int
    public var payment: Decimal
    public var principal: Decimal
    public var interest: Decimal
    /// What is left to repay after this instalment.
    public var balance: Decimal
}

/// A loan's repayment schedule: what the calculator quotes and what `core.loan_schedule` holds.
public struct LoanSchedule: Sendable, Equatable {
    public var terms: LoanTerms
    /// The instalment the annuity formula gives, rounded once (the differentiated method's principal part).
    public var levelAmount: Decimal
    public var instalments: [ScheduledInstalment]

    public var totalPayment: Decimal { instalments.reduce(0) { $0 + $1.payment } }
    public var totalPrincipal: Decimal { instalments.reduce(0) { $0 + $1.principal } }
    public var totalInterest: Decimal { instalments.reduce(0) { $0 + $1.interest } }
}
