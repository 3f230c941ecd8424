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
        // Each contract's schedule in force and its repayments under it, packed by the server into one text
        // each (`due principal interest;…`, `day amount principal interest penalty;…`, `-` for none): a row per
        // contract instead of one per instalment, read with a byte scanner rather than decoded cell by cell.
        var binds = PostgresBindings()
        binds.append(date.iso)
        try await connection.query(PostgresQuery(unsafeSQL: """
            DECLARE loan_arrears_input NO SCROLL CURSOR FOR
            WITH in_force AS (
                SELECT DISTINCT ON (loan_id) loan_id, effective_from FROM core.loan_schedule_versions
                WHERE effective_from <= $1::date ORDER BY loan_id, effective_from DESC
            )
            SELECT l.loan_id, l.contract_number, l.borrower_id, l.borrower_name, l.product, l.branch, l.manager,
                   l.currency, l.written_off_on <= $1::date, v.effective_from::text,
                   (SELECT string_agg(s.due_on::text || ' ' || s.principal::text || ' ' || s.interest::text, ';'
                                      ORDER BY s.number)
                    FROM core.loan_schedule s WHERE s.loan_id = v.loan_id AND s.effective_from = v.effective_from),
                   (SELECT string_agg(p.paid_on::text || ' ' || p.amount::text || ' ' || coalesce(p.principal::text, '-')
                                      || ' ' || coalesce(p.interest::text, '-') || ' ' || coalesce(p.penalty::text, '-'),
                                      ';' ORDER BY p.paid_on, p.reference)
                    FROM core.loan_payments p
                    WHERE p.loan_id = v.loan_id AND p.kind = 'repayment' AND p.paid_on >= v.effective_from
                      AND p.paid_on <= $1::date)
            FROM core.loans l JOIN in_force v USING (loan_id)
            WHERE l.disbursed_on <= $1::date
            ORDER BY l.loan_id
            """, binds: binds), logger: logger)
        var count = 0
        while true {
            var encoder = CopyTextEncoder()
            var fetched = 0
            for try await row in try await connection.query(PostgresQuery(
                unsafeSQL: "FETCH \(fetchContracts) FROM loan_arrears_input"), logger: logger)
            {
                let (loanID, contract, borrowerID, borrowerName, product, branch, manager, currency, writtenOff,
                     scheduleFrom, schedule, repayments) = try row.decode(
                        (Int64, String, String, String, String, String?, String?, String, Bool?, String, String?,
                         String?).self)
                fetched += 1
                let measured = measure(Contract(loanID: loanID, product: product,
                                                instalments: Self.instalments(schedule ?? ""),
                                                repayments: Self.repayments(repayments ?? "")))
                let position = measured.position
                let status = writtenOff == true ? "written_off"
                    : position.outstandingPrincipal == 0 && position.overdueAmount == 0 ? "closed" : "active"
                let fields: [String?] = [
                    date.iso, String(loanID), contract, borrowerID, borrowerName, product, branch, manager, currency,
                    status, String(position.daysPastDue), measured.bucket, measured.classification,
                    measured.reservePercent.map { "\($0)" }, position.oldestUnpaidDueDate?.iso,
                    String(position.overdueInstalments), position.overduePrincipal.amountText,
                    position.overdueInterest.amountText, position.overdueAmount.amountText,
                    position.outstandingPrincipal.amountText, position.paidPrincipal.amountText,
                    position.paidInterest.amountText, position.paidPenalty.amountText, position.lastPaymentDate?.iso,
                    position.lastPaymentAmount?.amountText, scheduleFrom,
                ]
                for field in fields { encoder.field(field) }
                encoder.endRow()
            }
            if encoder.count > 0 {
                try await connection.copyFrom(schema: "mart", table: "loan_arrears", columns: columns, logger: logger) { writer in
                    try await writer.write(encoder.take())
                }
            }
            count += fetched
            if fetched < fetchContracts { break }
        }
        try await connection.query("CLOSE loan_arrears_input", logger: logger)
        return count
    }

    /// `2024-12-15 8947151.59 2400000.00;…` as instalments.
    static func instalments(_ text: String) -> [InstalmentDue] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: ";").compactMap { item in
            let parts = item.split(separator: " ")
            guard parts.count == 3, let due = CalendarDate(isoDate: parts[0]) else { return nil }
            return InstalmentDue(dueDate: due, principal: amount(parts[1]) ?? 0, interest: amount(parts[2]) ?? 0)
        }
    }

    /// `2025-01-15 4000000.00 - - -;…` as repayments (`-` where the bank gave no split).
    static func repayments(_ text: String) -> [LoanRepayment] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: ";").compactMap { item in
            let parts = item.split(separator: " ")
            guard parts.count == 5, let day = CalendarDate(isoDate: parts[0]), let paid = amount(parts[1]) else {
                return nil
            }
            return LoanRepayment(date: day, amount: paid, principal: amount(parts[2]), interest: amount(parts[3]),
                                 penalty: amount(parts[4]))
        }
    }

    private static func amount(_ text: Substring) -> Decimal? {
        text == "-" ? nil : Decimal(plainText: String(text)) ?? Decimal(string: String(text))
    }
}
