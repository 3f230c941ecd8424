import Foundation
import HubCore
import Logging
import PostgresNIO

/// What one ledger's pass of a `crmhub reconcile` decided.
package struct ReconciliationPassCounts: Sendable, Equatable {
    package var payments = 0
    package var auto = 0
    package var suggested = 0
    package var unmatched = 0
    package var bankLines = 0
    package var ownPayments = 0
    package var openInvoices = 0

    /// Counts a line's outcome (`by: -1` takes back one decided again).
    mutating func tally(_ outcome: String, by delta: Int = 1) {
        switch outcome {
        case "matched": auto += delta
        case "review": suggested += delta
        case "bank": bankLines += delta
        case "own_payment": ownPayments += delta
        default: unmatched += delta
        }
    }

    mutating func add(_ other: ReconciliationPassCounts) {
        payments += other.payments
        auto += other.auto
        suggested += other.suggested
        unmatched += other.unmatched
        bankLines += other.bankLines
        ownPayments += other.ownPayments
        openInvoices += other.openInvoices
    }
}

/// What one `crmhub reconcile` did: the sums over both ledgers, and the payables' own counts when that pass ran.
package struct ReconciliationSummary: Sendable {
    package var runID: Int64
    package var payments: Int
    package var auto: Int
    package var suggested: Int
    package var unmatched: Int
    package var bankLines: Int
    package var ownPayments: Int
    package var openInvoices: Int
    /// Our payments to suppliers against their invoices; nil when no supplier invoice is in the warehouse.
    package var payables: ReconciliationPassCounts?
    package var ruleCounts: [String: Int]
    package var seconds: Double
}

