import Foundation
import HubCore
import Logging
import PostgresNIO

/// `ops.job_runs` and `ops.job_steps`: one run per (job, scheduled time), its steps' progress, and the lock
/// that lets exactly one process work on a tick.
package struct JobRunStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    package enum Trigger: String, Sendable {
        case manual, schedule
    }

    /// How a run begins.
    package enum Start: Sendable, Equatable {
        /// A new run, or an interrupted or failed one resumed: `completedSteps` (1-based) are not run again.
        case started(runID: Int64, resumed: Bool, completedSteps: Set<Int>)
        /// This tick was run to success before: nothing to do.
        case alreadySucceeded(runID: Int64, finishedAt: Date?)
        /// This tick ran and failed, and the caller does not resume failed runs.
        case alreadyFailed(runID: Int64, finishedAt: Date?)
    }

    /// Runs `body` while holding the tick's lock: a PostgreSQL session advisory lock on its own connection,
    /// released when `body` ends or when the process dies (the server drops the connection). `body` gets false
    /// when another process holds the lock: that process is working on the tick now.
    package func withTickLock<Result: Sendable>(
        jobID: String, scheduledFor: Date, _ body: @Sendable (Bool) async throws -> Result
    ) async throws -> Result {
        let key = "crmhub:job:\(jobID)@\(Int64(scheduledFor.timeIntervalSince1970))"
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            let acquired = try await connection.query(
                "SELECT pg_try_advisory_lock(hashtextextended(\(key), 0))", logger: logger
            ).collect().first!.decode(Bool.self)
            guard acquired else { return try await body(false) }
            do {
                let result = try await body(true)
                _ = try await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))",
                                                logger: logger)
                throw error
            }
        }
    }

    /// Starts the tick's run, or resumes it; call while holding the tick's lock. A run that ended `failed` is
    /// resumed only when `resumeFailed` (by hand); the scheduler leaves it, so that two schedulers do not both
    /// retry it and count its failure twice. A run left `running` (its process died) is always resumed.
    /// Runs `body` holding the lock of a concurrency key (jobs sharing a key never run at once, on any
    /// machine): waiting for it when `wait`, else giving `body` false when another run holds it.
    package func withConcurrencyLock<Result: Sendable>(
        _ key: String, wait: Bool, _ body: @Sendable (Bool) async throws -> Result
    ) async throws -> Result {
        let name = "crmhub:concurrency:\(key)"
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            let acquired: Bool
            if wait {
                _ = try await connection.query("SELECT pg_advisory_lock(hashtextextended(\(name), 0))", logger: logger)
                acquired = true
            } else {
                acquired = try await connection.query(
                    "SELECT pg_try_advisory_lock(hashtextextended(\(name), 0))", logger: logger
                ).collect().first!.decode(Bool.self)
            }
            guard acquired else { return try await body(false) }
            do {
                let result = try await body(true)
                _ = try await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(name), 0))",
                                               logger: logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(name), 0))",
                                                logger: logger)
                throw error
            }
        }
    }

    /// Times the scheduler started this job for whose runs never ended (`running`): cut short by a crash, or
    /// still going in another scheduler (the tick's lock tells which).
    package func unfinishedScheduledTimes(of jobID: String) async throws -> [Date] {
        try await warehouse.client.query("""
            SELECT scheduled_for FROM ops.job_runs
            WHERE job_id = \(jobID) AND trigger = 'schedule' AND status = 'running' ORDER BY scheduled_for
            """, logger: warehouse.logger).collect().map { try $0.decode(Date.self) }
    }

    /// The latest time the scheduler ran (or started) this job for.
    package func lastScheduledTime(of jobID: String) async throws -> Date? {
        try await warehouse.client.query("""
            SELECT max(scheduled_for) FROM ops.job_runs WHERE job_id = \(jobID) AND trigger = 'schedule'
            """, logger: warehouse.logger).collect().first!.decode(Date?.self)
    }

    package func start(jobID: String, scheduledFor: Date, trigger: Trigger, runner: String,
                      resumeFailed: Bool = true) async throws -> Start {
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            try await connection.inTransaction(logger: logger) {
                let inserted = try await connection.query("""
                    INSERT INTO ops.job_runs (job_id, scheduled_for, trigger, status, runner)
                    VALUES (\(jobID), \(scheduledFor), \(trigger.rawValue), 'running', \(runner))
                    ON CONFLICT (job_id, scheduled_for) DO NOTHING
                    RETURNING id
                    """, logger: logger).collect()
                if let row = inserted.first {
                    return .started(runID: try row.decode(Int64.self), resumed: false, completedSteps: [])
                }
                let existing = try await connection.query("""
                    SELECT id, status, finished_at FROM ops.job_runs
                    WHERE job_id = \(jobID) AND scheduled_for = \(scheduledFor) FOR UPDATE
                    """, logger: logger).collect().first!
                let (runID, status, finishedAt) = try existing.decode((Int64, String, Date?).self)
                if status == "succeeded" { return .alreadySucceeded(runID: runID, finishedAt: finishedAt) }
                if status == "failed" && !resumeFailed { return .alreadyFailed(runID: runID, finishedAt: finishedAt) }
                try await connection.query("""
                    UPDATE ops.job_runs
                    SET status = 'running', starts = starts + 1, runner = \(runner), finished_at = NULL, error = NULL
                    WHERE id = \(runID)
                    """, logger: logger)
                let done = try await connection.query("""
                    SELECT step_index FROM ops.job_steps WHERE run_id = \(runID) AND status = 'succeeded'
                    """, logger: logger).collect().map { try $0.decode(Int.self) }
                return .started(runID: runID, resumed: true, completedSteps: Set(done))
            }
        }
    }

    /// Moves a stream's cursor to `file` (a file whose batch is `batchID`); on `connection`, which is inside
    /// that file's load transaction when the file was just loaded.
    package static func advanceCursor(jobID: String, stream: String, file: String, batchID: Int64,
                                     on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO ops.job_cursors (job_id, stream, last_file, last_batch_id)
            VALUES (\(jobID), \(stream), \(file), \(batchID))
            ON CONFLICT (job_id, stream) DO UPDATE
            SET last_file = EXCLUDED.last_file, last_batch_id = EXCLUDED.last_batch_id,
                advanced_at = clock_timestamp()
            """, logger: logger)
    }

    /// A cursor moved for a file loaded before (nothing to load with it).
    package func advanceCursor(jobID: String, stream: String, file: String, batchID: Int64) async throws {
        let logger = warehouse.logger
        try await warehouse.client.withConnection { connection in
            try await Self.advanceCursor(jobID: jobID, stream: stream, file: file, batchID: batchID,
                                         on: connection, logger: logger)
        }
    }

    /// Every cursor of a job: stream, last file, when it moved.
    package func cursors(of jobID: String) async throws -> [(stream: String, lastFile: String, advancedAt: Date)] {
        try await warehouse.client.query("""
            SELECT stream, last_file, advanced_at FROM ops.job_cursors WHERE job_id = \(jobID) ORDER BY stream
            """, logger: warehouse.logger).collect().map { try $0.decode((String, String, Date).self) }
    }

    package func startStep(runID: Int64, index: Int, kind: String, target: String) async throws {
        try await warehouse.client.query("""
            INSERT INTO ops.job_steps (run_id, step_index, kind, target, status)
            VALUES (\(runID), \(index), \(kind), \(target), 'running')
            ON CONFLICT (run_id, step_index) DO UPDATE
            SET status = 'running', started_at = clock_timestamp(), finished_at = NULL, error = NULL, files = 0,
                files_loaded = 0, files_already = 0, files_failed = 0, records_loaded = 0, records_quarantined = 0,
                attempts = 1, retryable = NULL
            """, logger: warehouse.logger)
    }

    /// What a step did.
    package struct StepCounts: Sendable, Equatable {
        package var files = 0
        package var filesLoaded = 0
        package var filesAlready = 0
        package var filesFailed = 0
        package var recordsLoaded = 0
        package var recordsQuarantined = 0

        package init() {}
    }

    package func finishStep(runID: Int64, index: Int, succeeded: Bool, counts: StepCounts, attempts: Int,
                           error: String?, retryable: Bool?) async throws
    {
        try await warehouse.client.query("""
            UPDATE ops.job_steps
            SET status = \(succeeded ? "succeeded" : "failed"), finished_at = clock_timestamp(),
                files = \(counts.files), files_loaded = \(counts.filesLoaded), files_already = \(counts.filesAlready),
                files_failed = \(counts.filesFailed), records_loaded = \(Int64(counts.recordsLoaded)),
                records_quarantined = \(Int64(counts.recordsQuarantined)), attempts = \(attempts), error = \(error),
                retryable = \(retryable)
            WHERE run_id = \(runID) AND step_index = \(index)
            """, logger: warehouse.logger)
    }

    /// A paused job: since when, and why.
    package struct Pause: Sendable, Equatable {
        package var since: Date
        package var reason: String
    }

    package func pause(of jobID: String) async throws -> Pause? {
        let rows = try await warehouse.client.query("""
            SELECT paused_at, paused_reason FROM ops.job_state WHERE job_id = \(jobID) AND paused_at IS NOT NULL
            """, logger: warehouse.logger).collect()
        guard let row = rows.first else { return nil }
        let (since, reason) = try row.decode((Date, String?).self)
        return Pause(since: since, reason: reason ?? "")
    }

    /// Counts a finished run towards the job's failures in a row, pausing the job when they reach
    /// `pauseAfter`; a success resets the count. Returns the pause when this run caused one.
    package func recordOutcome(jobID: String, succeeded: Bool, pauseAfter: Int) async throws -> Pause? {
        let row = try await warehouse.client.query("""
            INSERT INTO ops.job_state AS s (job_id, consecutive_failures)
            VALUES (\(jobID), \(succeeded ? 0 : 1))
            ON CONFLICT (job_id) DO UPDATE
            SET consecutive_failures = CASE WHEN \(succeeded) THEN 0 ELSE s.consecutive_failures + 1 END,
                updated_at = now()
            RETURNING consecutive_failures
            """, logger: warehouse.logger).collect().first!
        let failures = try row.decode(Int.self)
        guard !succeeded, failures >= pauseAfter else { return nil }
        let reason = "\(failures) failed run(s) in a row"
        let paused = try await warehouse.client.query("""
            UPDATE ops.job_state SET paused_at = now(), paused_reason = \(reason)
            WHERE job_id = \(jobID) AND paused_at IS NULL
            RETURNING paused_at
            """, logger: warehouse.logger).collect()
        return try paused.first.map { Pause(since: try $0.decode(Date.self), reason: reason) }
    }

    /// Lifts a pause (someone fixed the cause); the failure count starts again from zero.
    package func unpause(_ jobID: String) async throws {
        try await warehouse.client.query("""
            UPDATE ops.job_state SET paused_at = NULL, paused_reason = NULL, consecutive_failures = 0,
                   updated_at = now()
            WHERE job_id = \(jobID)
            """, logger: warehouse.logger)
    }

    package func finish(runID: Int64, succeeded: Bool, error: String?) async throws {
        try await warehouse.client.query("""
            UPDATE ops.job_runs
            SET status = \(succeeded ? "succeeded" : "failed"), finished_at = clock_timestamp(), error = \(error)
            WHERE id = \(runID)
            """, logger: warehouse.logger)
    }
}

/// What `crmhub runs` and `crmhub status` show of a run.
package struct JobRunSummary: Sendable {
    package var id: Int64
    package var jobID: String
    package var scheduledFor: Date
    package var trigger: String
    package var status: String
    package var starts: Int
    package var startedAt: Date
    package var finishedAt: Date?
    package var error: String?
    package var filesLoaded: Int
    package var filesFailed: Int
    package var recordsLoaded: Int64
    package var recordsQuarantined: Int64
}

extension JobRunStore {
    /// The latest runs, newest first: of one job, or of all.
    package func recentRuns(jobID: String? = nil, limit: Int = 20) async throws -> [JobRunSummary] {
        let rows = try await warehouse.client.query("""
            SELECT r.id, r.job_id, r.scheduled_for, r.trigger, r.status, r.starts, r.started_at, r.finished_at,
                   r.error, coalesce(sum(s.files_loaded), 0)::int, coalesce(sum(s.files_failed), 0)::int,
                   coalesce(sum(s.records_loaded), 0)::bigint, coalesce(sum(s.records_quarantined), 0)::bigint
            FROM ops.job_runs r LEFT JOIN ops.job_steps s ON s.run_id = r.id
            WHERE \(jobID)::text IS NULL OR r.job_id = \(jobID)
            GROUP BY r.id
            ORDER BY r.scheduled_for DESC, r.id DESC
            LIMIT \(limit)
            """, logger: warehouse.logger).collect()
        return try rows.map { row in
            let (id, job, scheduled, trigger, status, starts, started, finished, error, loaded, failed, records,
                 quarantined) = try row.decode(
                    (Int64, String, Date, String, String, Int, Date, Date?, String?, Int, Int, Int64, Int64).self)
            return JobRunSummary(id: id, jobID: job, scheduledFor: scheduled, trigger: trigger, status: status,
                                 starts: starts, startedAt: started, finishedAt: finished, error: error,
                                 filesLoaded: loaded, filesFailed: failed, recordsLoaded: records,
                                 recordsQuarantined: quarantined)
        }
    }

    /// Records set aside in `ops.quarantine` since `since`, by source kind.
    package func quarantinedSince(_ since: Date) async throws -> [(sourceKind: String, records: Int)] {
        try await warehouse.client.query("""
            SELECT source_kind, count(*)::int FROM ops.quarantine WHERE created_at >= \(since)
            GROUP BY source_kind ORDER BY source_kind
            """, logger: warehouse.logger).collect().map { try $0.decode((String, Int).self) }
    }
}
