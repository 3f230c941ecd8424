import Foundation
import HubCore
import Logging
import PostgresNIO

/// Writes the daily arrears snapshot (`mart.loan_arrears`): every contract disbursed by the business date,
/// measured against the schedule in force that day with the repayments made under it by then. A day's snapshot
/// is taken once, in one transaction; taking it again changes nothing unless asked to replace it, so yesterday's
/// picture stays what collectors saw.
package struct LoanArrearsStore: Sendable {
    /// One contract as the arrears rules see it.
    package struct Contract: Sendable {
        package var loanID: Int64
        package var product: String
        package var instalments: [InstalmentDue]
        package var repayments: [LoanRepayment]
    }

    /// What the rules made of a contract.
    package struct Measured: Sendable {
        package var position: ArrearsPosition
        package var bucket: String
        package var classification: String
        package var reservePercent: Decimal?

        package init(position: ArrearsPosition, bucket: String, classification: String, reservePercent: Decimal?) {
            self.position = position
            self.bucket = bucket
            self.classification = classification
            self.reservePercent = reservePercent
        }
    }

    package enum Outcome: Sendable, Equatable {
        case taken(contracts: Int)
        /// The day's snapshot existed: nothing was changed.
        case alreadyTaken(contracts: Int, takenAt: Date)
    }

    package let warehouse: Warehouse
    /// Contracts per FETCH: memory holds this many contracts' schedules and repayments at a time.
    package var fetchContracts = 5_000

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    package func snapshot(
        on date: CalendarDate, settingsSHA256: String, replace: Bool,
        measure: @Sendable (Contract) -> Measured
    ) async throws -> Outcome {
        let logger = warehouse.logger
        let fetchContracts = fetchContracts
        return try await warehouse.withLoadConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('crmhub:loan-arrears', 0))",
                                           logger: logger)
                let existing = try await connection.query("""
                    SELECT contracts, taken_at FROM ops.loan_arrears_snapshots WHERE snapshot_date = \(date.iso)::date
                    """, logger: logger).collect().first
                if let existing {
                    let (contracts, takenAt) = try existing.decode((Int, Date).self)
                    guard replace else { return .alreadyTaken(contracts: contracts, takenAt: takenAt) }
                    try await connection.query("DELETE FROM mart.loan_arrears WHERE snapshot_date = \(date.iso)::date",
                                               logger: logger)
                    try await connection.query("""
                        DELETE FROM ops.loan_arrears_snapshots WHERE snapshot_date = \(date.iso)::date
                        """, logger: logger)
                }
                try await connection.query("""
                    INSERT INTO ops.loan_arrears_snapshots (snapshot_date, contracts, settings_sha256)
                    VALUES (\(date.iso)::date, 0, \(settingsSHA256))
                    """, logger: logger)
                let count = try await Self.measureAll(on: date, fetchContracts: fetchContracts, connection: connection,
                                                      logger: logger, measure: measure)
                try await connection.query("""
                    UPDATE ops.loan_arrears_snapshots SET contracts = \(count) WHERE snapshot_date = \(date.iso)::date
                    """, logger: logger)
                return .taken(contracts: count)
            }
        }
    }

    /// The columns of `mart.loan_arrears` the snapshot writes, in `write`'s order.
    static let columns = [
        "snapshot_date", "loan_id", "contract_number", "borrower_id", "borrower_name", "product", "branch", "manager",
        "currency", "status", "days_past_due", "bucket", "classification", "reserve_percent", "oldest_unpaid_due_on",
        "overdue_instalments", "overdue_principal", "overdue_interest", "overdue_amount", "outstanding_principal",
        "paid_principal", "paid_interest", "paid_penalty", "last_payment_on", "last_payment_amount", "schedule_from",
    ]

    private static func measureAll(
        on date: CalendarDate, fetchContracts: Int, connection: LoadConnection, logger: Logger,
        measure: @Sendable (Contract) -> Measured
    ) async throws -> Int {
        // Each contract's schedule in force and its repayments under it as arrays: one row per contract instead of
        // one per instalment, gathered by index in the contracts' order (no sort of six million rows), and read in
        // PostgreSQL's binary form (`PackedColumns`) rather than as text: the server formats nothing. The arrays
        // are not ordered by the server (a sort per contract and array was 60 % of the time): they come in index
        // order, and `ArrearsCalculator` puts instalments and repayments in date order itself when they are not.
        // JIT off: compiling the plan cost more than it saved.
        var binds = PostgresBindings()
        binds.append(date.iso)
        try await connection.query("SET LOCAL cursor_tuple_fraction = 1.0", logger: logger)
        try await connection.query("SET LOCAL jit = off", logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: """
            DECLARE loan_arrears_input NO SCROLL CURSOR FOR
            SELECT l.loan_id, l.contract_number, l.borrower_id, l.borrower_name, l.product, l.branch, l.manager,
                   l.currency, l.written_off_on <= $1::date, v.effective_from::text,
                   s.due_on, s.principal, s.interest, r.paid_on, r.amount, r.principal, r.interest, r.penalty
            FROM core.loans l
            CROSS JOIN LATERAL (
                SELECT effective_from FROM core.loan_schedule_versions w
                WHERE w.loan_id = l.loan_id AND w.effective_from <= $1::date ORDER BY effective_from DESC LIMIT 1
            ) v
            CROSS JOIN LATERAL (
                SELECT array_agg(s.due_on) AS due_on, array_agg(s.principal) AS principal,
                       array_agg(s.interest) AS interest
                FROM core.loan_schedule s WHERE s.loan_id = l.loan_id AND s.effective_from = v.effective_from
            ) s
            CROSS JOIN LATERAL (
                SELECT array_agg(p.paid_on) AS paid_on,
                       array_agg(p.amount) AS amount,
                       array_agg(p.principal) AS principal,
                       array_agg(p.interest) AS interest,
                       array_agg(p.penalty) AS penalty
                FROM core.loan_payments p
                WHERE p.loan_id = l.loan_id AND p.kind = 'repayment' AND p.paid_on >= v.effective_from
                  AND p.paid_on <= $1::date
            ) r
            WHERE l.disbursed_on <= $1::date
            ORDER BY l.loan_id
            """, binds: binds), logger: logger)
        var count = 0
        let clock = ContinuousClock()
        var fetching = Duration.zero, copying = Duration.zero
        while true {
            var encoder = CopyTextEncoder()
            var fetched = 0
            let fetchStarted = clock.now
            for try await row in try await connection.query(PostgresQuery(
                unsafeSQL: "FETCH \(fetchContracts) FROM loan_arrears_input"), logger: logger)
            {
                let (loanID, contract, borrowerID, borrowerName, product, branch, manager, currency, writtenOff,
                     scheduleFrom, due, principal, interest, paidOn, amount, paidPrincipal, paidInterest,
                     paidPenalty) = try row.decode(
                        (Int64, String, String, String, String, String?, String?, String, Bool?, String, ByteBuffer?,
                         ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?).self)
                fetched += 1
                let measured = measure(Contract(
                    loanID: loanID, product: product,
                    instalments: try PackedColumns.instalments(due: due, principal: principal, interest: interest),
                    repayments: try PackedColumns.repayments(date: paidOn, amount: amount, principal: paidPrincipal,
                                                             interest: paidInterest, penalty: paidPenalty)))
                let position = measured.position
                let status = writtenOff == true ? "written_off"
                    : position.outstandingPrincipalTiyin == 0 && position.overdueTiyin == 0 ? "closed" : "active"
                let fields: [String?] = [
                    date.iso, String(loanID), contract, borrowerID, borrowerName, product, branch, manager, currency,
                    status, String(position.daysPastDue), measured.bucket, measured.classification,
                    measured.reservePercent.map { "\($0)" }, position.oldestUnpaidDueDate?.iso,
                    String(position.overdueInstalments), Tiyin.text(position.overduePrincipalTiyin),
                    Tiyin.text(position.overdueInterestTiyin), Tiyin.text(position.overdueTiyin),
                    Tiyin.text(position.outstandingPrincipalTiyin), Tiyin.text(position.paidPrincipalTiyin),
                    Tiyin.text(position.paidInterestTiyin), Tiyin.text(position.paidPenaltyTiyin),
                    position.lastPaymentDate?.iso, position.lastPaymentTiyin.map(Tiyin.text), scheduleFrom,
                ]
                for field in fields { encoder.field(field) }
                encoder.endRow()
            }
            let copyStarted = clock.now
            fetching += copyStarted - fetchStarted
            if encoder.count > 0 {
                try await connection.copyFrom(schema: "mart", table: "loan_arrears", columns: columns, logger: logger) { writer in
                    try await writer.write(encoder.take())
                }
            }
            copying += clock.now - copyStarted
            count += fetched
            if fetched < fetchContracts { break }
        }
        try await connection.query("CLOSE loan_arrears_input", logger: logger)
        logger.debug("loan arrears measured", metadata: ["contracts": "\(count)", "fetch_and_measure": "\(fetching)",
                                                         "copy": "\(copying)"])
        return count
    }
}
