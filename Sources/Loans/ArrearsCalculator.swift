import Foundation
import HubCore

/// Days past due and overdue amounts (reference §4.1, after Apache Fineract's delinquency service): repayments
/// pay the schedule oldest first, per component; a partial payment reduces the overdue amount but does not reset
/// the days past due until the oldest instalment is paid in full.
public enum ArrearsCalculator {
    /// The position on `businessDate` from the schedule in force and the repayments made on or before it (later
    /// ones are ignored, so a snapshot can be recomputed for any past date).
    public static func position(
        instalments: [InstalmentDue], repayments: [LoanRepayment], on businessDate: CalendarDate,
        order: [RepaymentComponent] = RepaymentComponent.allCases, graceDays: Int = 0
    ) -> ArrearsPosition {
        let schedule = instalments.sorted { $0.dueDate < $1.dueDate }
        let paid = repayments.filter { $0.date <= businessDate }.sorted { $0.date < $1.date }
        var paidPrincipal = Decimal(0), paidInterest = Decimal(0), paidPenalty = Decimal(0), overpaid = Decimal(0)
        let totalPrincipal = schedule.reduce(Decimal(0)) { $0 + $1.principal }
        for repayment in paid {
            if repayment.isSplit {
                paidPrincipal += repayment.principal ?? 0
                paidInterest += repayment.interest ?? 0
                paidPenalty += repayment.penalty ?? 0
                continue
            }
            // What was due by the payment's day, per component, less what earlier payments covered.
            var dueInterest = Decimal(0), duePrincipal = Decimal(0)
            for instalment in schedule where instalment.dueDate <= repayment.date {
                dueInterest += instalment.interest
                duePrincipal += instalment.principal
            }
            var left = repayment.amount
            for component in order where left > 0 {
                switch component {
                case .penalty:
                    continue // no penalty is charged in CRMHub's schedule; the bank's split carries the penalties
                case .interest:
                    let take = min(left, max(0, dueInterest - paidInterest))
                    paidInterest += take
                    left -= take
                case .principal:
                    let take = min(left, max(0, duePrincipal - paidPrincipal))
                    paidPrincipal += take
                    left -= take
                }
            }
            // Beyond what is due: the instalments to come, in their order, each its interest then its principal
            // (paid ahead; a repayment that shortens the loan comes with a restructuring and its new schedule).
            var aheadInterest = dueInterest, aheadPrincipal = duePrincipal
            for instalment in schedule where instalment.dueDate > repayment.date && left > 0 {
                aheadInterest += instalment.interest
                aheadPrincipal += instalment.principal
                let interest = min(left, max(0, aheadInterest - paidInterest))
                paidInterest += interest
                left -= interest
                let principal = min(left, max(0, aheadPrincipal - paidPrincipal))
                paidPrincipal += principal
                left -= principal
            }
            overpaid += left
        }

        var cumulativePrincipal = Decimal(0), cumulativeInterest = Decimal(0)
        var oldestUnpaid: CalendarDate?
        var overdueInstalments = 0
        for instalment in schedule where instalment.dueDate < businessDate {
            cumulativePrincipal += instalment.principal
            cumulativeInterest += instalment.interest
            if cumulativePrincipal > paidPrincipal || cumulativeInterest > paidInterest {
                oldestUnpaid = oldestUnpaid ?? instalment.dueDate
                overdueInstalments += 1
            }
        }
        let days = oldestUnpaid.map { max(0, businessDate.dayNumber - $0.dayNumber - graceDays) } ?? 0
        return ArrearsPosition(
            daysPastDue: days, oldestUnpaidDueDate: oldestUnpaid,
            overduePrincipal: max(0, cumulativePrincipal - paidPrincipal),
            overdueInterest: max(0, cumulativeInterest - paidInterest), overdueInstalments: overdueInstalments,
            outstandingPrincipal: max(0, totalPrincipal - paidPrincipal), paidPrincipal: paidPrincipal,
            paidInterest: paidInterest, paidPenalty: paidPenalty, overpaid: overpaid,
            lastPaymentDate: paid.last?.date, lastPaymentAmount: paid.last?.amount)
    }
}
