import Foundation
import HubCore

/// One instalment of a schedule: the row `core.loan_schedule` stores, in hundredths of the currency (tiyin).
public typealias ScheduledInstalment = LoanScheduleLine

extension LoanScheduleLine {
    /// The same amounts as `Decimal`s, for callers that compute in them.
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