/// The warehouse side of reconciliation: which lines and invoices are open, and how the engine's decisions
/// are merged in (docs/reconciliation.md, decision D15).
///
/// Guarantees:
/// - **One run at a time, all or nothing**: an advisory lock, one transaction.
/// - **Decisions last**: lines with an `auto` or `confirmed` allocation or advance are not looked at again;
///   `rejected` pairs are handed to the engine, which never proposes them again; only `suggested` rows of the
///   lines looked at are replaced, and only where the new proposal differs, so a rerun on unchanged data
///   changes nothing.
/// - **Set-wise where it pays**: counterparty resolution (INN/PINFL → account + MFO → name), open residuals,
///   rejected pairs and return links are computed by PostgreSQL; lines stream to the engine in slices of
///   `sliceSize` in booking order, and results come back by COPY.
/// - **Both ledgers, one engine**: the receivables pass, then (once supplier invoices exist) the payables pass,
///   each over its own lines and tables (`ReconciliationLedger`), in the same transaction.
package struct ReconciliationStore: Sendable {
    package let warehouse: Warehouse
    package var sliceSize = 10_000
    /// A pass over at least this many lines analyzes the tables it wrote before its last steps.
    static let analyzeAfterLines = 10_000

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// - Parameter payables: whether our outgoing payments are matched to supplier invoices (the rules file's
    ///   `payables` setting); the pass runs only when the warehouse holds supplier invoices.
    package func reconcile<Decider: PaymentDecider & Sendable>(
        from: CalendarDate?, to: CalendarDate?, rulesSHA256: String, payables: Bool = true,
        progress: (@Sendable (Int, Int) -> Void)? = nil,
        rateSettings: ExchangeRates = ExchangeRates(),
        makeDecider: @Sendable (LedgerSide, [OpenInvoice], ExchangeRates) -> Decider
    ) async throws -> ReconciliationSummary {
        let logger = warehouse.logger
        let started = ContinuousClock.now
        return try await warehouse.withLoadConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('crmhub:reconcile', 0))",
                                           logger: logger)
                // JIT off: compiling the plan of the lines' preparation took 1.8 of its 9 s at a million lines and
                // saved nothing; the run's other statements are COPYs and index lookups it does not speed up.
                try await connection.query("SET LOCAL jit = off", logger: logger)
                let runID = try await connection.query("""
                    INSERT INTO ops.reconciliation_runs (period_from, period_to, rules_sha256, status)
                    VALUES (\(from?.iso)::date, \(to?.iso)::date, \(rulesSHA256), 'running') RETURNING id
                    """, logger: logger).collect().first!.decode(Int64.self)
                var payablesActive = false
                if payables {
                    payablesActive = try await connection.query(
                        "SELECT EXISTS (SELECT 1 FROM core.supplier_invoices WHERE NOT deleted)", logger: logger
                    ).collect().first!.decode(Bool.self)
                }
                let rates = try await Self.exchangeRates(rateSettings, connection: connection, logger: logger)
                var total = ReconciliationPassCounts()
                var payablesCounts: ReconciliationPassCounts?
                var ruleCounts: [String: Int] = [:]
                for ledger in payablesActive ? [ReconciliationLedger.receivables, .payables] : [.receivables] {
                    let (counts, rules) = try await Self.pass(
                        ledger, warehouse: warehouse, payablesActive: payablesActive, runID: runID, from: from, to: to, rates: rates,
                        sliceSize: sliceSize, connection: connection, logger: logger, progress: progress,
                        makeDecider: makeDecider)
                    total.add(counts)
                    if ledger.side == .payables { payablesCounts = counts }
                    ruleCounts.merge(rules, uniquingKeysWith: +)
                }
                try await connection.query("""
                    UPDATE ops.reconciliation_runs
                    SET finished_at = clock_timestamp(), status = 'succeeded', payments = \(total.payments),
                        auto = \(total.auto), suggested = \(total.suggested), unmatched = \(total.unmatched),
                        payables_payments = \(payablesCounts?.payments), payables_auto = \(payablesCounts?.auto),
                        payables_suggested = \(payablesCounts?.suggested),
                        rule_counts = \(JSONText.object(ruleCounts.sorted { $0.key < $1.key }
                            .map { (key: $0.key, value: String($0.value)) }))::jsonb
                    WHERE id = \(runID)
                    """, logger: logger)
                let elapsed = ContinuousClock.now - started
                return ReconciliationSummary(
                    runID: runID, payments: total.payments, auto: total.auto, suggested: total.suggested,
                    unmatched: total.unmatched, bankLines: total.bankLines, ownPayments: total.ownPayments,
                    openInvoices: total.openInvoices, payables: payablesCounts, ruleCounts: ruleCounts,
                    seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
        }
    }

    /// One ledger's pass: its open invoices, its lines in slices through the engine, its advances offset, and
    /// the merge into its tables.
    static func pass<Decider: PaymentDecider & Sendable>(
        _ ledger: ReconciliationLedger, warehouse: Warehouse, payablesActive: Bool, runID: Int64, from: CalendarDate?, to: CalendarDate?,
        rates: ExchangeRates, sliceSize: Int, connection: LoadConnection, logger: Logger,
        progress: (@Sendable (Int, Int) -> Void)?,
        makeDecider: @Sendable (LedgerSide, [OpenInvoice], ExchangeRates) -> Decider
    ) async throws -> (ReconciliationPassCounts, [String: Int]) {
        // The temporary tables of an earlier pass of the same run.
        try await connection.query("""
            DROP TABLE IF EXISTS recon_payments, recon_allocations, recon_advances, recon_outcomes, recon_withdrawn,
                recon_paid_in_full
            """, logger: logger)
        let clock = ContinuousClock()
        var phaseStart = clock.now
        func phase(_ name: String, _ more: Logger.Metadata = [:]) {
            logger.info("reconcile phase done", metadata: more.merging([
                "ledger": "\(ledger.side.rawValue)", "phase": "\(name)", "seconds": "\(clock.now - phaseStart)",
                "rss MiB": "\(ProcessMemory.residentMiB)", "peak rss MiB": "\(ProcessMemory.peakResidentMiB)",
            ]) { $1 })
            phaseStart = clock.now
        }
        // The server prepares the lines on this connection while a second one reads the open invoices and the
        // engine indexes them: one core each, where one after the other left a core idle for a third of the run.
        // The second connection reads in this transaction's snapshot (exported, as pg_dump's workers do), so it
        // sees the committed data this transaction saw at that moment, as the invoice read did when it ran here.
        let snapshot = try await Self.exportSnapshot(connection: connection, logger: logger)
        let preparing = Task {
            try await Self.preparePayments(ledger, payablesActive: payablesActive, from: from, to: to,
                                           connection: connection, logger: logger)
        }
        var invoices: [OpenInvoice]
        var passRates = rates
        do {
            (invoices, passRates.invoiceCurrencies) = try await warehouse.withLoadConnection { reader in
                try await reader.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                try await reader.query("SET TRANSACTION SNAPSHOT '\(unescaped: snapshot)'", logger: logger)
                try await reader.query("SET LOCAL jit = off", logger: logger)
                let invoices = try await Self.openInvoices(ledger, connection: reader, logger: logger)
                let currencies = try await Self.invoiceCurrencies(ledger, connection: reader, logger: logger)
                try await reader.query("COMMIT", logger: logger)
                return (invoices, currencies)
            }
        } catch {
            // Nothing may reach the connection once the run's transaction is being rolled back.
            _ = try? await preparing.value
            throw error
        }
        let openCount = invoices.count
        phase("open invoices read (while the lines are prepared)")
        var decider = makeDecider(ledger.side, invoices, passRates)
        invoices = []  // the engine holds its own copy; two would double the run's memory
        phase("invoice index built")
        let total = try await preparing.value
        phase("bank lines prepared (beyond the invoices' time)")
        try await Self.createResultTables(connection: connection, logger: logger)
        // The client each advance is kept for, by INN, so that an advance is COPYed with it rather than joined to
        // `core.counterparties` in an upsert (a second of the server's time at a million lines).
        var clientIDs: [String: Int64] = [:]
        for try await (inn, id) in try await connection.query("""
            SELECT inn, min(id) FROM core.counterparties WHERE inn IS NOT NULL GROUP BY inn
            """, logger: logger).decode((String, Int64).self) {
            clientIDs[inn] = id
        }
        var settlement = Settlement()
        var waitingToRead = Duration.zero, deciding = Duration.zero, waitingToStore = Duration.zero
        var counts = ReconciliationPassCounts(openInvoices: openCount)
        // The server reads the next slice and stores this one's results while the engine decides: one core
        // each. Requests on the connection run in the order sent, so a slice's results are stored before the
        // slice after next is read, and the engine never waits for more than one of each.
        let read: @Sendable (Int64) -> Task<PaymentSlice, any Error> = { seq in
            Task { try await Self.paymentSlice(ledger, after: seq, limit: sliceSize, connection: connection,
                                               logger: logger) }
        }
        var reading = read(0)
        var storing: Task<MergeTimes, any Error>?
        var mergeTimes = MergeTimes()
        do {
            while true {
                var mark = clock.now
                let slice = try await reading.value
                waitingToRead += clock.now - mark
                guard let first = slice.rows.first, let last = slice.rows.last else { break }
                reading = read(last.seq)
                mark = clock.now
                var allocations = CopyTextEncoder()
                var advances = CopyTextEncoder(capacity: 1 << 14)
                var outcomes = CopyTextEncoder()
                for (seq, payment, resolved) in slice.rows {
                    let decision = decider.decide(payment)
                    counts.tally(decision.outcome)
                    settlement.proposed.add(payment.id, seq: seq, decision)
                    Self.encode(decision, payment: payment, resolved: resolved, ledger: ledger, runID: runID,
                                clientIDs: clientIDs, allocations: &allocations, advances: &advances,
                                outcomes: &outcomes)
                }
                deciding += clock.now - mark
                mark = clock.now
                if let stored = try await storing?.value { mergeTimes.add(stored) }
                waitingToStore += clock.now - mark
                let results = SliceResults(allocations: allocations.take(), advances: advances.take(),
                                           outcomes: outcomes.take())
                let seqs = first.seq...last.seq, decidedBefore = slice.decidedBefore
                storing = Task {
                    try await Self.store(results, ledger: ledger, runID: runID, seqs: seqs,
                                         decidedBefore: decidedBefore, connection: connection, logger: logger)
                }
                counts.payments += slice.rows.count
                progress?(counts.payments, total)
            }
            if let stored = try await storing?.value { mergeTimes.add(stored) }
        } catch {
            // Nothing may reach the connection once the run's transaction is being rolled back.
            reading.cancel()
            storing?.cancel()
            _ = try? await reading.value
            _ = try? await storing?.value
            throw error
        }
        phase("engine and merge", ["waiting to read": "\(waitingToRead)", "deciding": "\(deciding)",
                                   "waiting to store": "\(waitingToStore)"])
        // A large pass changes its tables by more than their statistics know until autovacuum analyzes them after
        // the commit: the withdrawals below, and a rerun in the next minute, were planned for empty tables (a
        // nested loop over 80,000 advances per statement: minutes instead of a second at a million lines).
        if counts.payments >= Self.analyzeAfterLines {
            // The columns the run's and a rerun's statements select and join by: 0.2 of 0.4 s went on the
            // explanations' statistics, which no plan uses. Autovacuum analyzes the whole tables after the commit.
            try await connection.query("""
                ANALYZE \(ledger: ledger.allocations) (bank_transaction_id, invoice_id, status, advance_id, amount),
                        \(ledger: ledger.advances) (bank_transaction_id, status, counterparty_inn, amount),
                        core.payment_reconciliation (bank_transaction_id, outcome)
                """, logger: logger)
            phase("tables analyzed")
        }
        settlement.proposed.seal()
        try await Self.settleWithdrawals(ledger, runID: runID, decider: &decider, counts: &counts,
                                         settlement: &settlement, clientIDs: clientIDs, sliceSize: sliceSize,
                                         connection: connection, logger: logger)
        phase("withdrawn proposals decided again", ["lines": "\(settlement.redecided)", "rounds": "\(settlement.rounds)"])
        let advances = try await Self.openAdvances(ledger, connection: connection, logger: logger)
        let offsets = decider.offset(advances)
        var offsetRows = CopyTextEncoder(capacity: 1 << 12)
        for offset in offsets {
            Self.encode(offset, runID: runID, into: &offsetRows)
        }
        try await Self.copy(&offsetRows, into: "recon_allocations", connection: connection, logger: logger)
        phase("advances offset")
        mergeTimes.add(try await Self.mergeOffsets(ledger, runID: runID, connection: connection, logger: logger))
        // Offsets made automatically (the rules file's policy) may have paid invoices that lines were proposed.
        try await Self.settleWithdrawals(ledger, runID: runID, decider: &decider, counts: &counts,
                                         settlement: &settlement, clientIDs: clientIDs, sliceSize: sliceSize,
                                         connection: connection, logger: logger)
        phase("offsets merged")
        mergeTimes.add(settlement.times)
        mergeTimes.log(logger, ledger: ledger)
        return (counts, decider.ruleCounts.merging(settlement.ruleCorrections, uniquingKeysWith: +).filter { $0.value != 0 })
    }

    // MARK: - Reading

    /// This transaction's snapshot, for a second connection to read in (`SET TRANSACTION SNAPSHOT`). Its id is
    /// checked to be what PostgreSQL makes (hex digits and dashes), since `SET` takes no parameters.
    static func exportSnapshot(connection: LoadConnection, logger: Logger) async throws -> String {
        let snapshot = try await connection.query("SELECT pg_export_snapshot()", logger: logger)
            .collect().first!.decode(String.self)
        guard !snapshot.isEmpty, snapshot.allSatisfy({ $0 == "-" || $0.isHexDigit }) else {
            throw HubError(.database, "PostgreSQL exported a snapshot id of an unexpected form: \(snapshot)")
        }
        return snapshot
    }

    /// The central bank's rates (`core.fx_rates`): a few thousand rows, read whole.
    static func exchangeRates(_ settings: ExchangeRates, connection: LoadConnection,
                              logger: Logger) async throws -> ExchangeRates {
        var rates = settings
        let rows = try await connection.query(
            "SELECT currency, rate_date::text, rate::text, nominal FROM core.fx_rates", logger: logger)
        for try await row in rows {
            let (currency, day, rate, nominal) = try row.decode((String, String, String, Int).self)
            guard let date = CalendarDate(isoDate: day), let value = Decimal(string: rate) else { continue }
            rates.add(currency: currency, on: date, rate: value, nominal: nominal)
        }
        rates.sort()
        return rates
    }

    static func openInvoices(_ ledger: ReconciliationLedger, connection: LoadConnection,
                             logger: Logger) async throws -> [OpenInvoice] {
        let rows = try await connection.query("""
            SELECT i.id, \(ledger: ledger.citedNumber), i.issued_on::text, i.due_on::text,
                   coalesce(i.counterparty_inn, c.inn), i.currency, i.amount::text,
                   (i.amount - coalesce(p.paid, 0) - coalesce(p.written_off, 0))::text,
                   coalesce(c.name, i.counterparty_name), i.contract
            FROM \(ledger: ledger.invoices) i
            LEFT JOIN core.counterparties c ON c.id = i.counterparty_id
            LEFT JOIN (
                SELECT invoice_id, sum(amount) AS paid, sum(written_off) AS written_off
                FROM \(ledger: ledger.allocations) WHERE status IN ('auto', 'confirmed') GROUP BY invoice_id
            ) p ON p.invoice_id = i.id
            WHERE NOT i.deleted AND i.amount - coalesce(p.paid, 0) - coalesce(p.written_off, 0) > 0
            -- The engine's order (PaymentMatcher.ranksBefore), so that it keeps this array instead of sorting a
            -- second copy of half a million invoices: byte order of the numbers, as Swift compares them.
            ORDER BY coalesce(i.due_on, i.issued_on), i.issued_on, (\(ledger: ledger.citedNumber)) COLLATE "C", i.id
            """, logger: logger)
        var invoices: [OpenInvoice] = []
        // A client's name is the same on all their invoices: one copy of it is kept, not one per invoice.
        var names: [String: String] = [:]
        for try await row in rows {
            let (id, number, issued, due, inn, currency, amount, residual, name, contract) =
                try row.decode((Int64, String, String, String?, String?, String?, String, String, String?, String?).self)
            guard let issuedOn = CalendarDate(isoDate: issued), let amount = Self.decimal(amount),
                  let residual = Self.decimal(residual) else { continue }
            var sharedName = name
            if let inn, let name {
                if let known = names[inn] { sharedName = known } else { names[inn] = name }
            }
            invoices.append(OpenInvoice(
                id: id, number: number, issuedOn: issuedOn, dueOn: due.flatMap { CalendarDate(isoDate: $0) },
                counterpartyINN: inn, currency: currency, amount: amount, residual: residual,
                counterpartyName: sharedName, contract: contract))
        }
        return invoices
    }

    /// Each client's one invoicing currency (`ExchangeRates.invoiceCurrencies`), from all their invoices.
    static func invoiceCurrencies(_ ledger: ReconciliationLedger, connection: LoadConnection,
                                  logger: Logger) async throws -> [String: String] {
        let rows = try await connection.query("""
            SELECT coalesce(i.counterparty_inn, c.inn), min(i.currency)
            FROM \(ledger: ledger.invoices) i
            LEFT JOIN core.counterparties c ON c.id = i.counterparty_id
            WHERE NOT i.deleted AND coalesce(i.counterparty_inn, c.inn) IS NOT NULL
            GROUP BY 1
            HAVING count(i.currency) = count(*) AND min(i.currency) = max(i.currency)
            """, logger: logger)
        var currencies: [String: String] = [:]
        for try await (inn, currency) in rows.decode((String, String).self) {
            currencies[inn] = currency
        }
        return currencies
    }

    /// The lines to look at, with their payer resolved, in a temporary table numbered in booking order.
    static func preparePayments(_ ledger: ReconciliationLedger, payablesActive: Bool, from: CalendarDate?,
                                to: CalendarDate?, connection: LoadConnection, logger: Logger) async throws -> Int {
        try await connection.query("""
            CREATE TEMP TABLE recon_payments ON COMMIT DROP AS
            -- R2: the line a return or reversal undoes, by the payment order's number: looked up for those lines
            -- only, then hash-joined by id, once for the return and once for the line it undoes.
            WITH originals AS (
                SELECT r.id AS return_id, original.id, original.paid
                FROM core.bank_transactions r
                JOIN LATERAL (
                    SELECT o.id,
                           (SELECT string_agg(a.invoice_id || ':' || a.amount, ';') FROM \(ledger: ledger.allocations) a
                            WHERE a.bank_transaction_id = o.id AND a.status IN ('auto', 'confirmed') AND a.amount > 0)
                               AS paid
                    FROM core.bank_transactions o
                    WHERE o.end_to_end_id = r.end_to_end_id AND o.account = r.account AND o.id <> r.id
                      AND o.entry_kind = 'payment'
                    ORDER BY o.booked_on DESC, o.id DESC LIMIT 1
                ) original ON true
                WHERE r.entry_kind <> 'payment' AND r.end_to_end_id IS NOT NULL
            ),
            -- The lines that give no INN/PINFL, whose payer is looked for by account + MFO, then by name. Hash-joined
            -- set-wise with the clients, by the name key the line was stored with (a lateral lookup per line and the
            -- name key computed per line cost 1.5 s at a million lines).
            unknown AS MATERIALIZED (
                SELECT u.id, u.counterparty_account, u.counterparty_bank_code, u.counterparty_name_key
                FROM core.bank_transactions u
                WHERE u.counterparty_inn IS NULL AND u.counterparty_pinfl IS NULL
                  AND (\(from?.iso)::date IS NULL OR u.booked_on >= \(from?.iso)::date)
                  AND (\(to?.iso)::date IS NULL OR u.booked_on <= \(to?.iso)::date)
            ),
            by_account AS MATERIALIZED (
                SELECT n.id, min(c.inn) AS inn
                FROM unknown n JOIN core.counterparties c ON c.bank_account = n.counterparty_account
                WHERE (n.counterparty_bank_code IS NULL OR c.bank_code IS NULL OR c.bank_code = n.counterparty_bank_code)
                  AND NOT c.deleted AND c.inn IS NOT NULL
                GROUP BY n.id HAVING count(DISTINCT c.inn) = 1
            ),
            by_name AS (
                SELECT n.id, min(c.inn) AS inn
                FROM unknown n JOIN core.counterparties c ON core.name_key(c.name) = n.counterparty_name_key
                WHERE NOT c.deleted AND c.inn IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM by_account a WHERE a.id = n.id)
                GROUP BY n.id HAVING count(DISTINCT c.inn) = 1
            )
            SELECT row_number() OVER (ORDER BY t.booked_on, t.id) AS seq,
                   t.id, t.direction, t.entry_kind, t.amount::text AS amount, t.currency, t.booked_on::text AS booked_on,
                   t.value_date::text AS value_date, t.counterparty_name, t.counterparty_account, t.purpose,
                   t.structured_references::text AS structured, t.supplier_invoice_number, t.end_to_end_id,
                   t.bank_transaction_code, t.return_reason,
                   t.attributes->>'instructed_amount' AS instructed_amount,
                   t.attributes->>'instructed_currency' AS instructed_currency,
                   CASE WHEN coalesce(t.counterparty_inn, t.counterparty_pinfl) IS NOT NULL THEN 'inn'
                        WHEN by_account.inn IS NOT NULL THEN 'account'
                        WHEN by_name.inn IS NOT NULL THEN 'name' END AS resolved_by,
                   coalesce(t.counterparty_inn, t.counterparty_pinfl, by_account.inn, by_name.inn) AS resolved_inn,
                   rejected.invoice_ids AS rejected_invoices,
                   rejected_advance.bank_transaction_id IS NOT NULL AS advance_rejected,
                   original.id AS linked_id,
                   original.paid AS linked_allocations,
                   registry.registry, registry.entries AS registry_entries,
                   decided.bank_transaction_id IS NOT NULL AS decided_before,
                   returned.id IS NOT NULL AS may_be_returned
            FROM core.bank_transactions t
            -- Whether an earlier run left anything for the line (an outcome, a proposal, an advance): a slice with
            -- none is COPYed straight into core (`store`). Hash-joined once here; probed per slice it cost seconds.
            LEFT JOIN (
                SELECT r.bank_transaction_id FROM core.payment_reconciliation r
                UNION SELECT a.bank_transaction_id FROM \(ledger: ledger.allocations) a WHERE a.status <> 'rejected'
                UNION SELECT v.bank_transaction_id FROM \(ledger: ledger.advances) v WHERE v.status <> 'rejected'
            ) decided ON decided.bank_transaction_id = t.id
            -- Account + MFO, then the name: only when the line gives no INN/PINFL, and only when unambiguous.
            LEFT JOIN by_account ON by_account.id = t.id
            LEFT JOIN by_name ON by_name.id = t.id
            -- Rejected pairs are few: aggregated once and hash-joined, not probed per line.
            LEFT JOIN (
                SELECT a.bank_transaction_id, array_agg(a.invoice_id) AS invoice_ids
                FROM \(ledger: ledger.allocations) a WHERE a.status = 'rejected' GROUP BY a.bank_transaction_id
            ) rejected ON rejected.bank_transaction_id = t.id
            LEFT JOIN (
                SELECT DISTINCT v.bank_transaction_id FROM \(ledger: ledger.advances) v WHERE v.status = 'rejected'
            ) rejected_advance ON rejected_advance.bank_transaction_id = t.id
            -- A payment agent's registry file (payment-registry) for the line: named in its purpose or end-to-end id,
            -- adding up to its amount, dated within 5 days. Registries are few: hash-joined once, and free when
            -- there are none.
            LEFT JOIN (
                SELECT DISTINCT ON (m.bank_transaction_id) m.bank_transaction_id, m.registry, m.entries
                FROM (
                    SELECT l.id AS bank_transaction_id, r.registry,
                           (SELECT string_agg(concat_ws(E'\\x1f', e.position, e.payer_tax_id, e.payer_name, e.amount,
                                                        e.purpose), E'\\x1e' ORDER BY e.position)
                            FROM core.payment_registry_entries e WHERE e.registry = r.registry) AS entries
                    FROM (SELECT registry, min(registry_date) AS day, sum(amount) AS total
                          FROM core.payment_registry_entries GROUP BY registry) r
                    JOIN core.bank_transactions l ON l.amount = r.total
                    WHERE l.direction = 'in' AND l.booked_on BETWEEN r.day - 5 AND r.day + 5
                      AND (l.end_to_end_id = r.registry OR strpos(l.purpose, r.registry) > 0)
                ) m
                ORDER BY m.bank_transaction_id, m.registry
            ) registry ON registry.bank_transaction_id = t.id
            LEFT JOIN originals original ON original.return_id = t.id
            -- The lines a return or reversal undoes: the engine remembers what they pay automatically for that
            -- return, and only for them.
            LEFT JOIN (SELECT DISTINCT id FROM originals) returned ON returned.id = t.id
            WHERE (\(from?.iso)::date IS NULL OR t.booked_on >= \(from?.iso)::date)
              AND (\(to?.iso)::date IS NULL OR t.booked_on <= \(to?.iso)::date)
              AND \(ledger: ledger.lineFilter(payablesActive: payablesActive))
              AND NOT EXISTS (SELECT 1 FROM \(ledger: ledger.allocations) a
                              WHERE a.bank_transaction_id = t.id AND a.status IN ('auto', 'confirmed'))
              AND NOT EXISTS (SELECT 1 FROM \(ledger: ledger.advances) v
                              WHERE v.bank_transaction_id = t.id AND v.status IN ('auto', 'confirmed'))
            """, logger: logger)
        try await connection.query("CREATE UNIQUE INDEX ON recon_payments (seq)", logger: logger)
        try await connection.query("ANALYZE recon_payments", logger: logger)
        return try await connection.query("SELECT count(*)::bigint FROM recon_payments", logger: logger)
            .collect().first!.decode(Int64.self).asInt
    }

    /// Kept advances (auto, confirmed) with money left, and the invoices rejected for each.
    static func openAdvances(_ ledger: ReconciliationLedger, connection: LoadConnection,
                             logger: Logger) async throws -> [OpenAdvance] {
        let rows = try await connection.query("""
            SELECT v.id, v.bank_transaction_id, v.counterparty_inn, v.contract, t.booked_on::text, t.currency,
                   (v.amount - coalesce(used.amount, 0))::text, rejected.invoice_ids
            FROM \(ledger: ledger.advances) v
            JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
            LEFT JOIN (
                SELECT advance_id, sum(amount) AS amount FROM \(ledger: ledger.allocations)
                WHERE advance_id IS NOT NULL AND status IN ('auto', 'confirmed') GROUP BY advance_id
            ) used ON used.advance_id = v.id
            LEFT JOIN (
                SELECT advance_id, string_agg(invoice_id::text, ',') AS invoice_ids FROM \(ledger: ledger.allocations)
                WHERE advance_id IS NOT NULL AND status = 'rejected' GROUP BY advance_id
            ) rejected ON rejected.advance_id = v.id
            WHERE v.status IN ('auto', 'confirmed') AND v.counterparty_inn IS NOT NULL
              AND v.amount - coalesce(used.amount, 0) > 0
            """, logger: logger)
        var advances: [OpenAdvance] = []
        for try await row in rows {
            let (id, line, inn, contract, booked, currency, remaining, rejected) =
                try row.decode((Int64, Int64, String, String?, String, String?, String, String?).self)
            guard let bookedOn = CalendarDate(isoDate: booked), let left = Decimal(string: remaining) else { continue }
            advances.append(OpenAdvance(
                id: id, paymentID: line, counterpartyINN: inn, contract: contract, bookedOn: bookedOn,
                currency: currency, remaining: left,
                rejectedInvoiceIDs: Set((rejected ?? "").split(separator: ",").compactMap { Int64($0) })))
        }
        return advances
    }

    typealias SliceRow = (seq: Int64, payment: PaymentToMatch, resolved: (inn: String?, by: String?))
    /// A slice of lines, and whether an earlier run left anything for any of them.
    typealias PaymentSlice = (rows: [SliceRow], decidedBefore: Bool)

    /// The columns of `recon_payments` that make a line for the engine, in the order `line(from:ledger:)` reads.
    static let lineColumns = """
        seq, id, direction, entry_kind, amount, currency, booked_on, value_date, counterparty_name,
        counterparty_account, purpose, structured, supplier_invoice_number, end_to_end_id,
        bank_transaction_code, return_reason, resolved_by, resolved_inn,
        array_to_string(rejected_invoices, ','), coalesce(advance_rejected, false), linked_id,
        linked_allocations, instructed_amount, instructed_currency, registry, registry_entries,
        decided_before, may_be_returned
        """
    static let lineColumnCount = 28

    static func paymentSlice(_ ledger: ReconciliationLedger, after seq: Int64, limit: Int,
                             connection: LoadConnection, logger: Logger) async throws -> PaymentSlice {
        let rows = try await connection.query("""
            SELECT \(unescaped: lineColumns) FROM recon_payments WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)
            """, logger: logger).collect()
        // Collected before they are decoded: decoding while they stream held the connection four times as long,
        // and the connection is what stores the previous slice.
        var slice: [SliceRow] = []
        slice.reserveCapacity(limit)
        var decidedBefore = false
        for row in rows {
            let (line, decided) = try Self.line(from: row.makeRandomAccess(), ledger: ledger)
            if decided { decidedBefore = true }
            slice.append(line)
        }
        return PaymentSlice(rows: slice, decidedBefore: decidedBefore)
    }

    /// A line as the engine sees it, from a row that begins with `lineColumns`, and whether an earlier run left
    /// anything for it.
    static func line(from cells: PostgresRandomAccessRow, ledger: ReconciliationLedger) throws -> (SliceRow, Bool) {
        let seq = try cells[0].decode(Int64.self)
        let id = try cells[1].decode(Int64.self)
        let direction = try cells[2].decode(String.self)
        let entryKind = try cells[3].decode(String.self)
        let amount = Self.decimal(try cells[4].decode(String.self)) ?? 0
        let currency = try cells[5].decode(String?.self)
        let bookedOn = CalendarDate(isoDate: try cells[6].decode(String.self))!
        let valueDate = try cells[7].decode(String?.self).flatMap { CalendarDate(isoDate: $0) }
        let name = try cells[8].decode(String?.self)
        let account = try cells[9].decode(String?.self)
        let purpose = try cells[10].decode(String?.self)
        let structuredJSON = try cells[11].decode(String?.self)
        let supplierInvoice = try cells[12].decode(String?.self)
        let endToEnd = try cells[13].decode(String?.self)
        let code = try cells[14].decode(String?.self)
        let returnReason = try cells[15].decode(String?.self)
        let resolvedBy = try cells[16].decode(String?.self)
        let inn = try cells[17].decode(String?.self)
        let rejected = try cells[18].decode(String?.self)
        let advanceRejected = try cells[19].decode(Bool.self)
        let linkedID = try cells[20].decode(Int64?.self)
        let linked = try cells[21].decode(String?.self)
        let instructedAmount = try cells[22].decode(String?.self).flatMap(Self.decimal)
        let instructedCurrency = try cells[23].decode(String?.self)
        let registry = try cells[24].decode(String?.self)
        let registryEntries = try cells[25].decode(String?.self)
        let decidedBefore = try cells[26].decode(Bool.self)
        let mayBeReturned = try cells[27].decode(Bool.self)
        var structured = structuredJSON.map(Self.structured(fromJSON:)) ?? []
        if let supplierInvoice, structured.isEmpty {
            structured = [PaymentToMatch.Structured(number: supplierInvoice, amount: nil)]
        }
        var payment = PaymentToMatch(
            id: id, direction: (direction == "in") != ledger.flipsDirection ? .incoming : .outgoing, entryKind: entryKind, amount: amount,
            currency: currency, bookedOn: bookedOn, valueDate: valueDate, counterpartyINN: inn,
            resolvedBy: resolvedBy, counterpartyName: name, ownNumbers: [inn, account].compactMap { $0 },
            purpose: purpose, structured: structured, endToEndID: endToEnd, bankTransactionCode: code,
            returnReason: returnReason, linkedTransactionID: linkedID,
            linkedAllocations: linked.map(Self.allocations(from:)) ?? [],
            rejectedInvoiceIDs: Set((rejected ?? "").split(separator: ",").compactMap { Int64($0) }),
            advanceRejected: advanceRejected)
        if let instructedAmount, let instructedCurrency {
            payment.instructed = (instructedAmount, instructedCurrency)
        }
        if let registry, let registryEntries {
            payment.registryFile = (registry, Self.registryEntries(from: registryEntries))
        }
        payment.mayBeReturned = mayBeReturned
        return ((seq, payment, (inn, resolvedBy)), decidedBefore)
    }

    /// An amount as PostgreSQL writes `numeric`: read directly (`Decimal(plainText:)`), else by Foundation.
    static func decimal(_ text: String) -> Decimal? {
        Decimal(plainText: text) ?? Decimal(string: text)
    }

    static func structured(fromJSON json: String) -> [PaymentToMatch.Structured] {
        guard let data = json.data(using: .utf8),
              let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return array.compactMap { object in
            guard let number = (object["number"] as? String) ?? (object["reference"] as? String) else { return nil }
            return PaymentToMatch.Structured(number: number, amount: (object["amount"] as? String).flatMap {
                Decimal(string: $0)
            })
        }
    }

    /// The entries of a registry file as `preparePayments` joins them: fields split by U+001F, entries by U+001E.
    static func registryEntries(from text: String) -> [PaymentToMatch.RegistryEntry] {
        text.split(separator: "\u{1E}").compactMap { entry in
            let fields = entry.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4, let position = Int(fields[0]), let amount = Self.decimal(fields[3]) else {
                return nil
            }
            return PaymentToMatch.RegistryEntry(position: position, taxID: fields[1], name: fields[2], amount: amount,
                                                purpose: fields.count > 4 ? fields[4] : "")
        }
    }

    static func allocations(from text: String) -> [(invoiceID: Int64, amount: Decimal)] {
        text.split(separator: ";").compactMap { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let id = Int64(parts[0]), let amount = Self.decimal(String(parts[1])) else {
                return nil
            }
            return (id, amount)
        }
    }

    // MARK: - Writing

    static func createResultTables(connection: LoadConnection, logger: Logger) async throws {
        try await connection.query("""
            CREATE TEMP TABLE recon_allocations (
                bank_transaction_id bigint, invoice_id bigint, amount numeric, written_off numeric, rule text,
                confidence numeric, status text, explanation text, advance_id bigint, paid_amount numeric,
                exchange_rate numeric, rate_source text, exchange_difference numeric, reconciliation_run_id bigint
            ) ON COMMIT DROP
            """, logger: logger)
        try await connection.query("""
            CREATE TEMP TABLE recon_advances (
                bank_transaction_id bigint, counterparty_inn text, amount numeric, contract text, rule text,
                confidence numeric, status text, explanation text, counterparty_id bigint, reconciliation_run_id bigint
            ) ON COMMIT DROP
            """, logger: logger)
        try await connection.query("""
            CREATE TEMP TABLE recon_outcomes (
                bank_transaction_id bigint, outcome text, rule text, confidence numeric, explanation text,
                counterparty_inn text, resolved_by text, linked_transaction_id bigint, ledger text,
                reconciliation_run_id bigint
            ) ON COMMIT DROP
            """, logger: logger)
        try await connection.query("CREATE TEMP TABLE recon_paid_in_full (invoice_id bigint) ON COMMIT DROP",
                                   logger: logger)
        // `own`: a proposal of the line itself was withdrawn, not only an offset of an advance kept on it.
        try await connection.query("CREATE TEMP TABLE recon_withdrawn (bank_transaction_id bigint, own boolean) ON COMMIT DROP",
                                   logger: logger)
        // The merges look proposals up by pair; kept through each slice's TRUNCATE.
        try await connection.query("CREATE INDEX ON recon_allocations (bank_transaction_id, invoice_id)",
                                   logger: logger)
    }

    /// The columns of `recon_allocations`, as COPY writes them into the ledger's allocations.
    static let allocationColumns = [
        "bank_transaction_id", "invoice_id", "amount", "written_off", "rule", "confidence", "status", "explanation",
        "advance_id", "paid_amount", "exchange_rate", "rate_source", "exchange_difference", "reconciliation_run_id",
    ]
    /// The columns of `recon_advances`, as COPY writes them into the ledger's advances.
    static let advanceColumns = [
        "bank_transaction_id", "counterparty_inn", "amount", "contract", "rule", "confidence", "status", "explanation",
        "counterparty_id", "reconciliation_run_id",
    ]
    /// The columns of `recon_outcomes`, as COPY writes them into `core.payment_reconciliation`.
    static let outcomeColumns = [
        "bank_transaction_id", "outcome", "rule", "confidence", "explanation", "counterparty_inn", "resolved_by",
        "linked_transaction_id", "ledger", "reconciliation_run_id",
    ]

    static func encode(_ decision: PaymentDecision, payment: PaymentToMatch, resolved: (inn: String?, by: String?),
                       ledger: ReconciliationLedger, runID: Int64, clientIDs: [String: Int64],
                       allocations: inout CopyTextEncoder, advances: inout CopyTextEncoder,
                       outcomes: inout CopyTextEncoder) {
        // One row per line and invoice, the first kept (as the staged merge's ON CONFLICT DO NOTHING would):
        // a line COPYed straight into `core` must not break the live-pair index, and two entries of one
        // registry can name the same invoice.
        var encoded: [Int64] = []
        for allocation in decision.allocations where allocation.status != .hint {
            if decision.allocations.count > 1 {
                guard !encoded.contains(allocation.invoiceID) else { continue }
                encoded.append(allocation.invoiceID)
            }
            encode(allocation, runID: runID, into: &allocations)
        }
        if let advance = decision.advance, advance.status != .hint {
            advances.field(String(advance.paymentID))
            advances.field(advance.counterpartyINN)
            advances.field(advance.amount.amountText)
            advances.field(advance.contract)
            advances.field(advance.rule)
            advances.field(advance.confidence.twoDecimalsText)
            advances.field(advance.status.rawValue)
            advances.field(advance.explanation)
            advances.field(advance.counterpartyINN.flatMap { clientIDs[$0] }.map { String($0) })
            advances.field(String(runID))
            advances.endRow()
        }
        outcomes.field(String(payment.id))
        outcomes.field(decision.outcome)
        outcomes.field(decision.rule)
        outcomes.field(decision.confidence?.twoDecimalsText)
        outcomes.field(decision.explanation)
        outcomes.field(resolved.inn)
        outcomes.field(resolved.by)
        outcomes.field(payment.linkedTransactionID.map { String($0) })
        outcomes.field(ledger.side.rawValue)
        outcomes.field(String(runID))
        outcomes.endRow()
    }

    static func encode(_ allocation: ProposedAllocation, runID: Int64, into allocations: inout CopyTextEncoder) {
        allocations.field(String(allocation.paymentID))
        allocations.field(String(allocation.invoiceID))
        allocations.field(allocation.amount.amountText)
        allocations.field(allocation.writtenOff.isZero ? "0.00" : allocation.writtenOff.amountText)
        allocations.field(allocation.rule)
        allocations.field(allocation.confidence.twoDecimalsText)
        allocations.field(allocation.status.rawValue)
        allocations.field(allocation.explanation)
        allocations.field(allocation.advanceID.map { String($0) })
        allocations.field(allocation.conversion?.paidAmount.amountText)
        allocations.field(allocation.conversion.map { "\($0.rate)" })
        allocations.field(allocation.conversion?.source.rawValue)
        allocations.field(allocation.conversion?.exchangeDifference?.amountText)
        allocations.field(String(runID))
        allocations.endRow()
    }

    static func copy(_ encoder: inout CopyTextEncoder, into table: String, connection: LoadConnection,
                     logger: Logger) async throws {
        guard encoder.count > 0 else { return }
        let buffer = encoder.take()
        try await connection.copyFrom(table: table, logger: logger) { writer in
            try await writer.write(buffer)
        }
    }

    /// A merge's statements, timed: each run adds its steps' time, so the log says where a pass's merge went.
    struct MergeTimes: Sendable {
        var seconds: [String: Duration] = [:]
        private var mark = ContinuousClock.now

        mutating func step(_ name: String) {
            let now = ContinuousClock.now
            seconds[name, default: .zero] += now - mark
            mark = now
        }

        /// The next step is timed from now.
        mutating func restart() {
            mark = ContinuousClock.now
        }

        mutating func add(_ other: MergeTimes) {
            seconds.merge(other.seconds, uniquingKeysWith: +)
        }

        func log(_ logger: Logger, ledger: ReconciliationLedger) {
            for (name, time) in seconds.sorted(by: { $0.value > $1.value }) {
                logger.debug("reconcile merge step", metadata: [
                    "ledger": "\(ledger.side.rawValue)", "step": "\(name)", "seconds": "\(time)",
                ])
            }
        }
    }

    /// One slice's decisions as COPY text, in the columns of `recon_allocations`, `recon_advances` and
    /// `recon_outcomes`.
    struct SliceResults: Sendable {
        var allocations: ByteBuffer
        var advances: ByteBuffer
        var outcomes: ByteBuffer
    }

    /// Stores one slice's decisions. A slice none of whose lines has a row in the ledger's allocations or
    /// advances or in `core.payment_reconciliation` (their first reconciliation: every line of a new statement)
    /// cannot conflict with anything, so its allocations and outcomes are COPYed straight into `core`: the
    /// staging and the upserts cost twice the write. Any other slice is staged and merged (`mergeSlice`).
    /// `decidedBefore` is taken when the lines are prepared: within the run, only a slice's own store writes rows
    /// for its lines (a return reopens an earlier line's allocations, never a later one's).
    static func store(_ results: SliceResults, ledger: ReconciliationLedger, runID: Int64, seqs: ClosedRange<Int64>,
                      decidedBefore: Bool, connection: LoadConnection, logger: Logger) async throws -> MergeTimes {
        var times = MergeTimes()
        /// Into a temporary table by its name, or into `core` by the ledger's `schema.table` and the columns.
        func copy(_ rows: ByteBuffer, into table: String, columns: [String] = []) async throws {
            guard rows.readableBytes > 0 else { return }
            let parts = table.split(separator: ".").map(String.init)
            guard parts.count == 2 else {
                return try await connection.copyFrom(table: table, logger: logger) { try await $0.write(rows) }
            }
            try await connection.copyFrom(schema: parts[0], table: parts[1], columns: columns, logger: logger) {
                try await $0.write(rows)
            }
        }
        guard !decidedBefore else {
            try await copy(results.allocations, into: "recon_allocations")
            try await copy(results.advances, into: "recon_advances")
            try await copy(results.outcomes, into: "recon_outcomes")
            times.step("slice staged")
            times.add(try await mergeSlice(ledger, runID: runID, seqs: seqs, connection: connection, logger: logger))
            return times
        }
        try await copy(results.allocations, into: ledger.allocations, columns: allocationColumns)
        times.step("allocations copied into core")
        try await copy(results.outcomes, into: "core.payment_reconciliation", columns: outcomeColumns)
        times.step("outcomes copied into core")
        try await copy(results.advances, into: ledger.advances, columns: advanceColumns)
        times.step("advances copied into core")
        return times
    }

    /// Merges one slice's decisions into `core` and empties the result tables for the next slice. Run while the
    /// engine decides the slice after: the merge is the server's work, deciding the client's, one core each
    /// (merging a whole pass at its end left the client idle for a third of the run).
    ///
    /// Per slice is the same as per pass: every statement touches only the rows of the slice's lines, and the
    /// engine never reads the warehouse after the pass starts. What needs the whole pass (the advances' offsets,
    /// the proposals withdrawn from invoices the run paid in full) is `mergeOffsets`, at the end.
    static func mergeSlice(_ ledger: ReconciliationLedger, runID: Int64, seqs: ClosedRange<Int64>,
                           connection: LoadConnection, logger: Logger) async throws -> MergeTimes {
        // No ANALYZE: it cost 0.2 s a slice, and the planner sizes the slice's tables from their pages anyway.
        var times = MergeTimes()
        // Proposals that are no longer made, of the slice's lines (joined by the slice's seq range: the ids of a
        // whole pass would not hash in work_mem).
        try await connection.query("""
            DELETE FROM \(ledger: ledger.allocations) a
            USING recon_payments p
            WHERE p.seq BETWEEN \(seqs.lowerBound) AND \(seqs.upperBound)
              AND a.bank_transaction_id = p.id AND a.status = 'suggested'
              AND NOT EXISTS (SELECT 1 FROM recon_allocations n
                              WHERE n.bank_transaction_id = a.bank_transaction_id AND n.invoice_id = a.invoice_id)
            """, logger: logger)
        times.step("stale proposals deleted")
        try await connection.query("""
            DELETE FROM \(ledger: ledger.advances) v
            USING recon_payments p
            WHERE p.seq BETWEEN \(seqs.lowerBound) AND \(seqs.upperBound)
              AND v.bank_transaction_id = p.id AND v.status = 'suggested'
              AND NOT EXISTS (SELECT 1 FROM recon_advances n
                              WHERE n.bank_transaction_id = v.bank_transaction_id
                                AND (n.amount, n.rule, n.explanation, n.status)
                                    IS NOT DISTINCT FROM (v.amount, v.rule, v.explanation, v.status))
            """, logger: logger)
        times.step("stale advances deleted")
        try await mergeStaged(ledger, runID: runID, times: &times, connection: connection, logger: logger)
        return times
    }

    /// What is staged in the result tables is merged into `core` (`upsertAllocations`, `insertAdvances`, the
    /// outcomes upserted), and the tables are emptied for the next lines.
    static func mergeStaged(_ ledger: ReconciliationLedger, runID: Int64, times: inout MergeTimes,
                            connection: LoadConnection, logger: Logger) async throws {
        try await upsertAllocations(ledger, runID: runID, times: &times, connection: connection, logger: logger)
        try await insertAdvances(ledger, runID: runID, times: &times, connection: connection, logger: logger)
        try await connection.query("""
            -- An upsert, not an insert after an anti-join: on a table the statistics call empty, PostgreSQL scans
            -- it once per row for the anti-join while the statement fills it (quadratic: minutes at a million).
            INSERT INTO core.payment_reconciliation AS r (bank_transaction_id, outcome, rule, confidence, explanation,
                counterparty_inn, resolved_by, linked_transaction_id, ledger, reconciliation_run_id)
            SELECT bank_transaction_id, outcome, rule, confidence, explanation, counterparty_inn, resolved_by,
                   linked_transaction_id, ledger, \(runID)
            FROM recon_outcomes
            ON CONFLICT (bank_transaction_id) DO UPDATE
            SET outcome = EXCLUDED.outcome, rule = EXCLUDED.rule, confidence = EXCLUDED.confidence,
                explanation = EXCLUDED.explanation, counterparty_inn = EXCLUDED.counterparty_inn,
                resolved_by = EXCLUDED.resolved_by, linked_transaction_id = EXCLUDED.linked_transaction_id,
                ledger = EXCLUDED.ledger, reconciliation_run_id = EXCLUDED.reconciliation_run_id, updated_at = now()
            WHERE (r.outcome, r.rule, r.confidence, r.explanation, r.counterparty_inn, r.resolved_by,
                   r.linked_transaction_id, r.ledger)
                  IS DISTINCT FROM (EXCLUDED.outcome, EXCLUDED.rule, EXCLUDED.confidence, EXCLUDED.explanation,
                                    EXCLUDED.counterparty_inn, EXCLUDED.resolved_by, EXCLUDED.linked_transaction_id,
                                    EXCLUDED.ledger)
            """, logger: logger)
        times.step("outcomes upserted")
        try await connection.query("TRUNCATE recon_allocations, recon_advances, recon_outcomes", logger: logger)
        times.step("truncate")
    }

    /// What is in `recon_advances` is added where no live advance holds the line.
    static func insertAdvances(_ ledger: ReconciliationLedger, runID: Int64, times: inout MergeTimes,
                               connection: LoadConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(ledger: ledger.advances) (bank_transaction_id, counterparty_id, counterparty_inn, amount,
                                                contract, rule, confidence, status, explanation, reconciliation_run_id)
            SELECT n.bank_transaction_id, n.counterparty_id, n.counterparty_inn, n.amount, n.contract, n.rule,
                   n.confidence, n.status, n.explanation, \(runID)
            FROM recon_advances n
            ON CONFLICT (bank_transaction_id) WHERE status <> 'rejected' DO NOTHING
            """, logger: logger)
        times.step("advances inserted")
    }

    /// What is in `recon_allocations` replaces the `suggested` rows of the same pairs where it differs, and is
    /// added where no live row holds the pair.
    static func upsertAllocations(_ ledger: ReconciliationLedger, runID: Int64, times: inout MergeTimes,
                                  connection: LoadConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE \(ledger: ledger.allocations) a
            SET amount = n.amount, written_off = n.written_off, rule = n.rule, confidence = n.confidence,
                status = n.status, explanation = n.explanation, advance_id = n.advance_id,
                paid_amount = n.paid_amount, exchange_rate = n.exchange_rate, rate_source = n.rate_source,
                exchange_difference = n.exchange_difference, reconciliation_run_id = \(runID), updated_at = now()
            FROM recon_allocations n
            WHERE a.bank_transaction_id = n.bank_transaction_id AND a.invoice_id = n.invoice_id
              AND a.status = 'suggested'
              AND (a.amount, a.written_off, a.rule, a.confidence, a.status, a.explanation, a.advance_id,
                   a.paid_amount, a.exchange_rate, a.exchange_difference)
                  IS DISTINCT FROM (n.amount, n.written_off, n.rule, n.confidence, n.status, n.explanation,
                                    n.advance_id, n.paid_amount, n.exchange_rate, n.exchange_difference)
            """, logger: logger)
        times.step("changed proposals updated")
        try await connection.query("""
            INSERT INTO \(ledger: ledger.allocations) (bank_transaction_id, invoice_id, amount, written_off, rule,
                                                  confidence, status, explanation, advance_id, paid_amount,
                                                  exchange_rate, rate_source, exchange_difference,
                                                  reconciliation_run_id)
            SELECT n.bank_transaction_id, n.invoice_id, n.amount, n.written_off, n.rule, n.confidence, n.status,
                   n.explanation, n.advance_id, n.paid_amount, n.exchange_rate, n.rate_source, n.exchange_difference,
                   \(runID)
            FROM recon_allocations n
            -- The live-pair index arbitrates: a NOT EXISTS here would scan the rows this statement inserts.
            ON CONFLICT (bank_transaction_id, invoice_id) WHERE status <> 'rejected' DO NOTHING
            """, logger: logger)
        times.step("allocations inserted")
    }

    /// The end of a pass: the advances' offsets (in `recon_allocations`, alone by then) replace the stale ones.
    static func mergeOffsets(_ ledger: ReconciliationLedger, runID: Int64, connection: LoadConnection,
                             logger: Logger) async throws -> MergeTimes {
        var times = MergeTimes()
        try await connection.query("ANALYZE recon_allocations", logger: logger)
        times.step("analyze")
        // Every kept advance is offered again on each run, so an offset not proposed now (the advance used up or
        // rejected, the invoice paid) is stale. An offset's line is its advance's, never one of the lines looked
        // at (those have no kept advance), so the slices' merges never touch offsets.
        try await connection.query("""
            DELETE FROM \(ledger: ledger.allocations) a
            WHERE a.advance_id IS NOT NULL AND a.status = 'suggested'
              -- By line and invoice, which recon_allocations is indexed on: an offset's line is its advance's.
              AND NOT EXISTS (SELECT 1 FROM recon_allocations n
                              WHERE (n.bank_transaction_id, n.invoice_id) = (a.bank_transaction_id, a.invoice_id))
            """, logger: logger)
        times.step("stale offsets deleted")
        try await upsertAllocations(ledger, runID: runID, times: &times, connection: connection, logger: logger)
        try await connection.query("TRUNCATE recon_allocations", logger: logger)
        return times
    }
}

extension Int64 {
    var asInt: Int { Int(self) }
}
