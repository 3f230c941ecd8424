import CRMWarehouse
import Foundation
import HubCore
import Logging
import PostgresNIO

/// The reconciliation benchmark: N incoming payments against M open invoices, generated with a known right
/// answer per payment, then `crmhub reconcile` end to end (a separate process: wall time and peak RSS), against
/// `psql \copy` of the same payments out of the warehouse in the same run (the floor: reading them at all).
///
///   .build/release/CRMHubBenchmarks --reconcile-payments 1000000 --reconcile-invoices 500000 [--rounds R]
///
/// The payments mix what accountants see (per 100): 45 full payments naming their invoice as 1C numbers it
/// (`SF-2025/000147`, `0000-000148`, `CRM-000149`), 10 partial payments naming only the serial (`sch. 147`),
/// 10 payments of two invoices (their exact total: R4, automatic), 5 with no number but the amount of one of the
/// payer's invoices (prices repeat: often a tie), 5 naming only a contract with that amount (R7, proposed), 5
/// prepayments under a contract, 5 bank interest lines, 14 from payers the CRM does not know with amounts that
/// match nothing, 1 paid by a third party naming the client (R10a, proposed). Prices come from six list prices plus one of
/// 23 steps, so amounts repeat across clients and sometimes within one client's invoices (ties). One client in
/// fifty has dollar contracts: their invoices are in USD and paid in sums, every other payment with the bank's
/// conversion (camt `AmtDtls/InstdAmt`), the rest at the central bank's rate of the day (`core.fx_rates`). One
/// client in four has a confirmed prepayment from before the corpus, offset against their later invoices (A1).
/// Accuracy is scored against the generated truth: auto precision, and recall over payments that have a right
/// answer (auto or suggested).
enum ReconcileBenchmark {
    static func run(payments: Int, invoices: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let (crmhub, logger) = (context.crmhub, context.logger)
        let settings = context.settings
        let psql = try findPsql()
        let rulesPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("mappings/reconciliation.yaml").path
        var reconcileSeconds: [Double] = [], copySeconds: [Double] = []
        var peakRSS = 0
        for round in 1...rounds {
            try await context.recreateDatabase()
            let generated = Date()
            try await Warehouse.open(settings, logger: logger) { warehouse in
                try await Migrator.bundled().migrate(warehouse)
                try await generate(payments: payments, invoices: invoices, warehouse: warehouse, logger: logger)
            }
            say(String(format: "round %d: generated %d payments and %d invoices in %.1f s", round, payments, invoices,
                       Date().timeIntervalSince(generated)))
            let copy = try ChildProcess.run(psql, [
                settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1", "-c",
                "\\copy (SELECT id, amount, counterparty_inn, purpose, booked_on FROM core.bank_transactions "
                    + "WHERE direction = 'in') TO '/dev/null'",
            ])
            guard copy.status == 0 else { throw HubError(.io, "psql \\copy failed: \(copy.text)") }
            copySeconds.append(copy.seconds)
            let run = try ChildProcess.run(crmhub, ["--log-level", "info", "reconcile", "--rules", rulesPath],
                                           environment: ["DATABASE_URL": settings.urlWithCredentials])
            guard run.status == 0 else { say(run.text); throw HubError(.io, "crmhub reconcile failed") }
            reconcileSeconds.append(run.seconds)
            peakRSS = max(peakRSS, run.maxRSSBytes)
            say(String(format: "round %d: psql \\copy out %.2f s | crmhub reconcile %.2f s (peak RSS %.0f MB)", round,
                       copy.seconds, run.seconds, Double(run.maxRSSBytes) / 1_048_576))
            if round == rounds {
                say(run.text.split(separator: "\n").map { "  | " + $0 }.joined(separator: "\n"))
                try await score(settings: settings, logger: logger)
            }
        }
        let seconds = median(reconcileSeconds)
        let copyRate = Double(payments) / median(copySeconds)
        let rate = Double(payments) / seconds
        say(String(format: """

            reconcile benchmark (%d payments, %d open invoices, median of %d rounds)
              psql \\copy of the payments out : %9.0f payments/s (%.2f s)
              crmhub reconcile (end to end)  : %9.0f payments/s (%.2f s; target ≤ 20 s)
              ratio to psql \\copy out        : %.2f×
              crmhub peak RSS                : %.0f MB (target ≤ 256 MB)
            """, payments, invoices, rounds, copyRate, median(copySeconds), rate, seconds, rate / copyRate,
            Double(peakRSS) / 1_048_576))
    }

