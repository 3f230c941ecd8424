import Foundation
import HubCore
import Logging
import PostgresNIO

/// The header facts of a statement file, for `raw.bank_statement_files`.
package struct StatementFileFacts: Sendable {
    /// `1c`, `camt053` or `mt940`.
    package var format = "1c"
    package var formatVersion: String?
    package var declaredEncoding: String?
    package var detectedEncoding: String
    package var encodingMismatch: Bool
    package var sender: String?
    package var receiver: String?
    package var createdOn: CalendarDate?
    package var createdAtTime: String?
    package var periodStart: CalendarDate?
    package var periodEnd: CalendarDate?
    package var accounts: [String]
    package var documentKinds: [String]
    package var headerJSON: String

    package init(
        formatVersion: String?, declaredEncoding: String?, detectedEncoding: String, encodingMismatch: Bool,
        sender: String?, receiver: String?, createdOn: CalendarDate?, createdAtTime: String?,
        periodStart: CalendarDate?, periodEnd: CalendarDate?, accounts: [String], documentKinds: [String],
        headerJSON: String
    ) {
        self.formatVersion = formatVersion
        self.declaredEncoding = declaredEncoding
        self.detectedEncoding = detectedEncoding
        self.encodingMismatch = encodingMismatch
        self.sender = sender
        self.receiver = receiver
        self.createdOn = createdOn
        self.createdAtTime = createdAtTime
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.accounts = accounts
        self.documentKinds = documentKinds
        self.headerJSON = headerJSON
    }
}

