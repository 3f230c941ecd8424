#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRMWarehouse
import Foundation
import HubCore
import Ingest
import Logging
import PostgresNIO

/// Runs one tick of a job (`crmhub run`, and the scheduler): its steps in order, each recorded in
/// `ops.job_steps`, the run in `ops.job_runs` keyed by (job, scheduled time).
///
/// Exactly one run per tick: the tick's advisory lock keeps a second process out while one works on it, a
/// tick that succeeded is not run again, and a tick that failed or was cut short (the process killed) is
/// resumed from its first step that did not succeed. Steps are idempotent (every file loads once), so a step
/// cut short simply runs again. A step that fails does not stop the others: each source is independent, and
/// one bad file must not keep the rest of the night's data out.
public struct JobRunner: Sendable {
    public let warehouse: Warehouse
    /// For tests of crash recovery: the process exits at once, as if killed, after this step is recorded.
    public var abortAfterStep: Int?
    /// For tests of retries: this step's first attempt fails with a retryable error.
    public var failOnceAtStep: Int?
    /// Run even if the job is paused, and lift the pause (someone fixed what made it fail).
    public var unpause = false
    /// Data-quality tests (mappings/*.yaml) run on every batch a step loads; a failing `error` test fails
    /// the step.
    public var qualityTests: [QualityTest] = []
    /// Lines for the person or log watching the run.
    public var report: @Sendable (String) -> Void

    public init(warehouse: Warehouse, abortAfterStep: Int? = nil, report: @escaping @Sendable (String) -> Void) {
        self.warehouse = warehouse
        self.abortAfterStep = abortAfterStep
        self.report = report
    }

    public enum Outcome: Sendable, Equatable {
        case succeeded(runID: Int64, quarantined: Int)
        /// Some steps failed; `paused` when this was one failed run too many and the job is now paused.
        case failed(runID: Int64, failedSteps: [Int], paused: JobRunStore.Pause?)
        /// The job is paused after failing runs in a row: nothing was run.
        case paused(JobRunStore.Pause)
        case alreadySucceeded(runID: Int64, finishedAt: Date?)
        /// The scheduler found this tick run and failed: it leaves it (`crmhub run --at` retries it).
        case alreadyFailed(runID: Int64, finishedAt: Date?)
        /// Another process holds the tick's lock: it is running this tick now.
        case busy
    }

