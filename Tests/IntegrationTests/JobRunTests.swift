import CRMWarehouse
import Connectors
import Foundation
import HubCore
import PostgresNIO
import Scheduler
import Synchronization
import Testing

/// `crmhub run`: one run per (job, time), resumed after a crash, never run twice, a failing step alone.
@Suite("job runs against a real PostgreSQL")
struct JobRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path
    static let at = "2026-11-22T02:30:00+05:00"

    /// A job over copies of the bundled samples: 1C message, CommerceML documents, bank statements.
    func job(_ files: TemporaryFiles, extraStatement: String? = nil, settings: String = "") throws -> String {
        let folder = files.directory
        for (from, to) in [("samples/1c/Message_BP_CRM.xml", "Message_BP_CRM.xml"),
                           ("samples/1c/documents.xml", "documents.xml"),
                           ("samples/bank-1c/01_kl_to_1c_2024-04-15.txt", "bank_01.txt"),
                           ("samples/bank-1c/02_1c_to_kl_2024-04-16.txt", "bank_02.txt")] {
            _ = try files.write(to, try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/" + from)))
        }
        if let extraStatement { _ = try files.write("bank_03.txt", Data(extraStatement.utf8)) }
        return try files.write("nightly.yaml", Data("""
            version: 1
            id: nightly
            schedule: {cron: "30 2 * * *", timezone: Asia/Tashkent}
            \(settings)
            steps:
              - import: {kind: 1c-enterprisedata, path: "\(folder)/Message_*.xml", our_node: CRM}
              - import: {kind: 1c-commerceml, path: "\(folder)/documents.xml"}
              - import: {kind: bank-1c, path: "\(folder)/bank_*.txt"}
            """.utf8))
    }

    func crmhub(_ arguments: [String], database: DatabaseSettings, environment: [String: String] = [:]) async throws
        -> ChildProcess.Output
    {
        try await CLITests().crmhub(arguments, database: database, environment: environment)
    }

    func count(_ warehouse: Warehouse, _ sql: String) async throws -> Int {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: sql), logger: warehouse.logger)
            .collect().first!.decode(Int.self)
    }

    /// What a night's run leaves in the warehouse, to compare a resumed run with a clean one.
    func fingerprint(_ warehouse: Warehouse) async throws -> [Int] {
        var counts: [Int] = []
        for table in ["core.bank_transactions", "core.counterparties", "core.invoices", "core.invoice_lines",
                      "core.payments_1c", "raw.onec_objects", "ops.quarantine"] {
            counts.append(try await count(warehouse, "SELECT count(*)::int FROM \(table)"))
        }
        counts.append(try await count(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'loaded'"))
        return counts
    }

    @Test("a run loads every step once; the same time again does nothing")
    func runOnce() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files)
        try await TestDatabase.withFreshWarehouse { warehouse in
            let first = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(first.status == 0, "\(first.text)")
            #expect(first.text.contains("run 1 of nightly: succeeded"))
            let clean = try await fingerprint(warehouse)
            #expect(clean[0] > 0 && clean[2] > 0)
            let again = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(again.status == 0 && again.text.contains("already ran to success (run 1"))
            #expect(try await fingerprint(warehouse) == clean)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_runs") == 1)
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.job_steps WHERE status = 'succeeded' AND files_loaded > 0
                """) == 3)
            // Each stream's cursor stands at its last file, moved with the data.
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_cursors") == 3)
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.job_cursors WHERE stream LIKE 'bank-1c %' AND last_file LIKE '%bank_02.txt'
                """) == 1)
            // What a person sees in the morning.
            let runs = try await crmhub(["runs", "nightly"], database: warehouse.settings)
            #expect(runs.status == 0 && runs.text.contains("nightly              2026-11-21 21:30  succeeded"))
            let status = try await crmhub(["status", "--jobs", files.directory], database: warehouse.settings)
            #expect(status.status == 0)
            #expect(status.text.contains("nightly: 30 2 * * * Asia/Tashkent; next "))
            #expect(status.text.contains("last: run 1 for 2026-11-22 02:30: succeeded, took "))
            #expect(status.text.contains("4 file(s) loaded, 0 failed"))
        }
    }

    @Test("killed after step 1 and run again: resumes at step 2 and ends with exactly a clean run's data")
    func killAndResume() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files)
        var clean: [Int] = []
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            clean = try await fingerprint(warehouse)
        }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let killed = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings,
                                          environment: ["CRMHUB_TEST_ABORT_AFTER_STEP": "1"])
            #expect(killed.status == 99)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_runs WHERE status = 'running'") == 1)
            // Only the stream whose data committed has moved its cursor.
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_cursors") == 1)
            let resumed = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(resumed.status == 0, "\(resumed.text)")
            #expect(resumed.text.contains("resumed; steps [1] done before"))
            #expect(!resumed.text.contains("step 1 import"))
            #expect(try await fingerprint(warehouse) == clean)
            #expect(try await count(warehouse, "SELECT starts FROM ops.job_runs") == 2)
        }
    }

    @Test("two processes asked for the same time at once: one run, the data once")
    func twoRunners() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files)
        try await TestDatabase.withFreshWarehouse { warehouse in
            async let one = crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            async let two = crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            let outputs = try await [one, two]
            #expect(outputs.allSatisfy { $0.status == 0 }, "\(outputs.map(\.text))")
            #expect(outputs.filter { $0.text.contains("succeeded") }.count == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_runs") == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'loaded'") == 4)
        }
    }

    @Test("a retryable failure is retried after the backoff; a bad file is not retried")
    func retries() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files, extraStatement: Self.notAStatement,
                           settings: "retry: {attempts: 3, backoff: 1s, max_backoff: 1s, jitter: 0}")
        try await TestDatabase.withFreshWarehouse { warehouse in
            let started = Date()
            let run = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings,
                                       environment: ["CRMHUB_TEST_FAIL_ONCE_AT_STEP": "2"])
            #expect(Date().timeIntervalSince(started) >= 1)
            #expect(run.text.contains("simulated lost connection") && run.text.contains("retrying in 1.0 s (attempt 2 of 3)"))
            #expect(try await count(warehouse, """
                SELECT attempts FROM ops.job_steps WHERE step_index = 2 AND status = 'succeeded'
                """) == 2)
            // A file that is not a statement is the file's fault: retrying would not help.
            #expect(try await count(warehouse, """
                SELECT attempts FROM ops.job_steps WHERE step_index = 3 AND status = 'failed' AND NOT retryable
                """) == 1)
        }
    }

    @Test("report steps write the morning CSV files under the run's date")
    func reports() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let job = try job(files)
        let path = try files.write("with-reports.yaml", Data((try String(contentsOfFile: job, encoding: .utf8) + """

              - report: {name: invoice-summary, output: "\(files.directory)/reports/{date}/{job}-invoices.csv"}
              - report: {name: bank-days, output: "\(files.directory)/reports/{date}/bank-days.csv"}
            """).utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let run = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(run.status == 0, "\(run.text)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: files.directory
                                                     + "/reports/2026-11-22/nightly-invoices.csv"))
            #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]), "a byte-order mark, for Excel")
            let invoices = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(invoices.hasPrefix("counterparty,inn,currency,invoices,invoiced,paid_in_1c,shipped\r\n"))
            #expect(invoices.contains("207654321,UZS,2,91200000.00"))
            let days = try String(contentsOfFile: files.directory + "/reports/2026-11-22/bank-days.csv", encoding: .utf8)
            #expect(days.contains("\r\n20208000404512345001,2024-04-15,UZS,125000000.00,"))
        }
    }

    @Test("a reconcile step ties the night's payments to invoices; the reconciliation report step writes the workbook")
    func reconcileAndWorkbook() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        for (from, to) in [("samples/1c/Message_BP_CRM_2025-03.xml", "Message_BP_CRM_2025-03.xml"),
                           ("samples/bank-camt053/2025-03-14_camt053.xml", "camt.xml")] {
            _ = try files.write(to, try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/" + from)))
        }
        let folder = files.directory
        let path = try files.write("reconcile.yaml", Data("""
            version: 1
            id: morning
            schedule: {cron: "30 2 * * *", timezone: Asia/Tashkent}
            steps:
              - import: {kind: 1c-enterprisedata, path: "\(folder)/Message_*.xml", our_node: CRM}
              - import: {kind: bank-camt053, path: "\(folder)/camt.xml"}
              - reconcile: {rules: "\(Self.repository)/mappings/reconciliation.yaml"}
              - report: {name: reconciliation, output: "\(folder)/reports/{date}/reconciliation.xlsx", days: 700}
            """.utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let run = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(run.status == 0, "\(run.text)")
            #expect(run.text.contains("reconciled 10 bank line(s): 4 matched, 3 to review, 0 unmatched"), "\(run.text)")
            let workbook = try XLSXWorkbookReader(path: folder + "/reports/2026-11-22/reconciliation.xlsx")
            #expect(workbook.sheetNames == ["Summary", "Matched", "To review", "Unmatched payments", "Unpaid invoices",
                                            "Advances", "Exchange differences", "Supplier payments",
                                            "Unmatched supplier payments",
                                            "Unpaid supplier invoices"])
            let summary = try workbook.rows(ofSheet: "Summary")
            #expect(summary.contains { $0.first?.hasPrefix("Ties out") == true && $0.last == "yes" }, "\(summary)")
        }
    }

    @Test("a refresh step brings the mart's materialized views up to the data just loaded")
    func refresh() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try files.write("refresh.yaml", Data((try String(contentsOfFile: try job(files), encoding: .utf8)
            + "\n  - refresh: {}\n").utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await warehouse.client.query(
                "CREATE MATERIALIZED VIEW mart.invoice_count AS SELECT count(*)::int AS n FROM core.invoices",
                logger: warehouse.logger)
            let run = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(run.status == 0 && run.text.contains("refreshed 1 materialized view(s) in mart"), "\(run.text)")
            #expect(try await count(warehouse, "SELECT n FROM mart.invoice_count")
                        == count(warehouse, "SELECT count(*)::int FROM core.invoices"))
            #expect(try await count(warehouse, "SELECT n FROM mart.invoice_count") > 0)
        }
    }

    @Test("a run past its timeout starts nothing more and ends failed; running the time again finishes it")
    func timeout() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // The retry's backoff outlasts the timeout; the timeout leaves the second run ample time under a busy
        // test suite.
        let path = try job(files, settings: "timeout: 5s\nretry: {attempts: 2, backoff: 6s, jitter: 0}")
        try await TestDatabase.withFreshWarehouse { warehouse in
            let run = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings,
                                       environment: ["CRMHUB_TEST_FAIL_ONCE_AT_STEP": "1"])
            #expect(run.status == 1, "\(run.text)")
            #expect(run.text.contains("step 2 and later not started: the run passed its timeout"))
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.job_runs WHERE status = 'failed' AND error LIKE '%timed out after%'
                """) == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_steps") == 1)
            // Its time again, with a timeout the rest cannot miss however busy the test machine is: the rest runs.
            _ = try job(files, settings: "timeout: 10m\nretry: {attempts: 2, backoff: 6s, jitter: 0}")
            let again = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(again.status == 0, "\(again.text)")
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_steps WHERE status = 'succeeded'") == 3)
        }
    }

    @Test("paused after failing runs in a row; runs again only when unpaused")
    func pauseAfterFailures() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files, extraStatement: Self.notAStatement, settings: "pause_after_failures: 2")
        try await TestDatabase.withFreshWarehouse { warehouse in
            let first = try await crmhub(["run", path, "--at", "2026-11-20T02:30:00+05:00"], database: warehouse.settings)
            #expect(first.status == 1 && !first.text.contains("now paused"))
            let second = try await crmhub(["run", path, "--at", "2026-11-21T02:30:00+05:00"], database: warehouse.settings)
            #expect(second.status == 1 && second.text.contains("nightly is now paused after 2 failed run(s) in a row"))
            let third = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(third.status == 1 && third.text.contains("nightly is paused since"))
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_runs") == 2)
            let status = try await crmhub(["status", "--jobs", files.directory], database: warehouse.settings)
            #expect(status.text.contains("PAUSED since"))
            let unpaused = try await crmhub(["run", path, "--at", Self.at, "--unpause"], database: warehouse.settings)
            #expect(unpaused.text.contains("run 3 of nightly"))
            #expect(try await count(warehouse, "SELECT consecutive_failures FROM ops.job_state") == 1)
        }
    }

    @Test("data-quality tests run on every batch loaded: a failing error test fails its step, a warning does not")
    func qualityTests() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files)
        let mappings = files.directory + "/mappings"
        try FileManager.default.createDirectory(atPath: mappings, withIntermediateDirectories: true)
        _ = try files.write("mappings/quality.yaml", Data("""
            version: 1
            tests:
              - name: dollars-only
                table: core.bank_transactions
                column: currency
                accepted_values: [USD]
              - name: invoices-in-dollars
                table: core.invoices
                column: currency
                accepted_values: [USD]
                severity: warn
              - name: lines-have-invoices
                table: core.invoice_lines
                column: invoice_id
                relationships: {to: core.invoices, field: id}
            """.utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let run = try await crmhub(["run", path, "--at", Self.at, "--mappings", mappings],
                                       database: warehouse.settings)
            #expect(run.status == 1, "\(run.text)")
            #expect(run.text.contains("step(s) 3 failed"))
            #expect(run.text.contains("dollars-only (core.bank_transactions.currency accepted_values): "))
            #expect(run.text.contains("invoices-in-dollars (core.invoices.currency accepted_values): 1 row(s) fail [warn]"))
            // The data stays; the results say which batch broke which test, and where the test is defined.
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") > 0)
            #expect(try await count(warehouse, """
                SELECT count(DISTINCT batch_id)::int FROM ops.quality_results
                WHERE test_name = 'dollars-only' AND NOT passed AND defined_at LIKE '%quality.yaml:3'
                """) == 2)
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.quality_results WHERE test_name = 'lines-have-invoices' AND NOT passed
                """) == 0)

            // By hand, the same tests: the batch loads and stays, the failed error test makes it exit 1.
            let statement = try files.write("by-hand.txt", StatementFiles.encode(
                StatementFiles.header(from: "20.04.2024", to: "20.04.2024")
                    + StatementFiles.incoming(number: "77", date: "20.04.2024", amount: "770.00") + ["КонецФайла"]))
            let byHand = try await crmhub(["import", "bank-1c", statement, "--mappings", mappings],
                                          database: warehouse.settings)
            #expect(byHand.status == 1, "\(byHand.text)")
            #expect(byHand.text.contains("but data-quality test(s) dollars-only failed"), "\(byHand.text)")
            #expect(byHand.text.contains("dollars-only (core.bank_transactions.currency accepted_values): "))
            #expect(!byHand.text.contains("nothing from this file was saved"), "\(byHand.text)")
            #expect(try await count(warehouse, """
                SELECT count(DISTINCT batch_id)::int FROM ops.quality_results
                WHERE test_name = 'dollars-only' AND NOT passed
                """) == 3)
        }
    }

    /// A spreadsheet export named like a statement: the bank importer refuses it whole.
    static let notAStatement = "Дата;Сумма\n15.04.2024;100\n"

    @Test("a file that fails fails its step only; the other steps load, and a rerun retries just that step")
    func failingStep() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files, extraStatement: Self.notAStatement)
        try await TestDatabase.withFreshWarehouse { warehouse in
            let run = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(run.status == 1, "\(run.text)")
            #expect(run.text.contains("step(s) 3 failed"))
            // The bank stream's cursor stops before the file that failed.
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.job_cursors WHERE stream LIKE 'bank-1c %' AND last_file LIKE '%bank_02.txt'
                """) == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.invoices") > 0)
            #expect(try await count(warehouse, """
                SELECT files_loaded FROM ops.job_steps WHERE step_index = 3 AND status = 'failed' AND files_failed = 1
                """) == 2)
            let again = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings)
            #expect(again.status == 1 && again.text.contains("resumed; steps [1, 2] done before"))
            #expect(try await count(warehouse, """
                SELECT files_already FROM ops.job_steps WHERE step_index = 3
                """) == 2)
        }
    }

    /// A clock for a scheduler under test: sleeping moves it forward at once.
    final class SimulatedClock: Sendable {
        let time: Mutex<Date>
        init(_ start: Date) { time = Mutex(start) }
        var now: Date { time.withLock { $0 } }
        func sleep(until target: Date) { time.withLock { $0 = max($0, target) } }
    }

    /// What a scheduler under test reported.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    func loadJob(_ path: String) throws -> JobDefinition {
        let (job, diagnostics) = JobFileLoader.load(try String(contentsOfFile: path, encoding: .utf8), file: path)
        try #require(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(job)
    }

    func scheduler(_ job: JobDefinition, _ warehouse: Warehouse, clock: SimulatedClock,
                   lines: Lines) -> JobScheduler {
        JobScheduler(jobs: [job], warehouse: warehouse, now: { clock.now },
                     sleepUntil: { clock.sleep(until: $0) }, report: { lines.append($0) })
    }

    @Test("two schedulers on one warehouse fire the 02:30 tick once")
    func twoSchedulers() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let job = try loadJob(try job(files))
        let start = ISO8601DateFormatter().date(from: "2026-11-22T02:29:00+05:00")!
        let end = ISO8601DateFormatter().date(from: "2026-11-22T02:31:00+05:00")!
        try await TestDatabase.withFreshWarehouse { warehouse in
            let lines = Lines()
            let one = scheduler(job, warehouse, clock: SimulatedClock(start), lines: lines)
            let two = scheduler(job, warehouse, clock: SimulatedClock(start), lines: lines)
            async let first: Void = one.run(until: end)
            async let second: Void = two.run(until: end)
            _ = try await (first, second)
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.job_runs
                WHERE trigger = 'schedule' AND status = 'succeeded' AND scheduled_for = '2026-11-21T21:30:00Z'
                """) == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.job_runs") == 1)
            let reported = lines.all
            #expect(reported.filter { $0.contains("run 1 succeeded") }.count == 1, "\(reported)")
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'loaded'") == 4)
        }
    }

    @Test("a scheduler killed in the middle of a run: the next one to start resumes that run")
    func schedulerResumesACrashedRun() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try job(files)
        let job = try loadJob(path)
        try await TestDatabase.withFreshWarehouse { warehouse in
            // A scheduled run killed after its first step, as a scheduler process would leave it.
            let killed = try await crmhub(["run", path, "--at", Self.at], database: warehouse.settings,
                                          environment: ["CRMHUB_TEST_ABORT_AFTER_STEP": "1"])
            #expect(killed.status == 99)
            try await warehouse.client.query("UPDATE ops.job_runs SET trigger = 'schedule'", logger: warehouse.logger)
            let now = ISO8601DateFormatter().date(from: "2026-11-22T09:00:00+05:00")!
            let lines = Lines()
            try await scheduler(job, warehouse, clock: SimulatedClock(now), lines: lines).run(until: now)
            #expect(lines.all.contains { $0.contains("resuming the run for 2026-11-22 02:30") }, "\(lines.all)")
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.job_runs WHERE status = 'succeeded' AND starts = 2
                """) == 1)
            #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'loaded'") == 4)
        }
    }

    @Test("after three days down: latest_only runs the last missed time, all(max: 2) the last two, none nothing",
          arguments: [("latest_only", ["2026-11-21T21:30:00Z"]),
                      ("{policy: all, max: 2}", ["2026-11-20T21:30:00Z", "2026-11-21T21:30:00Z"]),
                      ("none", [])])
    func catchUp(policy: String, expected: [String]) async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let job = try loadJob(try job(files, settings: "catch_up: \(policy)"))
        let now = ISO8601DateFormatter().date(from: "2026-11-22T10:00:00+05:00")!
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await warehouse.client.query("""
                INSERT INTO ops.job_runs (job_id, scheduled_for, trigger, status, runner, finished_at)
                VALUES ('nightly', '2026-11-18T21:30:00Z', 'schedule', 'succeeded', 'test', now())
                """, logger: warehouse.logger)
            let lines = Lines()
            try await scheduler(job, warehouse, clock: SimulatedClock(now), lines: lines).run(until: now)
            let ran = try await warehouse.client.query("""
                SELECT to_char(scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM ops.job_runs
                WHERE runner <> 'test' ORDER BY scheduled_for
                """, logger: warehouse.logger).collect().map { try $0.decode(String.self) }
            #expect(ran == expected)
        }
    }
}
