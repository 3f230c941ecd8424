import CRMWarehouse
import Foundation
import HubCore
import Logging
import PostgresNIO

/// The loans benchmark (issue 18): N contracts of 60 monthly instalments through `crmhub import
/// loan-contracts` (each schedule computed by the credit calculator and COPYed in the load's transaction), against
/// `psql \copy` of the same `core.loan_schedule` rows in the same run; then the daily arrears snapshot of the N
/// contracts (`crmhub loan arrears`).
///
///   swift build -c release && .build/release/CRMHubBenchmarks --loans 100000 [--rounds R]
///
/// The contracts mix the two methods and four day counts, principals from 5 to 500 million sums, rates from 14 to
/// 34 %, disbursed over the 59 months before the business date (2025-06-30), so each has from 1 to 59 instalments
/// due. Repayments are then written by SQL (not timed): every instalment due is paid on its day, except that one
/// contract in ten stopped paying at some instalment, and one in ten paid its last due instalment only in part —
/// so the snapshot's days past due are known: the benchmark fails unless it finds exactly those contracts overdue.
/// Per round: a fresh database; the import timed as a separate process (wall time, peak RSS); the schedule rows
/// copied out, then `psql \copy` of them into a table of the same shape (LIKE core.loan_schedule INCLUDING ALL);
/// the repayments; `crmhub loan arrears --date 2025-06-30` timed the same way.
enum LoanBenchmark {
    static let businessDate = "2025-06-30"
    static let months = 60

    static func run(contracts: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let logger = context.logger
        let folder = context.outDirectory + "/loans_\(contracts)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/contracts.csv", rows = folder + "/schedule.rows"
        say("generating \(contracts) loan contracts of \(months) instalments…")
        try generate(contracts: contracts, to: file)
        let settings = context.settings
        let psql = try findPsql()
        let environment = ["DATABASE_URL": settings.urlWithCredentials]
        var importSeconds: [Double] = [], copySeconds: [Double] = [], arrearsSeconds: [Double] = []
        var peakImport = 0, peakArrears = 0, instalments = 0, overdue = 0
        for round in 1...rounds {
            try await context.recreateDatabase()
            _ = try await Warehouse.open(settings, logger: logger) { try await Migrator.bundled().migrate($0) }
            let imported = try ChildProcess.run(context.crmhub, context.importArguments("loan-contracts", file),
                                                environment: environment)
            guard imported.status == 0 else { say(imported.text); throw HubError(.io, "crmhub import loan-contracts failed") }
            instalments = try await Warehouse.open(settings, logger: logger) { warehouse in
                let loaded = try await BankBenchmark.count("core.loans", warehouse)
                guard loaded == contracts else {
                    throw HubError(.database, "crmhub import loan-contracts loaded \(loaded) contracts, not \(contracts)")
                }
                let instalments = try await BankBenchmark.count("core.loan_schedule", warehouse)
                guard instalments == contracts * months else {
                    throw HubError(.database, "\(instalments) instalments, not \(contracts * months)")
                }
                return instalments
            }
            importSeconds.append(imported.seconds)
            peakImport = max(peakImport, imported.maxRSSBytes)

            let out = try ChildProcess.run(psql, [settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1", "-c",
                                                  "\\copy core.loan_schedule TO '\(rows)'"])
            guard out.status == 0 else { say(out.text); throw HubError(.io, "psql \\copy out exited with \(out.status)") }
            try await Warehouse.open(settings, logger: logger) { warehouse in
                try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_schedule", logger: logger)
                try await warehouse.client.query(
                    "CREATE TABLE public.bench_schedule (LIKE core.loan_schedule INCLUDING ALL)", logger: logger)
                try await warehouse.client.query("CHECKPOINT", logger: logger)
            }
            let copy = try ChildProcess.run(psql, [settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1", "-c",
                                                   "\\copy public.bench_schedule FROM '\(rows)'"])
            guard copy.status == 0 else { say(copy.text); throw HubError(.io, "psql \\copy exited with \(copy.status)") }
            try await Warehouse.open(settings, logger: logger) { warehouse in
                let copied = try await BankBenchmark.count("public.bench_schedule", warehouse)
                guard copied == instalments else {
                    throw HubError(.database, "psql \\copy loaded \(copied) instalments, crmhub \(instalments): the "
                                   + "benchmark would compare different work")
                }
                try await warehouse.client.query("DROP TABLE public.bench_schedule", logger: logger)
                overdue = try await writeRepayments(warehouse)
            }
            copySeconds.append(copy.seconds)

            let arrears = try ChildProcess.run(context.crmhub, ["loan", "arrears", "--date", businessDate],
                                               environment: environment)
            guard arrears.status == 0, arrears.text.contains("snapshot taken, \(contracts) contract(s)") else {
                say(arrears.text)
                throw HubError(.io, "crmhub loan arrears did not measure \(contracts) contracts")
            }
            try await Warehouse.open(settings, logger: logger) { warehouse in
                let found = try await BankBenchmark.count(
                    "mart.loan_arrears WHERE days_past_due > 0 AND snapshot_date = '\(businessDate)'", warehouse)
                guard found == overdue else {
                    throw HubError(.database, "the snapshot found \(found) contracts overdue, the corpus has \(overdue)")
                }
            }
            arrearsSeconds.append(arrears.seconds)
            peakArrears = max(peakArrears, arrears.maxRSSBytes)
            say(String(format: "round %d: crmhub import loan-contracts %.2f s (peak RSS %.0f MB) | psql \\copy %.2f s | "
                        + "crmhub loan arrears %.2f s (peak RSS %.0f MB)", round, imported.seconds,
                       Double(imported.maxRSSBytes) / 1_048_576, copy.seconds, arrears.seconds,
                       Double(arrears.maxRSSBytes) / 1_048_576))
        }
        let importRate = Double(instalments) / median(importSeconds)
        let copyRate = Double(instalments) / median(copySeconds)
        say(String(format: """

            loans benchmark (%d contracts, %d instalments, median of %d rounds)
              crmhub import loan-contracts : %9.0f instalments/s  (%.2f s end to end, schedules computed)
              psql \\copy (same rows)       : %9.0f rows/s          (%.2f s)
              ratio                        : %.2f× (target ≥ 0.5)
              crmhub loan arrears          : %.2f s for %d contracts, %d overdue (target ≤ 10 s)
              peak RSS                     : import %.0f MB, arrears %.0f MB (target ≤ 200 MB)
            """, contracts, instalments, rounds, importRate, median(importSeconds), copyRate, median(copySeconds),
            importRate / copyRate, median(arrearsSeconds), contracts, overdue, Double(peakImport) / 1_048_576,
            Double(peakArrears) / 1_048_576))
    }

