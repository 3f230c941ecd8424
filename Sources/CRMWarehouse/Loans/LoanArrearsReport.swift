import Foundation
import HubCore
import PostgresNIO

/// What collectors and loan officers read from a day's arrears snapshot: the problem contracts (overdue, not
/// written off), worst first, and the portfolio by bucket.
package struct LoanArrearsReport: Sendable {
    package struct ProblemLoan: Sendable, Equatable {
        package var contract: String
        package var borrowerID: String
        package var borrowerName: String
        package var phone: String?
        package var product: String
        package var branch: String?
        package var manager: String?
        package var currency: String
        package var daysPastDue: Int
        package var bucket: String
        package var classification: String
        package var oldestUnpaidDue: CalendarDate?
        package var overdueInstalments: Int
        package var overduePrincipal: String
        package var overdueInterest: String
        package var overdueAmount: String
        package var outstandingPrincipal: String
        package var lastPaymentOn: CalendarDate?
        package var lastPaymentAmount: String?
    }

    package struct BucketTotal: Sendable, Equatable {
        package var bucket: String
        package var currency: String
        package var contracts: Int
        package var outstandingPrincipal: String
        package var overdueAmount: String
    }

    package var date: CalendarDate
    package var problemLoans: [ProblemLoan]
    package var buckets: [BucketTotal]

    /// The snapshot of `date`; nil when none was taken for that day.
    package static func read(_ warehouse: Warehouse, on date: CalendarDate) async throws -> LoanArrearsReport? {
        let connection = warehouse.client
        let taken = try await connection.query(
            "SELECT 1 FROM ops.loan_arrears_snapshots WHERE snapshot_date = \(date.iso)::date",
            logger: warehouse.logger).collect()
        guard !taken.isEmpty else { return nil }
        var loans: [ProblemLoan] = []
        for try await (contract, borrowerID, name, phone, product, branch, manager, currency, days, bucket,
                       classification, oldest, instalments, principal, interest, overdue, outstanding, lastOn,
                       lastAmount) in try await connection.query("""
            SELECT a.contract_number, a.borrower_id, a.borrower_name, l.borrower_phone, a.product, a.branch,
                   a.manager, a.currency, a.days_past_due, a.bucket, a.classification,
                   a.oldest_unpaid_due_on::text, a.overdue_instalments, a.overdue_principal::text,
                   a.overdue_interest::text, a.overdue_amount::text, a.outstanding_principal::text,
                   a.last_payment_on::text, a.last_payment_amount::text
            FROM mart.loan_arrears a JOIN core.loans l USING (loan_id)
            WHERE a.snapshot_date = \(date.iso)::date AND a.status = 'active' AND a.days_past_due > 0
            ORDER BY a.days_past_due DESC, a.overdue_amount DESC, a.contract_number
            """, logger: warehouse.logger).decode((String, String, String, String?, String, String?, String?,
                                                   String, Int, String, String, String?, Int, String, String,
                                                   String, String, String?, String?).self) {
            loans.append(ProblemLoan(
                contract: contract, borrowerID: borrowerID, borrowerName: name, phone: phone, product: product,
                branch: branch, manager: manager, currency: currency, daysPastDue: days, bucket: bucket,
                classification: classification, oldestUnpaidDue: oldest.flatMap(CalendarDate.init(isoDate:)),
                overdueInstalments: instalments, overduePrincipal: principal, overdueInterest: interest,
                overdueAmount: overdue, outstandingPrincipal: outstanding,
                lastPaymentOn: lastOn.flatMap(CalendarDate.init(isoDate:)), lastPaymentAmount: lastAmount))
        }
        var buckets: [BucketTotal] = []
        for try await (bucket, currency, contracts, outstanding, overdue) in try await connection.query("""
            SELECT bucket, currency, count(*)::int, sum(outstanding_principal)::text, sum(overdue_amount)::text
            FROM mart.loan_arrears
            WHERE snapshot_date = \(date.iso)::date AND status = 'active'
            GROUP BY bucket, currency ORDER BY currency, min(days_past_due), bucket
            """, logger: warehouse.logger).decode((String, String, Int, String, String).self) {
            buckets.append(BucketTotal(bucket: bucket, currency: currency, contracts: contracts,
                                       outstandingPrincipal: outstanding, overdueAmount: overdue))
        }
        return LoanArrearsReport(date: date, problemLoans: loans, buckets: buckets)
    }
}