    /// Rule distribution and accuracy against the generated truth (`attributes->>'truth'`).
    static func score(settings: DatabaseSettings, logger: Logger) async throws {
        try await Warehouse.open(settings, logger: logger) { warehouse in
            let rules = try await warehouse.client.query("""
                SELECT rule_counts::text, payments, auto, suggested, unmatched,
                       extract(epoch FROM finished_at - started_at)::float8
                FROM ops.reconciliation_runs ORDER BY id DESC LIMIT 1
                """, logger: logger).collect().first!.decode((String, Int, Int, Int, Int, Double).self)
            say("  rule distribution: \(rules.0)")
            say(String(format: "  decided: %d auto, %d to review, %d unmatched; %.0f matches/s (auto + suggested) "
                       + "inside the run's transaction (%.2f s)",
                       rules.2, rules.3, rules.4, Double(rules.2 + rules.3) / rules.5, rules.5))
            let accuracy = try await warehouse.client.query("""
                WITH truth AS (
                    SELECT t.id, t.attributes->>'truth' AS invoice,
                           row_number() OVER (PARTITION BY t.attributes->>'truth'
                                              ORDER BY t.booked_on, t.id) AS nth
                    FROM core.bank_transactions t WHERE t.direction = 'in'
                ), auto AS (
                    SELECT a.bank_transaction_id, i.number FROM core.payment_allocations a
                    JOIN core.invoices i ON i.id = a.invoice_id WHERE a.status = 'auto'
                ), proposed AS (
                    SELECT a.bank_transaction_id, i.number FROM core.payment_allocations a
                    JOIN core.invoices i ON i.id = a.invoice_id WHERE a.status IN ('auto', 'suggested')
                )
                SELECT (SELECT count(*) FROM auto)::bigint,
                       (SELECT count(*) FROM auto a JOIN truth t ON t.id = a.bank_transaction_id
                        WHERE t.invoice IS DISTINCT FROM a.number
                          AND NOT EXISTS (SELECT 1 FROM core.bank_transactions x
                                          WHERE x.id = a.bank_transaction_id
                                            AND x.attributes->>'also' = a.number))::bigint,
                       (SELECT count(*) FROM truth WHERE invoice LIKE 'inv:%' IS NOT TRUE AND invoice IS NOT NULL
                          AND invoice <> 'advance' AND nth = 1)::bigint,
                       (SELECT count(*) FROM truth t WHERE t.invoice IS NOT NULL AND t.invoice <> 'advance' AND nth = 1
                          AND EXISTS (SELECT 1 FROM proposed p WHERE p.bank_transaction_id = t.id
                                        AND p.number = t.invoice))::bigint
                """, logger: logger).collect().first!.decode((Int64, Int64, Int64, Int64).self)
            let precision = accuracy.0 > 0 ? 1 - Double(accuracy.1) / Double(accuracy.0) : 1
            let recall = accuracy.2 > 0 ? Double(accuracy.3) / Double(accuracy.2) : 1
            say(String(format: "  accuracy: auto precision %.4f (%d wrong of %d; target ≥ 0.99); right answer found "
                       + "(auto or suggested) for %.4f of the %d payments that have one (target ≥ 0.95)",
                       precision, accuracy.1, accuracy.0, recall, accuracy.2))
            // mart.invoice_status against the truth: what the generated payments pay of each invoice (a full payment
            // its amount, a partial one half, a payment of two invoices each in full), in the invoice's currency.
            let statuses = try await warehouse.client.query("""
                WITH contributions AS (
                    SELECT i.id, CASE WHEN (substr(t.doc_number, 4)::int % 100) BETWEEN 45 AND 54
                                      THEN round(i.amount / 2, 2) ELSE i.amount END AS paid
                    FROM core.bank_transactions t JOIN core.invoices i ON i.number = t.attributes->>'truth'
                    WHERE t.doc_number LIKE 'PP-%'
                    UNION ALL
                    SELECT i.id, i.amount FROM core.bank_transactions t JOIN core.invoices i ON i.number = t.attributes->>'also'
                    WHERE t.doc_number LIKE 'PP-%'
                ), truth AS (
                    SELECT id, sum(paid) >= min(i.amount) AS in_full FROM contributions c JOIN core.invoices i USING (id)
                    GROUP BY id
                )
                SELECT count(*) FILTER (WHERE s.status IN ('paid', 'overpaid'))::bigint,
                       count(*) FILTER (WHERE s.status IN ('paid', 'overpaid') AND NOT coalesce(t.in_full, false))::bigint,
                       count(*) FILTER (WHERE t.in_full)::bigint,
                       count(*) FILTER (WHERE t.in_full AND s.status IN ('paid', 'overpaid'))::bigint,
                       count(*) FILTER (WHERE s.status = 'overpaid')::bigint
                FROM mart.invoice_status s LEFT JOIN truth t ON t.id = s.invoice_id
                """, logger: logger).collect().first!.decode((Int64, Int64, Int64, Int64, Int64).self)
            say(String(format: "  mart.invoice_status: %d invoices shown paid, %d of them not paid in full by the truth "
                       + "(target 0); %.4f of the %d invoices the truth pays in full are shown paid (the rest wait "
                       + "in To review); %d shown overpaid", statuses.0, statuses.1,
                       statuses.2 > 0 ? Double(statuses.3) / Double(statuses.2) : 1, statuses.2, statuses.4))
        }
    }

