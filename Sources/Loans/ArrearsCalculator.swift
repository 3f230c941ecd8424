import Foundation
import HubCore

/// Days past due and overdue amounts (reference §4.1, after Apache Fineract's delinquency service): repayments
/// pay the schedule oldest first, per component; a partial payment reduces the overdue amount but does not reset
/// the days past due until the oldest instalment is paid in full.
public enum ArrearsCalculator {
    /// The position on `businessDate` from the schedule in force and the repayments made on or before it (later
    /// ones are ignored, so a snapshot can be recomputed for any past date). One pass over each list (prefix sums
    /// of what is due, a pointer to the first instalment not yet paid ahead), in whole tiyin.
    public static func position(
        instalments: [InstalmentDue], repayments: [LoanRepayment], on businessDate: CalendarDate,
        order: [RepaymentComponent] = RepaymentComponent.allCases, graceDays: Int = 0
    ) -> ArrearsPosition {
        let schedule = inDateOrder(instalments) ? instalments : instalments.sorted { $0.dueDate < $1.dueDate }
        let count = schedule.count
        // Due through instalment k (the first k), per component.
        var dueInterest = [Int64](repeating: 0, count: count + 1)
        var duePrincipal = [Int64](repeating: 0, count: count + 1)
        for (index, instalment) in schedule.enumerated() {
            dueInterest[index + 1] = dueInterest[index] + instalment.interestTiyin
            duePrincipal[index + 1] = duePrincipal[index] + instalment.principalTiyin
        }
        var paid = repayments.filter { $0.date <= businessDate }
        if !inDateOrder(paid) {
            paid = paid.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
        }
        var paidPrincipal: Int64 = 0, paidInterest: Int64 = 0, paidPenalty: Int64 = 0, overpaid: Int64 = 0
        var dueByPayment = 0, ahead = 0
        for repayment in paid {
            if repayment.isSplit {
                paidPrincipal += repayment.principalTiyin ?? 0
                paidInterest += repayment.interestTiyin ?? 0
                paidPenalty += repayment.penaltyTiyin ?? 0
                continue
            }
            // What was due by the payment's day, per component, less what earlier payments covered.
            while dueByPayment < count && schedule[dueByPayment].dueDate <= repayment.date { dueByPayment += 1 }
            var left = repayment.amountTiyin
            for component in order where left > 0 {
                switch component {
                case .penalty:
                    continue // no penalty is charged in CRMHub's schedule; the bank's split carries the penalties
                case .interest:
                    let take = min(left, max(0, dueInterest[dueByPayment] - paidInterest))
                    paidInterest += take
                    left -= take
                case .principal:
                    let take = min(left, max(0, duePrincipal[dueByPayment] - paidPrincipal))
                    paidPrincipal += take
                    left -= take
                }
            }
            // Beyond what is due: the instalments to come, in their order, each its interest then its principal
            // (paid ahead; a repayment that shortens the loan comes with a restructuring and its new schedule).
            ahead = max(ahead, dueByPayment)
            while left > 0 && ahead < count {
                let interest = min(left, max(0, dueInterest[ahead + 1] - paidInterest))
                paidInterest += interest
                left -= interest
                let principal = min(left, max(0, duePrincipal[ahead + 1] - paidPrincipal))
                paidPrincipal += principal
                left -= principal
                if left > 0 { ahead += 1 }
            }
            overpaid += left
        }

        var dueBefore = 0
        while dueBefore < count && schedule[dueBefore].dueDate < businessDate { dueBefore += 1 }
        var firstUnpaid = 0
        while firstUnpaid < dueBefore && duePrincipal[firstUnpaid + 1] <= paidPrincipal
            && dueInterest[firstUnpaid + 1] <= paidInterest { firstUnpaid += 1 }
        let oldestUnpaid = firstUnpaid < dueBefore ? schedule[firstUnpaid].dueDate : nil
        let days = oldestUnpaid.map { max(0, businessDate.dayNumber - $0.dayNumber - graceDays) } ?? 0
        return ArrearsPosition(
            daysPastDue: days, oldestUnpaidDueDate: oldestUnpaid,
            overduePrincipalTiyin: max(0, duePrincipal[dueBefore] - paidPrincipal),
            overdueInterestTiyin: max(0, dueInterest[dueBefore] - paidInterest),
            overdueInstalments: dueBefore - firstUnpaid,
            outstandingPrincipalTiyin: max(0, duePrincipal[count] - paidPrincipal), paidPrincipalTiyin: paidPrincipal,
            paidInterestTiyin: paidInterest, paidPenaltyTiyin: paidPenalty, overpaidTiyin: overpaid,
            lastPaymentDate: paid.last?.date, lastPaymentTiyin: paid.last?.amountTiyin)
    }

    // Two plain loops: a generic one over a key path cost a tenth of the arrears snapshot in metadata lookups.
    private static func inDateOrder(_ instalments: [InstalmentDue]) -> Bool {
        var index = 1
        while index < instalments.count {
            if instalments[index].dueDate < instalments[index - 1].dueDate { return false }
            index += 1
        }
        return true
    }

    private static func inDateOrder(_ repayments: [LoanRepayment]) -> Bool {
        var index = 1
        while index < repayments.count {
            if repayments[index].date < repayments[index - 1].date { return false }
            index += 1
        }
        return true
    }
}