/// What a statement says it covers (its header), read before loading to choose the fast path.
package struct StatementScope: Sendable {
    package var accounts: [String]
    package var periodStart: CalendarDate?
    package var periodEnd: CalendarDate?

    package init(accounts: [String], periodStart: CalendarDate?, periodEnd: CalendarDate?) {
        self.accounts = accounts
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

/// What happened to one source unit.
package enum BatchOutcome: Sendable {
    case loaded(BatchCounts)
    /// The same content was loaded before; nothing changed.
    case alreadyLoaded(batchID: Int64, finishedAt: Date?)
}

/// Loads bank statements into `core.bank_transactions` / `core.bank_balances` with COPY.
///
/// Guarantees, per source unit:
/// - **one transaction**: the batch row, every transaction, balance and quarantined record commit together or
///   not at all;
/// - **once per content**: an advisory lock on the content hash serialises concurrent loads of the same file,
///   and a loaded hash is never loaded again;
/// - **once per business transaction**: the natural key plus occurrence counter is unique. When nothing loaded
///   can overlap the statement, rows are copied straight into `core.bank_transactions` (the constraint still
///   guards it, and a conflict falls back); otherwise they go through a staging table and
///   `ON CONFLICT DO NOTHING`, so overlapping statements add only what is new.
package struct BankStatementStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// Streams one statement into the warehouse. `produce` is called only when the content is new; it feeds
    /// rows to the writer (which sends them to the server as it goes) and returns the file's header facts.
    package func load(
        _ source: BatchSource,
        scope: StatementScope? = nil,
        beforeCommit: LoadCommitHook? = nil,
        produce: @Sendable (inout BankStageWriter) async throws -> StatementFileFacts
    ) async throws -> BatchOutcome {
        let result = try await BatchLoad(warehouse: warehouse).run(source, lock: .perContent,
                                                                   beforeCommit: beforeCommit) { batch in
            BatchWritten(counts: try await Self.write(batch, scope: scope, produce: produce), detail: ())
        }
        switch result {
        case .loaded(let counts, _): return .loaded(counts)
        case .alreadyLoaded(let id, let finishedAt): return .alreadyLoaded(batchID: id, finishedAt: finishedAt)
        }
    }

    /// Writes the statement's rows into the open batch: its transactions, balances, quarantined records and
    /// file facts.
    private static func write(
        _ batch: OpenBatch, scope: StatementScope?,
        produce: @Sendable (inout BankStageWriter) async throws -> StatementFileFacts
    ) async throws -> BatchCounts {
        let (batchID, source, connection, logger) = (batch.id, batch.source, batch.connection, batch.logger)
        try await connection.query("""
            CREATE TEMP TABLE stage_bank_statement (
                seq bigint, kind "char",
                account text, direction text, doc_kind text, doc_number text, doc_date date, amount numeric,
                currency text, counterparty_inn text, counterparty_pinfl text, counterparty_name text,
                counterparty_account text, counterparty_bank_code text, counterparty_bank_name text,
                purpose text, payment_code text, booked_on date, payer_account text, payer_inn text,
                payer_name text, payer_bank_code text, payee_account text, payee_inn text, payee_name text,
                payee_bank_code text, written_off_on date, credited_on date, operation_kind text, priority text,
                payment_id text, supplier_invoice_number text, attributes jsonb, natural_key uuid,
                period_end date, opening numeric, credited numeric, debited numeric, closing numeric,
                source_line integer, record_kind text, reason text, field text, raw text,
                bank_reference text, entry_reference text, end_to_end_id text, bank_transaction_code text,
                entry_kind text, return_reason text, value_date date, structured_references jsonb
            ) ON COMMIT DROP
            """, logger: logger)

        let clock = ContinuousClock()
        var phaseStart = clock.now
        func phase(_ name: String) {
            logger.debug("load phase done", metadata: ["phase": "\(name)", "seconds": "\(clock.now - phaseStart)"])
            phaseStart = clock.now
        }
        var outcome: (facts: StatementFileFacts, counters: BankStageWriter.Counters, transactionsLoaded: Int)?
        if let window = try await directWindow(scope, connection: connection, logger: logger) {
            try await connection.query("SAVEPOINT direct_load", logger: logger)
            do {
                outcome = try await loadDirectly(batchID: batchID, window: window, connection: connection,
                                                 logger: logger, produce: produce)
                try await connection.query("RELEASE SAVEPOINT direct_load", logger: logger)
                phase("direct copy")
            } catch where error is BankStageWriter.DirectModeAbandoned || Warehouse.sqlState(of: error) == "23505" {
                // Something already loaded overlaps after all, a line lies outside the window checked (the
                // header's period was wrong), or too much was held back: redo it staged.
                logger.info("falling back to the staged load", metadata: ["source.file": "\(source.sourceName)"])
                try await connection.query("ROLLBACK TO SAVEPOINT direct_load", logger: logger)
                try await connection.query("TRUNCATE stage_bank_statement", logger: logger)
            }
        }
        if outcome == nil {
            outcome = try await loadStaged(batchID: batchID, connection: connection, logger: logger, produce: produce)
            phase("staged copy and merge")
        }
        guard let (facts, counters, transactionsLoaded) = outcome else {
            throw HubError(.io, "the statement reader returned no header")
        }

        let balancesLoaded = try await connection.query("""
            WITH latest AS (
                SELECT DISTINCT ON (account, doc_date, period_end) *
                FROM stage_bank_statement WHERE kind = 'b'
                ORDER BY account, doc_date, period_end, seq DESC
            ), upserted AS (
                INSERT INTO core.bank_balances AS b (account, date, period_end, opening, credited, debited, closing,
                                                     currency, batch_id, source_line)
                SELECT account, doc_date, period_end, opening, credited, debited, closing, currency, \(batchID),
                       source_line
                FROM latest
                ON CONFLICT ON CONSTRAINT bank_balances_period_key DO UPDATE
                SET opening = EXCLUDED.opening, credited = EXCLUDED.credited, debited = EXCLUDED.debited,
                    closing = EXCLUDED.closing, batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line,
                    loaded_at = now()
                WHERE (b.opening, b.credited, b.debited, b.closing)
                      IS DISTINCT FROM (EXCLUDED.opening, EXCLUDED.credited, EXCLUDED.debited, EXCLUDED.closing)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM upserted
            """, logger: logger).collect().first!.decode(Int64.self)

        try await connection.query("""
            INSERT INTO ops.quarantine (batch_id, source_kind, source_name, position, record_kind, reason, field, raw)
            SELECT \(batchID), \(source.sourceKind), \(source.sourceName), source_line, record_kind, reason, field, raw
            FROM stage_bank_statement WHERE kind = 'q' ORDER BY seq
            """, logger: logger)

        try await connection.query("""
            INSERT INTO raw.bank_statement_files (batch_id, format, format_version, declared_encoding, detected_encoding,
                encoding_mismatch, sender, receiver, created_on, created_at_time, period_start, period_end,
                accounts, document_kinds, header)
            VALUES (\(batchID), \(facts.format), \(facts.formatVersion), \(facts.declaredEncoding), \(facts.detectedEncoding),
                \(facts.encodingMismatch), \(facts.sender), \(facts.receiver), \(facts.createdOn?.iso)::date,
                \(facts.createdAtTime), \(facts.periodStart?.iso)::date, \(facts.periodEnd?.iso)::date,
                \(facts.accounts), \(facts.documentKinds), \(facts.headerJSON)::jsonb)
            """, logger: logger)

        let loaded = transactionsLoaded + Int(balancesLoaded)
        let read = counters.documents + counters.balances + counters.quarantined
        return BatchCounts(
            batchID: batchID, read: read, loaded: loaded,
            duplicate: read - counters.quarantined - loaded, quarantined: counters.quarantined)
    }

    /// Direct loading is safe to try when nothing already loaded is near the statement's accounts and period:
    /// then no line can be a duplicate, of this format or of another (the cross-format match of `loadStaged`).
    /// The window checked is returned; a line outside it sends the load to the staged path.
    private static func directWindow(
        _ scope: StatementScope?, connection: LoadConnection, logger: Logger
    ) async throws -> BankStageWriter.DirectWindow? {
        guard let scope, !scope.accounts.isEmpty, let start = scope.periodStart, let end = scope.periodEnd else {
            return nil
        }
        // A month either side: document dates (part of the natural key) may precede the booking date.
        let overlap = try await connection.query("""
            SELECT EXISTS (
                SELECT 1 FROM core.bank_transactions
                WHERE account = ANY(\(scope.accounts))
                  AND booked_on BETWEEN \(start.iso)::date - 31 AND \(end.iso)::date + 31)
            """, logger: logger).collect().first!.decode(Bool.self)
        return overlap ? nil : BankStageWriter.DirectWindow(
            accounts: Set(scope.accounts), from: start.adding(days: -31), to: end.adding(days: 31))
    }

    private static func loadDirectly(
        batchID: Int64, window: BankStageWriter.DirectWindow, connection: LoadConnection, logger: Logger,
        produce: @Sendable (inout BankStageWriter) async throws -> StatementFileFacts
    ) async throws -> (StatementFileFacts, BankStageWriter.Counters, Int) {
        // postgres-nio quotes the table name as one identifier, so the schema comes from the search path.
        try await connection.query("SET LOCAL search_path TO core, pg_temp", logger: logger)
        var facts: StatementFileFacts?
        var counters = BankStageWriter.Counters()
        var heldBack = CopyTextEncoder(capacity: 0)
        try await connection.copyFrom(table: "bank_transactions", columns: BankStageWriter.directColumns,
                                      logger: logger) { copyWriter in
            var writer = BankStageWriter(writer: copyWriter, mode: .direct(batchID: batchID, window: window))
            facts = try await produce(&writer)
            try await writer.flush()
            counters = writer.counters
            heldBack = writer.heldBack
        }
        try await connection.query("RESET search_path", logger: logger)
        if heldBack.count > 0 {
            try await connection.copyFrom(table: "stage_bank_statement", logger: logger) { copyWriter in
                try await copyWriter.write(heldBack.take())
            }
        }
        guard let facts else { throw HubError(.io, "the statement reader returned no header") }
        return (facts, counters, counters.documents)
    }

    private static func loadStaged(
        batchID: Int64, connection: LoadConnection, logger: Logger,
        produce: @Sendable (inout BankStageWriter) async throws -> StatementFileFacts
    ) async throws -> (StatementFileFacts, BankStageWriter.Counters, Int) {
        var facts: StatementFileFacts?
        var counters = BankStageWriter.Counters()
        try await connection.copyFrom(table: "stage_bank_statement", logger: logger) { copyWriter in
            var writer = BankStageWriter(writer: copyWriter, mode: .staged)
            facts = try await produce(&writer)
            try await writer.flush()
            counters = writer.counters
        }
        guard let facts else { throw HubError(.io, "the statement reader returned no header") }
        let transactionsLoaded = try await connection.query("""
            WITH numbered AS (
                SELECT s.*, row_number() OVER (PARTITION BY natural_key ORDER BY seq) AS occurrence,
                       -- The same payment order within this file, for matching it against another format's copy.
                       row_number() OVER (PARTITION BY account, direction, amount, booked_on,
                                                       ltrim(doc_number, '0'), coalesce(counterparty_inn, '')
                                          ORDER BY seq) AS order_rank
                FROM stage_bank_statement s WHERE kind = 't'
            ), inserted AS (
                INSERT INTO core.bank_transactions (
                    account, direction, doc_kind, doc_number, doc_date, amount, currency, counterparty_inn,
                    counterparty_pinfl, counterparty_name, counterparty_account, counterparty_bank_code,
                    counterparty_bank_name, purpose, payment_code, booked_on, payer_account, payer_inn, payer_name,
                    payer_bank_code, payee_account, payee_inn, payee_name, payee_bank_code, written_off_on,
                    credited_on, operation_kind, priority, payment_id, supplier_invoice_number, attributes,
                    natural_key, occurrence, batch_id, source_line, bank_reference, entry_reference, end_to_end_id,
                    bank_transaction_code, entry_kind, return_reason, value_date, structured_references)
                SELECT account, direction, doc_kind, doc_number, doc_date, amount, currency, counterparty_inn,
                    counterparty_pinfl, counterparty_name, counterparty_account, counterparty_bank_code,
                    counterparty_bank_name, purpose, payment_code, booked_on, payer_account, payer_inn, payer_name,
                    payer_bank_code, payee_account, payee_inn, payee_name, payee_bank_code, written_off_on,
                    credited_on, operation_kind, priority, payment_id, supplier_invoice_number, attributes,
                    natural_key, occurrence, \(batchID), source_line, bank_reference, entry_reference, end_to_end_id,
                    bank_transaction_code, coalesce(entry_kind, 'payment'), return_reason, value_date,
                    structured_references
                FROM numbered n
                -- A booking keyed by the bank's reference is known whole or not at all: once any line of it is
                -- loaded (from camt or MT940, this file or another), none of its lines is added again.
                WHERE (n.entry_reference IS NULL
                       OR NOT EXISTS (SELECT 1 FROM core.bank_transactions t WHERE t.natural_key = n.natural_key))
                  -- The same payment received in the other kind of statement (a 1C client-bank file vs camt.053 or
                  -- MT940, which share no key): our account, direction, amount, booking day, the payment order's
                  -- number and the counterparty's INN or account. The k-th such line of this file is a duplicate
                  -- while the warehouse holds at least k of them, so two identical real payments both survive.
                  -- Two branches with the kind spelled out, so that each lookup is an index probe: a 1C line
                  -- probes the partial index of camt/MT940 lines (0007), nearly free when there are none; a camt or
                  -- MT940 line probes (account, booked_on, amount) (0008).
                  AND (coalesce(n.doc_number, '') IN ('', 'NOTPROVIDED') OR n.order_rank > CASE
                      WHEN n.doc_kind IN ('camt.053', 'MT940') THEN (
                          SELECT count(*) FROM core.bank_transactions t
                          WHERE t.account = n.account AND t.booked_on = n.booked_on AND t.amount = n.amount
                            AND t.doc_kind NOT IN ('camt.053', 'MT940') AND t.direction = n.direction
                            AND ltrim(t.doc_number, '0') = ltrim(n.doc_number, '0')
                            AND (t.counterparty_inn = n.counterparty_inn
                                 OR t.counterparty_account = n.counterparty_account))
                      ELSE (
                          SELECT count(*) FROM core.bank_transactions t
                          WHERE t.account = n.account AND t.booked_on = n.booked_on AND t.amount = n.amount
                            AND t.doc_kind IN ('camt.053', 'MT940') AND t.direction = n.direction
                            AND ltrim(t.doc_number, '0') = ltrim(n.doc_number, '0')
                            AND (t.counterparty_inn = n.counterparty_inn
                                 OR t.counterparty_account = n.counterparty_account))
                      END)
                ON CONFLICT ON CONSTRAINT bank_transactions_natural_key DO NOTHING
                RETURNING source_line
            )
            SELECT count(DISTINCT source_line)::bigint FROM inserted
            """, logger: logger).collect().first!.decode(Int64.self)
        return (facts, counters, Int(transactionsLoaded))
    }
}