    static func generate(payments: Int, invoices: Int, warehouse: Warehouse, logger: Logger) async throws {
        let clients = max(1, invoices / 25)
        // The sizes are numbers this program chose, written into the SQL as literals (bound parameters would
        // make every expression bigint, and `date + bigint` does not exist).
        let batch = try await warehouse.client.query("""
            INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
            VALUES ('bench', 'generated payments', encode(sha256(clock_timestamp()::text::bytea), 'hex'), 0, 'loaded')
            RETURNING id
            """, logger: logger).collect().first!.decode(Int64.self)
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO core.counterparties (inn, name, bank_account, bank_code, origin)
            SELECT (300000000 + c)::text, 'Client ' || c || ' MChJ', '20208000' || lpad(c::text, 12, '0'), '00440', '1c'
            FROM generate_series(0, \(clients - 1)) c
            """), logger: logger)
        // Invoice n: client n % clients; numbers in three 1C styles; prices from a short list (they repeat).
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO core.invoices (number, issued_on, due_on, counterparty_inn, counterparty_name, amount, currency,
                                       origin, document_kind)
            SELECT CASE n % 3 WHEN 0 THEN 'SF-2025/' || lpad(n::text, 6, '0')
                              WHEN 1 THEN '0000-' || lpad(n::text, 6, '0')
                              ELSE 'CRM-' || lpad(n::text, 6, '0') END,
                   date '2025-01-01' + (n % 300), date '2025-01-11' + (n % 300),
                   (300000000 + n % \(clients))::text, 'Client ' || (n % \(clients)) || ' MChJ',
                   (ARRAY[1500000, 2500000, 4300000, 5500000, 7500000, 12000000])[1 + n % 6]
                       + ((n * 37) % 23) * 50000, 'UZS', '1c', 'Документ.СчетПокупателю'
            FROM generate_series(1, \(invoices)) n
            """), logger: logger)
        // Dollar contracts: every invoice of one client in fifty is in USD (the sums price at about 12 650), and the
        // central bank's dollar is published for every day of the corpus.
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            UPDATE core.invoices SET currency = 'USD', amount = round(amount / 12650, 2)
            WHERE (counterparty_inn::bigint - 300000000) % 50 = 7
            """), logger: logger)
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO core.fx_rates (currency, rate_date, rate, nominal, batch_id, source_line)
            SELECT 'USD', date '2024-12-01' + d, 12600 + d * 0.37, 1, \(batch), d + 1
            FROM generate_series(0, 420) d
            """), logger: logger)
        try await warehouse.client.query("ANALYZE core.invoices", logger: logger)
        // Payment p targets invoice t (and t + clients, same client, for two-invoice payments).
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount, currency,
                counterparty_inn, counterparty_name, counterparty_account, counterparty_bank_code, purpose, booked_on,
                bank_transaction_code, attributes, natural_key, occurrence, batch_id, source_line, bank_reference)
            SELECT '20208000500123456001', 'in', 'camt.053', 'PP-' || p, g.booked,
                   -- A dollar invoice is paid in sums at the day's rate (the bank's, for every other one).
                   CASE WHEN g.dollars THEN round(g.invoice_amount * (12600 + (g.booked - date '2024-12-01') * 0.37), 2)
                        ELSE g.amount END, 'UZS',
                   g.inn, g.name, g.account, '00440', g.purpose, g.booked, g.code,
                   jsonb_strip_nulls(jsonb_build_object('truth', g.truth, 'also', g.also,
                       'instructed_amount', CASE WHEN g.dollars AND (p / 100) % 2 = 0 THEN g.invoice_amount::text END,
                       'instructed_currency', CASE WHEN g.dollars AND (p / 100) % 2 = 0 THEN 'USD' END)),
                   md5('bench' || p)::uuid, 1, \(batch), p, 'BENCH' || p
            FROM (
                SELECT p, k,
                       inv.currency = 'USD' AND k < 80 AS dollars,
                       CASE WHEN k < 45 OR (k >= 65 AND k < 75) THEN inv.amount
                            WHEN k < 55 THEN round(inv.amount / 2, 2)
                            WHEN k < 65 THEN inv.amount + coalesce(inv2.amount, 0)
                            ELSE round(3000000.0 / 12650, 2) END AS invoice_amount,
                       CASE WHEN k < 85 OR k = 99 THEN date '2025-01-01' + (t % 300) + (p % 20)
                            ELSE date '2025-01-01' + (p % 320) END AS booked,
                       CASE WHEN k < 45 OR (k >= 65 AND k < 75) OR k = 99 THEN inv.amount
                            WHEN k < 55 THEN round(inv.amount / 2, 2)
                            WHEN k < 65 THEN inv.amount + coalesce(inv2.amount, 0)
                            WHEN k < 80 THEN 3000000 + (p % 97) * 1000
                            WHEN k < 85 THEN round(1000 + (p % 5000) * 1.37, 2)
                            ELSE 100000 + (p % 9973) * 13 + 0.37 END AS amount,
                       CASE WHEN k < 80 THEN (300000000 + t % \(clients))::text
                            WHEN k = 99 THEN (300000000 + (t + 1) % \(clients))::text END AS inn,
                       CASE WHEN k < 80 OR k = 99 THEN 'CLIENT ' || (t % \(clients)) || ' MCHJ'
                            WHEN k < 85 THEN NULL ELSE 'PAYER ' || p END AS name,
                       CASE WHEN k >= 85 AND k < 99 THEN '20208000' || lpad((900000 + p)::text, 12, '0') END AS account,
                       CASE WHEN k >= 80 AND k < 85 THEN 'NINT' ELSE 'NTRF' END AS code,
                       CASE WHEN k < 45 THEN '00668 Oplata po schetu № ' || inv.number || ' ot '
                                 || to_char(inv.issued_on, 'DD.MM.YYYY') || ', v t.ch. NDS 12% '
                                 || round(inv.amount * 12 / 112, 2)
                            WHEN k < 55 THEN 'Chastichnaya oplata po sch. ' || t || ' ot '
                                 || to_char(inv.issued_on, 'DD.MM.YYYY')
                            WHEN k < 65 THEN 'Oplata po schetam No' || t || ' i No' || (t + \(clients)) || ' ot '
                                 || to_char(inv.issued_on, 'DD.MM.YYYY')
                            WHEN k < 70 THEN 'Oplata za tovar soglasno nakladnoy'
                            WHEN k < 75 THEN 'Oplata po dogovoru No D-' || (t % \(clients)) || ' za tovar'
                            WHEN k < 80 THEN 'Predoplata 30% po dogovoru No K-' || p || ' ot 10.03.2025'
                            WHEN k < 85 THEN 'Foiz: interest on balance'
                            WHEN k < 99 THEN 'Oplata za uslugi, summa ' || (p % 9973) || ' sht.'
                            ELSE 'Oplata za CLIENT ' || (t % \(clients)) || ' po schetu ' || inv.number END AS purpose,
                       CASE WHEN k < 75 OR k = 99 THEN inv.number WHEN k < 80 THEN 'advance' END AS truth,
                       CASE WHEN k >= 55 AND k < 65 THEN inv2.number END AS also
                FROM (SELECT p, p % 100 AS k, (((p::bigint * 7919) % \(invoices)) + 1)::int AS t
                      FROM generate_series(1, \(payments)) p) s
                JOIN core.invoices inv ON inv.id = s.t
                LEFT JOIN core.invoices inv2 ON inv2.id = s.t + \(clients) AND s.k >= 55 AND s.k < 65
            ) g
            """), logger: logger)
        // Advances used later: one client in four prepaid 2 000 000 on 2024-12-20, and the accountant confirmed it;
        // the run offsets each against that client's invoices issued since, oldest first (rule A1, proposed).
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            WITH lines AS (
                INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount, currency,
                    counterparty_inn, counterparty_name, purpose, booked_on, bank_transaction_code, natural_key,
                    occurrence, batch_id, source_line, bank_reference)
                SELECT '20208000500123456001', 'in', 'camt.053', 'AV-' || c, date '2024-12-20', 2000000, 'UZS',
                       (300000000 + c)::text, 'CLIENT ' || c || ' MCHJ', 'Predoplata po dogovoru', date '2024-12-20',
                       'NTRF', md5('bench-advance' || c)::uuid, 1, \(batch), \(payments) + c + 1, 'BENCH-AV' || c
                FROM generate_series(0, \(clients - 1)) c
                WHERE c % 4 = 1 AND c % 50 <> 7
                RETURNING id, counterparty_inn
            )
            INSERT INTO core.customer_advances (bank_transaction_id, counterparty_inn, amount, rule, confidence, status,
                                                explanation, decided_by, decided_at)
            SELECT id, counterparty_inn, 2000000, 'R9', 0.75, 'confirmed', 'prepayment, confirmed by the accountant',
                   'bench', now()
            FROM lines
            """), logger: logger)
        try await warehouse.client.query("ANALYZE", logger: logger)
    }
}
