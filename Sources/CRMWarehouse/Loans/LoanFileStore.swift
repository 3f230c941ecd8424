import Foundation
import HubCore
import Logging
import PostgresNIO

/// Loads the core banking system's loan files: contracts (`loan-contracts` → `core.loans` and each contract's
/// schedule) and operations (`loan-operations` → `core.loan_payments`, restructurings' schedules, write-offs).
/// One transaction per file through the batch lifecycle, the schedules included: a contract is never in the
/// warehouse without the schedule its terms give. A later file replaces what an earlier one said for the same key
/// (a contract; a contract's operation reference); the same file again changes nothing; a line that cannot be
/// read, or names a contract not loaded, is quarantined with its number.
package struct LoanFileStore: Sendable {
    package enum Content: Sendable {
        case contracts
        case operations

        /// The stage's payload columns, in the order `ReferenceRowWriter.append` gets the fields.
        package var payload: [String] {
            switch self {
            case .contracts:
                ["contract text", "borrower_id text", "borrower_name text", "borrower_phone text", "product text",
                 "branch text", "manager text", "currency text", "principal numeric", "annual_rate numeric",
                 "months integer", "method text", "day_count text", "rounding text", "disbursed_on date",
                 "first_due_on date"]
            case .operations:
                ["contract text", "operation_date date", "operation text", "reference text", "amount numeric",
                 "principal numeric", "interest numeric", "penalty numeric", "annual_rate numeric", "months integer",
                 "method text", "day_count text", "first_due_on date", "line_text text"]
            }
        }
    }

    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    static let stageTable = "stage_loan_rows"

    /// Streams one file's rows (`produce` is called only when the content is new), merges them, and computes with
    /// `schedules` every schedule whose terms are new or changed.
    package func load(
        _ source: BatchSource, content: Content, beforeCommit: LoadCommitHook? = nil,
        schedules: @escaping LoanScheduleBuilder,
        produce: @Sendable (inout ReferenceRowWriter) async throws -> Void
    ) async throws -> FileLoadOutcome {
        FileLoadOutcome(try await BatchLoad(warehouse: warehouse).run(source, lock: .perContent,
                                                                      beforeCommit: beforeCommit) { batch in
            let staged = try await batch.stageRows(Self.stageTable, payload: content.payload, produce: produce)
            var quarantined = staged.quarantined
            var changed = 0
            switch content {
            case .contracts:
                // Counted: the contracts that changed (their schedules follow them).
                changed += try await batch.scalar(Self.mergeContracts(batchID: batch.id))
                try await batch.connection.query(Self.dropStaleContractSchedules, logger: batch.logger)
                _ = try await Self.writeSchedules(batch, upsert: Self.upsertContractVersions(batchID: batch.id),
                                                  using: schedules)
            case .operations:
                quarantined += try await batch.scalar(Self.quarantineUnknownContracts(batch))
                changed += try await batch.scalar(Self.mergePayments(batchID: batch.id))
                // A write-off is counted as its operation; the contract's write-off date follows it.
                _ = try await batch.scalar(Self.mergeWriteOffs(batchID: batch.id))
                changed += try await Self.writeSchedules(
                    batch, upsert: Self.upsertRestructurings(batchID: batch.id), using: schedules)
            }
            let read = staged.rows + staged.quarantined
            let counts = BatchCounts(batchID: batch.id, read: read, loaded: changed,
                                     duplicate: max(0, read - quarantined - changed), quarantined: quarantined)
            return BatchWritten(counts: counts, detail: staged.samples)
        })
    }

    // MARK: Schedules

    /// Upserts schedule versions by `upsert` (which records each new or changed version in
    /// `stage_loan_versions` and returns its terms), replaces those versions' instalments with what `schedules`
    /// computes, and returns how many versions changed.
    private static func writeSchedules(_ batch: OpenBatch, upsert: PostgresQuery,
                                       using schedules: LoanScheduleBuilder) async throws -> Int {
        try await batch.connection.query("""
            CREATE TEMP TABLE stage_loan_versions (loan_id bigint, effective_from date) ON COMMIT DROP
            """, logger: batch.logger)
        var requests: [LoanScheduleRequest] = []
        for try await (loanID, contract, from, principal, rate, months, method, dayCount, firstDue, rounding)
            in try await batch.connection.query(upsert, logger: batch.logger)
            .decode((Int64, String, String, String, String, Int, String, String, String?, String).self) {
            requests.append(LoanScheduleRequest(
                loanID: loanID, contract: contract, effectiveFrom: CalendarDate(isoDate: from)!,
                principal: Decimal(plainText: principal) ?? Decimal(string: principal)!,
                annualRatePercent: Decimal(plainText: rate) ?? Decimal(string: rate)!, months: months, method: method,
                dayCount: dayCount, firstDue: firstDue.flatMap(CalendarDate.init(isoDate:)), rounding: rounding))
        }
        guard !requests.isEmpty else { return 0 }
        try await batch.connection.query("""
            DELETE FROM core.loan_schedule s USING stage_loan_versions v
            WHERE s.loan_id = v.loan_id AND s.effective_from = v.effective_from
            """, logger: batch.logger)
        let columns = ["loan_id", "effective_from", "number", "due_on", "days", "payment", "principal", "interest",
                       "balance"]
        try await batch.connection.copyFrom(schema: "core", table: "loan_schedule", columns: columns,
                                            logger: batch.logger) { writer in
            var encoder = CopyTextEncoder()
            for request in requests {
                let lines: [LoanScheduleLine]
                switch schedules(request) {
                case .success(let computed): lines = computed
                case .failure(let refusal):
                    throw HubError(.malformedInput, "contract \(request.contract): the schedule from "
                                       + "\(request.effectiveFrom.iso) cannot be computed: \(refusal.reason)",
                                   location: SourceLocation(source: batch.source.sourceName))
                }
                for line in lines {
                    encoder.field(String(request.loanID))
                    encoder.field(request.effectiveFrom)
                    encoder.field(line.number)
                    encoder.field(line.dueDate)
                    encoder.field(line.days)
                    encoder.field(Tiyin.text(line.paymentTiyin))
                    encoder.field(Tiyin.text(line.principalTiyin))
                    encoder.field(Tiyin.text(line.interestTiyin))
                    encoder.field(Tiyin.text(line.balanceTiyin))
                    encoder.endRow()
                }
                if encoder.count >= 256 * 1024 { try await writer.write(encoder.take()) }
            }
            if encoder.count > 0 { try await writer.write(encoder.take()) }
        }
        return requests.count
    }

    /// The terms a schedule request is read from, as `writeSchedules` decodes them.
    private static let returnedTerms = """
        RETURNING v.loan_id, (SELECT contract_number FROM core.loans l WHERE l.loan_id = v.loan_id),
                  v.effective_from::text, v.principal::text, v.annual_rate::text, v.months, v.method, v.day_count,
                  v.first_due_on::text, v.rounding
        """

    // MARK: Contracts

    private static let latestContracts = """
        latest AS (SELECT DISTINCT ON (contract) * FROM stage_loan_rows WHERE kind = 'r' ORDER BY contract, line DESC)
        """

    private static func mergeContracts(batchID: Int64) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            WITH \(latestContracts), changed AS (
                INSERT INTO core.loans AS l (contract_number, borrower_id, borrower_name, borrower_phone, product, branch,
                    manager, currency, principal, annual_rate, months, method, day_count, rounding, disbursed_on,
                    first_due_on, batch_id, source_line)
                SELECT contract, borrower_id, borrower_name, borrower_phone, product, branch, manager, currency,
                       principal, annual_rate, months, method, day_count, rounding, disbursed_on, first_due_on,
                       \(batchID), line
                FROM latest
                ON CONFLICT (contract_number) DO UPDATE
                SET borrower_id = EXCLUDED.borrower_id, borrower_name = EXCLUDED.borrower_name,
                    borrower_phone = EXCLUDED.borrower_phone, product = EXCLUDED.product, branch = EXCLUDED.branch,
                    manager = EXCLUDED.manager, currency = EXCLUDED.currency, principal = EXCLUDED.principal,
                    annual_rate = EXCLUDED.annual_rate, months = EXCLUDED.months, method = EXCLUDED.method,
                    day_count = EXCLUDED.day_count, rounding = EXCLUDED.rounding, disbursed_on = EXCLUDED.disbursed_on,
                    first_due_on = EXCLUDED.first_due_on, batch_id = EXCLUDED.batch_id,
                    source_line = EXCLUDED.source_line, updated_at = now()
                WHERE (l.borrower_id, l.borrower_name, l.borrower_phone, l.product, l.branch, l.manager, l.currency,
                       l.principal, l.annual_rate, l.months, l.method, l.day_count, l.rounding, l.disbursed_on,
                       l.first_due_on)
                      IS DISTINCT FROM
                      (EXCLUDED.borrower_id, EXCLUDED.borrower_name, EXCLUDED.borrower_phone, EXCLUDED.product,
                       EXCLUDED.branch, EXCLUDED.manager, EXCLUDED.currency, EXCLUDED.principal, EXCLUDED.annual_rate,
                       EXCLUDED.months, EXCLUDED.method, EXCLUDED.day_count, EXCLUDED.rounding, EXCLUDED.disbursed_on,
                       EXCLUDED.first_due_on)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM changed
            """)
    }

    /// A corrected disbursement date moves the contract's own schedule: the one under the old date goes.
    private static let dropStaleContractSchedules: PostgresQuery = """
        WITH stale AS (
            DELETE FROM core.loan_schedule_versions v USING core.loans l, stage_loan_rows s
            WHERE s.kind = 'r' AND l.contract_number = s.contract AND v.loan_id = l.loan_id
              AND v.reason = 'contract' AND v.effective_from <> l.disbursed_on
            RETURNING v.loan_id, v.effective_from
        )
        DELETE FROM core.loan_schedule s USING stale
        WHERE s.loan_id = stale.loan_id AND s.effective_from = stale.effective_from
        """

    private static func upsertContractVersions(batchID: Int64) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            WITH \(latestContracts), upserted AS (
                INSERT INTO core.loan_schedule_versions AS v (loan_id, effective_from, reason, principal, annual_rate,
                    months, method, day_count, rounding, first_due_on, batch_id, source_line)
                SELECT l.loan_id, l.disbursed_on, 'contract', l.principal, l.annual_rate, l.months, l.method,
                       l.day_count, l.rounding, l.first_due_on, \(batchID), s.line
                FROM latest s JOIN core.loans l ON l.contract_number = s.contract
                ON CONFLICT (loan_id, effective_from) DO UPDATE
                SET principal = EXCLUDED.principal, annual_rate = EXCLUDED.annual_rate, months = EXCLUDED.months,
                    method = EXCLUDED.method, day_count = EXCLUDED.day_count, rounding = EXCLUDED.rounding,
                    first_due_on = EXCLUDED.first_due_on, batch_id = EXCLUDED.batch_id,
                    source_line = EXCLUDED.source_line, updated_at = now()
                WHERE (v.principal, v.annual_rate, v.months, v.method, v.day_count, v.rounding, v.first_due_on)
                      IS DISTINCT FROM (EXCLUDED.principal, EXCLUDED.annual_rate, EXCLUDED.months, EXCLUDED.method,
                                        EXCLUDED.day_count, EXCLUDED.rounding, EXCLUDED.first_due_on)
                \(returnedTerms)
            ), recorded AS (
                INSERT INTO stage_loan_versions SELECT loan_id, effective_from::date FROM upserted
            )
            SELECT * FROM upserted
            """)
    }

    // MARK: Operations

    private static func quarantineUnknownContracts(_ batch: OpenBatch) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(batch.id)
        binds.append(batch.source.sourceKind)
        binds.append(batch.source.sourceName)
        return PostgresQuery(unsafeSQL: """
            WITH unknown AS (
                DELETE FROM stage_loan_rows s
                WHERE s.kind = 'r' AND NOT EXISTS (SELECT 1 FROM core.loans l WHERE l.contract_number = s.contract)
                RETURNING s.line, s.contract, s.line_text
            ), quarantined AS (
                INSERT INTO ops.quarantine (batch_id, source_kind, source_name, position, record_kind, reason, field, raw)
                SELECT $1, $2, $3, line, 'loan_operation',
                       'contract ' || contract || ' is not in the warehouse: import it with loan-contracts first',
                       'contract', line_text
                FROM unknown ORDER BY line
                RETURNING 1
            )
            SELECT count(*)::bigint FROM quarantined
            """, binds: binds)
    }

    private static func mergePayments(batchID: Int64) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            WITH latest AS (
                SELECT DISTINCT ON (contract, reference) * FROM stage_loan_rows
                WHERE kind = 'r' AND operation <> 'restructuring' ORDER BY contract, reference, line DESC
            ), changed AS (
                INSERT INTO core.loan_payments AS p (loan_id, reference, kind, paid_on, amount, principal, interest,
                    penalty, batch_id, source_line)
                SELECT l.loan_id, s.reference, s.operation, s.operation_date, s.amount, s.principal, s.interest,
                       s.penalty, \(batchID), s.line
                FROM latest s JOIN core.loans l ON l.contract_number = s.contract
                ON CONFLICT (loan_id, reference) DO UPDATE
                SET kind = EXCLUDED.kind, paid_on = EXCLUDED.paid_on, amount = EXCLUDED.amount,
                    principal = EXCLUDED.principal, interest = EXCLUDED.interest, penalty = EXCLUDED.penalty,
                    batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line, updated_at = now()
                WHERE (p.kind, p.paid_on, p.amount, p.principal, p.interest, p.penalty)
                      IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.paid_on, EXCLUDED.amount, EXCLUDED.principal,
                                        EXCLUDED.interest, EXCLUDED.penalty)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM changed
            """)
    }

    /// The contract's latest write-off, from every write-off it has (this file's and earlier ones').
    private static func mergeWriteOffs(batchID: Int64) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            WITH latest AS (
                SELECT DISTINCT ON (p.loan_id) p.loan_id, p.paid_on, p.amount
                FROM core.loan_payments p
                WHERE p.kind = 'write_off' AND p.loan_id IN (SELECT l.loan_id FROM core.loans l
                                                             JOIN stage_loan_rows s ON s.contract = l.contract_number
                                                             WHERE s.kind = 'r' AND s.operation = 'write_off')
                ORDER BY p.loan_id, p.paid_on DESC, p.reference DESC
            ), changed AS (
                UPDATE core.loans l SET written_off_on = latest.paid_on, written_off_amount = latest.amount,
                                        updated_at = now()
                FROM latest
                WHERE l.loan_id = latest.loan_id
                  AND (l.written_off_on, l.written_off_amount) IS DISTINCT FROM (latest.paid_on, latest.amount)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM changed
            """)
    }

    /// A restructuring states its new schedule's principal, rate and months; what it leaves out (method, day
    /// count) stays the contract's, and the rounding is always the contract's product's.
    private static func upsertRestructurings(batchID: Int64) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            WITH latest AS (
                SELECT DISTINCT ON (contract, operation_date) * FROM stage_loan_rows
                WHERE kind = 'r' AND operation = 'restructuring' ORDER BY contract, operation_date, line DESC
            ), upserted AS (
                INSERT INTO core.loan_schedule_versions AS v (loan_id, effective_from, reason, principal, annual_rate,
                    months, method, day_count, rounding, first_due_on, reference, batch_id, source_line)
                SELECT l.loan_id, s.operation_date, 'restructuring', s.principal, s.annual_rate, s.months,
                       coalesce(s.method, l.method), coalesce(s.day_count, l.day_count), l.rounding, s.first_due_on,
                       s.reference, \(batchID), s.line
                FROM latest s JOIN core.loans l ON l.contract_number = s.contract
                ON CONFLICT (loan_id, effective_from) DO UPDATE
                SET principal = EXCLUDED.principal, annual_rate = EXCLUDED.annual_rate, months = EXCLUDED.months,
                    method = EXCLUDED.method, day_count = EXCLUDED.day_count, rounding = EXCLUDED.rounding,
                    first_due_on = EXCLUDED.first_due_on, reference = EXCLUDED.reference,
                    batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line, updated_at = now()
                WHERE (v.principal, v.annual_rate, v.months, v.method, v.day_count, v.rounding, v.first_due_on,
                       v.reference)
                      IS DISTINCT FROM (EXCLUDED.principal, EXCLUDED.annual_rate, EXCLUDED.months, EXCLUDED.method,
                                        EXCLUDED.day_count, EXCLUDED.rounding, EXCLUDED.first_due_on,
                                        EXCLUDED.reference)
                \(returnedTerms)
            ), recorded AS (
                INSERT INTO stage_loan_versions SELECT loan_id, effective_from::date FROM upserted
            )
            SELECT * FROM upserted
            """)
    }
}