    public func run(_ job: JobDefinition, scheduledFor: Date, trigger: JobRunStore.Trigger) async throws -> Outcome {
        let store = JobRunStore(warehouse: warehouse)
        let runner = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        if unpause {
            try await store.unpause(job.id)
        } else if let pause = try await store.pause(of: job.id) {
            return .paused(pause)
        }
        return try await store.withTickLock(jobID: job.id, scheduledFor: scheduledFor) { acquired in
            guard acquired else { return .busy }
            let start = try await store.start(jobID: job.id, scheduledFor: scheduledFor, trigger: trigger,
                                              runner: runner, resumeFailed: trigger == .manual)
            let runID: Int64, resumed: Bool, completed: Set<Int>
            switch start {
            case .started(let id, let wasResumed, let done): (runID, resumed, completed) = (id, wasResumed, done)
            case .alreadySucceeded(let id, let finishedAt): return .alreadySucceeded(runID: id, finishedAt: finishedAt)
            case .alreadyFailed(let id, let finishedAt): return .alreadyFailed(runID: id, finishedAt: finishedAt)
            }
            report("run \(runID) of \(job.id) for \(scheduledFor.formatted(.iso8601))"
                   + (resumed ? ": resumed; steps \(completed.sorted()) done before" : ""))
            var failed: [Int] = []
            var quarantined = 0
            // The job's timeout is kept between files and steps: a file being loaded is finished (its own
            // transaction), nothing new is started after the deadline, and the run ends failed.
            let deadline = ContinuousClock.now + job.timeout
            var timedOut = false
            for (offset, step) in job.steps.enumerated() {
                let index = offset + 1
                guard !completed.contains(index) else { continue }
                guard ContinuousClock.now < deadline else {
                    timedOut = true
                    report("step \(index) and later not started: the run passed its timeout (\(job.timeout))")
                    break
                }
                try await store.startStep(runID: runID, index: index, kind: step.kind, target: step.target)
                var attempt = 1
                let context = StepContext(job: job, scheduledFor: scheduledFor, deadline: deadline)
                var (counts, error) = await execute(step, failing: failOnceAtStep == index, context: context)
                // Idempotent steps may simply run again: every file loads once.
                while let failure = error, failure.retryable, attempt < job.retry.attempts {
                    let delay = Self.backoff(job.retry, attempt: attempt)
                    report("step \(index): \(failure.message); retrying in \(String(format: "%.1f", delay)) s "
                           + "(attempt \(attempt + 1) of \(job.retry.attempts))")
                    try await Task.sleep(for: .seconds(delay))
                    attempt += 1
                    (counts, error) = await execute(step, failing: false, context: context)
                }
                try await store.finishStep(runID: runID, index: index, succeeded: error == nil, counts: counts,
                                           attempts: attempt, error: error?.message, retryable: error?.retryable)
                quarantined += counts.recordsQuarantined
                if error != nil { failed.append(index) }
                report("step \(index) \(step.kind) \(step.target): \(counts.files) file(s), \(counts.filesLoaded) "
                       + "loaded, \(counts.filesAlready) already loaded, \(counts.filesFailed) failed; "
                       + "\(counts.recordsLoaded) record(s) loaded, \(counts.recordsQuarantined) quarantined"
                       + (error.map { "; \($0.message)" } ?? ""))
                if abortAfterStep == index {
                    report("aborting after step \(index) (CRMHUB_TEST_ABORT_AFTER_STEP)")
                    exit(99)
                }
            }
            let succeeded = failed.isEmpty && !timedOut
            var error = failed.isEmpty ? nil : "step(s) \(failed.map(String.init).joined(separator: ", ")) failed"
            if timedOut { error = [error, "timed out after \(job.timeout)"].compactMap { $0 }.joined(separator: "; ") }
            try await store.finish(runID: runID, succeeded: succeeded, error: error)
            let pause = try await store.recordOutcome(jobID: job.id, succeeded: succeeded,
                                                      pauseAfter: job.pauseAfterFailures)
            return succeeded ? .succeeded(runID: runID, quarantined: quarantined)
                : .failed(runID: runID, failedSteps: failed, paused: pause)
        }
    }

    /// Why a step failed: the first failure's message, and whether every failure may go away by itself.
    struct StepFailure: Sendable {
        var message: String
        var retryable: Bool

        mutating func add(_ error: any Error) {
            retryable = retryable && JobRunner.isRetryable(error)
        }
    }

    /// Runs one step; its counts, and what failed when any part of it did. `failing`: the test hook.
    /// What a step needs to know of its run.
    struct StepContext: Sendable {
        var job: JobDefinition
        var scheduledFor: Date
        var deadline: ContinuousClock.Instant
    }