    /// Every instalment due by the business date paid on its day, except: contracts whose number ends in 3
    /// stopped at instalment (number % 7 + 1), and those ending in 7 paid their last due instalment in half.
    /// Returns how many contracts are then overdue.
    static func writeRepayments(_ warehouse: Warehouse) async throws -> Int {
        let logger = warehouse.logger
        let batch = try await warehouse.client.query("""
            INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
            VALUES ('benchmark', 'repayments', repeat('b', 64), 0, 'loaded') RETURNING id
            """, logger: logger).collect().first!.decode(Int64.self)
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO core.loan_payments (loan_id, reference, kind, paid_on, amount, batch_id, source_line)
            SELECT s.loan_id, 'P' || s.number, 'repayment', s.due_on,
                   CASE WHEN s.loan_id % 10 = 7 AND s.number = last.number THEN round(s.payment / 2, 2) ELSE s.payment END,
                   \(batch), 0
            FROM core.loan_schedule s
            JOIN (SELECT loan_id, max(number) AS number FROM core.loan_schedule WHERE due_on < '\(businessDate)'
                  GROUP BY loan_id) last USING (loan_id)
            WHERE s.due_on < '\(businessDate)' AND NOT (s.loan_id % 10 = 3 AND s.number > s.loan_id % 7 + 1)
            """), logger: logger)
        return try await BankBenchmark.count("""
            core.loans l WHERE (l.loan_id % 10 = 3 AND EXISTS (SELECT 1 FROM core.loan_schedule s
                WHERE s.loan_id = l.loan_id AND s.due_on < '\(businessDate)' AND s.number > l.loan_id % 7 + 1))
               OR (l.loan_id % 10 = 7)
            """, warehouse)
    }

    /// Writes the contracts file.
    static func generate(contracts: Int, to path: String) throws {
        // Reused when it holds the same number of lines (the generator is deterministic).
        if let data = FileManager.default.contents(atPath: path),
           data.reduce(0, { $0 + ($1 == 0x0A ? 1 : 0) }) == contracts + 1 {
            return
        }
        var text = "contract,borrower_id,borrower_name,borrower_phone,product,branch,manager,currency,principal,rate,"
            + "months,method,day_count,disbursed,first_due\n"
        var generator = SplitMix(seed: 20_250_630)
        let dayCounts = ["30/360", "act/365", "act/act", "act/360"]
        let products = ["CONSUMER", "SME", "MORTGAGE", "CONSUMER-SUM"]
        let start = CalendarDate(year: 2020, month: 8, day: 1)!
        for index in 1...contracts {
            let principal = (5 + Int(generator.next() % 496)) * 1_000_000
            let rate = 14 + Int(generator.next() % 21)
            let disbursed = start.adding(days: Int(generator.next() % 1_760))
            let method = index % 3 == 0 ? "differentiated" : "annuity"
            let product = products[index % products.count]
            let borrower = index % 2 == 0 ? String(format: "3%013d", index) : String(format: "2%08d", index % 100_000_000)
            text += "KR-B-\(String(format: "%07d", index)),\(borrower),Borrower \(index),+99890\(String(format: "%07d", index % 10_000_000)),"
                + "\(product),Branch-\(index % 40),Manager \(index % 300),UZS,\(principal).00,\(rate),\(months),\(method),"
                + "\(dayCounts[index % 4]),\(disbursed.iso),\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
