import Foundation
import HubCore

/// One instalment of a schedule, in hundredths of the currency (tiyin), with the same values as `Decimal`s.
public struct ScheduledInstalment: Sendable, Equatable {
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

    public var payment: Decimal { Tiyin.decimal(paymentTiyin) }
    public var principal: Decimal { Tiyin.decimal(principalTiyin) }
    public var interest: Decimal { Tiyin.decimal(interestTiyin) }
    public var balance: Decimal { Tiyin.decimal(balanceTiyin) }
}

/// A loan's repayment schedule: what the calculator quotes and what `core.loan_schedule` holds.
public struct LoanSchedule: Sendable, Equatable {
    public var terms: LoanTerms
    /// The instalment the annuity formula gives, rounded once (the differentiated method's principal part).
    public var levelTiyin: Int64
    public var instalments: [ScheduledInstalment]

    public var levelAmount: Decimal { Tiyin.decimal(levelTiyin) }
    public var totalPayment: Decimal { Tiyin.decimal(instalments.reduce(0) { $0 + $1.paymentTiyin }) }
    public var totalPrincipal: Decimal { Tiyin.decimal(instalments.reduce(0) { $0 + $1.principalTiyin }) }
    public var totalInterest: Decimal { Tiyin.decimal(instalments.reduce(0) { $0 + $1.interestTiyin }) }
}