    func execute(_ step: JobDefinition.Step, failing: Bool, context: StepContext)
        async -> (JobRunStore.StepCounts, StepFailure?)
    {
        let deadline = context.deadline
        var counts = JobRunStore.StepCounts()
        var failure: StepFailure?
        func note(_ error: any Error, _ message: String) {
            if failure == nil { failure = StepFailure(message: message, retryable: true) }
            failure?.add(error)
        }
        if failing {
            let simulated = HubError(.database, "simulated lost connection (CRMHUB_TEST_FAIL_ONCE_AT_STEP)")
            return (counts, StepFailure(message: simulated.description, retryable: true))
        }
        switch step {
        case .importFiles(let kindID, let pattern, let options):
            guard let kind = SourceKinds.named(kindID) else {
                note(HubError(.configuration, "no source kind \(kindID)"), "no source kind \(kindID)")
                failure?.retryable = false
                break
            }
            let units: [SourceUnit]
            do {
                // The same expansion as `crmhub import`; a glob that matches nothing is a quiet night.
                units = try SourceUnits.expand([pattern], kind: kind, options: options, emptyGlobIsError: false)
            } catch {
                counts.filesFailed = 1
                note(error, error.description)
                failure?.retryable = false
                break
            }
            counts.files = units.count
            // The stream's cursor follows the units in order while every one so far is loaded.
            var contiguous = true
            for unit in units {
                guard ContinuousClock.now < deadline else {
                    note(HubError(.io, "the run passed its timeout"), "\(unit.name) and the files after it not "
                             + "loaded: the run passed its timeout")
                    failure?.retryable = false
                    break
                }
                do {
                    let cursor = contiguous ? CursorTarget(jobID: context.job.id, stream: step.target, file: unit.cursor) : nil
                    try await importUnit(unit, kind: kind, options: options, cursor: cursor, counts: &counts)
                } catch {
                    contiguous = false
                    counts.filesFailed += 1
                    let message = (error as? HubError)?.description ?? "\(unit.name): \(Warehouse.describe(error))"
                    note(error, message)
                    report("  \(message)")
                }
            }
        case .refresh:
            do {
                let views = try await warehouse.client.query("""
                    SELECT quote_ident(schemaname) || '.' || quote_ident(matviewname) FROM pg_matviews
                    WHERE schemaname = 'mart' ORDER BY matviewname
                    """, logger: warehouse.logger).collect().map { try $0.decode(String.self) }
                for view in views {
                    // Names come from the catalogue, quoted by the server itself.
                    try await warehouse.client.query(PostgresQuery(unsafeSQL: "REFRESH MATERIALIZED VIEW \(view)"),
                                                     logger: warehouse.logger)
                }
                counts.files = views.count
                counts.filesLoaded = views.count
                report("  refreshed \(views.count) materialized view(s) in mart"
                       + (views.isEmpty ? " (its marts are plain views today: always current)" : ""))
            } catch {
                counts.filesFailed = 1
                note(error, "refresh: \(Warehouse.describe(error))")
            }
        case .reconcile(let rulesPath, let days):
            do {
                let zone = context.job.schedule?.timeZone ?? TimeZone(identifier: "UTC")!
                let day = CalendarDate(isoDate: String(JobScheduler.localMinute(context.scheduledFor, in: zone).prefix(10)))
                let summary = try await ReconciliationRun.run(
                    warehouse: warehouse, rulesPath: rulesPath,
                    from: days.flatMap { days in day.map { Self.firstDay(ofLast: days, upTo: $0) } }, to: nil)
                counts.files = 1
                counts.filesLoaded = 1
                counts.recordsLoaded = summary.payments
                report("  reconciled \(summary.payments) bank line(s): \(summary.auto) matched, "
                       + "\(summary.suggested) to review, \(summary.unmatched) unmatched")
            } catch {
                counts.filesFailed = 1
                note(error, "reconcile: \((error as? HubError)?.description ?? Warehouse.describe(error))")
            }
        case .report(let name, let pattern, let days):
            let zone = context.job.schedule?.timeZone ?? TimeZone(identifier: "UTC")!
            let path = ReportWriter.path(pattern, job: context.job.id, scheduledFor: context.scheduledFor, zone: zone)
            do {
                counts.files = 1
                if name == ReportWriter.reconciliation {
                    let day = CalendarDate(isoDate: String(JobScheduler.localMinute(context.scheduledFor, in: zone)
                        .prefix(10)))!
                    let report = try await ReconciliationReport.read(warehouse, from: Self.firstDay(ofLast: days ?? 31, upTo: day),
                                                                     to: day)
                    try FileManager.default.createDirectory(
                        at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
                    try ReconciliationReportFile.write(report, format: path.hasSuffix(".xlsx") ? .xlsx : .csv, to: path)
                    counts.recordsLoaded = report.sheets.dropFirst().reduce(0) { $0 + $1.rows.count }
                    if report.totals.contains(where: { !$0.tiesOut }) {
                        throw HubError(.io, "the reconciliation report does not tie out (see its Summary sheet)")
                    }
                } else {
                    counts.recordsLoaded = try await ReportWriter.write(name, to: path, warehouse: warehouse)
                }
                counts.filesLoaded = 1
                report("  wrote \(path)")
            } catch {
                counts.filesFailed = 1
                note(error, "\(path): \((error as? HubError)?.description ?? Warehouse.describe(error))")
            }
        case .exportMessage(_, let node, let directory):
            do {
                let ourNode = ProcessInfo.processInfo.environment["CRMHUB_NODE"] ?? "CRM"
                let receipt = try await OneCExportStore(warehouse: warehouse).export(
                    peer: node, ourNode: ourNode, organization: nil
                ) { content in try MessageFileWriter.write(content, folder: directory) }
                counts.files = 1
                counts.filesLoaded = 1
                counts.recordsLoaded = receipt.counterparties + receipt.invoices + receipt.deletions
            } catch {
                counts.filesFailed = 1
                note(error, (error as? HubError)?.description ?? Warehouse.describe(error))
            }
        }
        return (counts, failure)
    }

    /// Runs the data-quality tests on a batch just loaded (its data stays: the results are in
    /// `ops.quality_results`); a failing `error` test is this file's failure.
    private func checkQuality(_ batchID: Int64, file: String) async throws {
        guard !qualityTests.isEmpty else { return }
        let results = try await QualityTest.run(qualityTests, batchID: batchID, warehouse: warehouse)
        for result in results where !result.passed {
            report("  \(file) (batch \(batchID)): \(result.description), defined at \(result.test.definedAt)")
        }
        let errors = results.filter { !$0.passed && $0.test.severity == .error }
        if !errors.isEmpty {
            throw HubError(.malformedInput, "data-quality test(s) failed on batch \(batchID): "
                               + errors.map(\.test.name).joined(separator: ", ") + " (see ops.quality_results)",
                           location: SourceLocation(source: file))
        }
    }

    /// The first day of "the last `days` days up to `day`": `day` itself and the `days - 1` before it. One
    /// meaning for the `days` of a reconcile step and of the reconciliation report.
    static func firstDay(ofLast days: Int, upTo day: CalendarDate) -> CalendarDate {
        day.adding(days: 1 - days)
    }

    /// Errors that may go away by themselves: the database out of reach or restarting, a deadlock or
    /// serialisation failure, too many connections. A malformed file or a wrong setting needs a person.
    static func isRetryable(_ error: any Error) -> Bool {
        if let state = Warehouse.sqlState(of: error) {
            return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P")
                || ["40001", "40P01"].contains(state)
        }
        if let error = error as? HubError { return error.code == .database }
        return error is PSQLError
    }

    /// The delay before retry number `attempt` (1 = the first retry): the backoff doubled each time, at most
    /// `maxBackoff`, varied by up to `jitter` either way so that runners retrying together spread out.
    static func backoff(_ retry: JobDefinition.Retry, attempt: Int) -> Double {
        let base = Double(retry.backoff.components.seconds) * pow(2, Double(attempt - 1))
        let capped = min(base, Double(retry.maxBackoff.components.seconds))
        return max(0, capped * (1 + retry.jitter * Double.random(in: -1...1)))
    }

    /// Where a loaded file moves its stream's cursor.
    struct CursorTarget: Sendable {
        var jobID: String
        var stream: String
        var file: String

        /// Advances the cursor inside the file's load transaction.
        func hook(logger: Logger) -> LoadCommitHook {
            { connection, batchID in
                try await JobRunStore.advanceCursor(jobID: jobID, stream: stream, file: file, batchID: batchID,
                                                    on: connection, logger: logger)
            }
        }
    }

    private func importUnit(_ unit: SourceUnit, kind: any SourceKind, options: SourceOptionValues,
                            cursor: CursorTarget?, counts: inout JobRunStore.StepCounts) async throws
    {
        let context = ImportContext(warehouse: warehouse, beforeCommit: cursor?.hook(logger: warehouse.logger))
        let report = try await kind.importUnit(unit, options: options, context: context)
        for warning in report.warnings { self.report("  \(warning)") }
        guard let batchID = report.loadedBatch else {
            // Loaded before (or a message already accepted): that covers the cursor too, and there is no load
            // transaction to move it in.
            counts.filesAlready += 1
            if let cursor {
                try await JobRunStore(warehouse: warehouse).advanceCursor(
                    jobID: cursor.jobID, stream: cursor.stream, file: cursor.file, batchID: report.batchID)
            }
            return
        }
        counts.filesLoaded += 1
        counts.recordsLoaded += report.loaded
        counts.recordsQuarantined += report.quarantined
        try await checkQuality(batchID, file: unit.name)
    }
}

extension JobDefinition.Step {
    var kind: String {
        switch self {
        case .importFiles: "import"
        case .exportMessage: "export"
        case .report: "report"
        case .refresh: "refresh"
        case .reconcile: "reconcile"
        }
    }

    /// What the step works on, for people: `1c-enterprisedata samples/1c/Message_*.xml`, `1c-enterprisedata → BP`.
    var target: String {
        switch self {
        case .importFiles(let kind, let path, _): "\(kind) \(path)"
        case .exportMessage(let kind, let node, _): "\(kind) → \(node)"
        case .report(let name, let output, _): "\(name) → \(output)"
        case .refresh: "mart"
        case .reconcile(let rules, _): rules
        }
    }
}
