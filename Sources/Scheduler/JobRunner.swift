#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRMWarehouse
import Foundation
import HubCore

/// Runs one tick of a job (`crmhub run`, and the scheduler): its steps in order, each recorded in
/// `ops.job_steps`, the run in `ops.job_runs` keyed by (job, scheduled time).
///
/// Exactly one run per tick: the tick's advisory lock keeps a second process out while one works on it, a
/// tick that succeeded is not run again, and a tick that failed or was cut short (the process killed) is
/// resumed from its first step that did not succeed. Steps are idempotent (every file loads once), so a step
/// cut short simply runs again. A step that fails does not stop the others: each source is independent, and
/// one bad file must not keep the rest of the night's data out.
package struct JobRunner: Sendable {
    package let warehouse: Warehouse
    /// For tests of crash recovery: the process exits at once, as if killed, after this step is recorded.
    package var abortAfterStep: Int?
    /// For tests of retries: this step's first attempt fails with a retryable error.
    package var failOnceAtStep: Int?
    /// Run even if the job is paused, and lift the pause (someone fixed what made it fail).
    package var unpause = false
    /// Data-quality tests (mappings/*.yaml) run on every batch a step loads; a failing `error` test fails
    /// the step.
    package var qualityTests: [QualityTest] = []
    /// Lines for the person or log watching the run.
    package var report: @Sendable (String) -> Void

    package init(warehouse: Warehouse, abortAfterStep: Int? = nil, report: @escaping @Sendable (String) -> Void) {
        self.warehouse = warehouse
        self.abortAfterStep = abortAfterStep
        self.report = report
    }

    /// The test hooks, from the environment (Tests/IntegrationTests/JobRunTests.swift):
    /// `CRMHUB_TEST_ABORT_AFTER_STEP` (exit as if killed after that step) and `CRMHUB_TEST_FAIL_ONCE_AT_STEP`
    /// (that step's first attempt fails with a retryable error).
    package mutating func readTestHooks(from environment: [String: String] = ProcessInfo.processInfo.environment) {
        abortAfterStep = environment["CRMHUB_TEST_ABORT_AFTER_STEP"].flatMap { Int($0) } ?? abortAfterStep
        failOnceAtStep = environment["CRMHUB_TEST_FAIL_ONCE_AT_STEP"].flatMap { Int($0) } ?? failOnceAtStep
    }

    package enum Outcome: Sendable, Equatable {
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

    package func run(_ job: JobDefinition, scheduledFor: Date, trigger: JobRunStore.Trigger) async throws -> Outcome {
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
                let context = StepRun(warehouse: warehouse, job: job, scheduledFor: scheduledFor, deadline: deadline,
                                      qualityTests: qualityTests, report: report)
                var outcome = await execute(step, failing: failOnceAtStep == index, run: context)
                // Idempotent steps may simply run again: every file loads once.
                while let failure = outcome.failure, failure.retryable, attempt < job.retry.attempts {
                    let delay = Self.backoff(job.retry, attempt: attempt)
                    report("step \(index): \(failure.message); retrying in \(String(format: "%.1f", delay)) s "
                           + "(attempt \(attempt + 1) of \(job.retry.attempts))")
                    try await Task.sleep(for: .seconds(delay))
                    attempt += 1
                    outcome = await execute(step, failing: false, run: context)
                }
                let (counts, error) = (outcome.counts, outcome.failure)
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

    /// Runs one attempt at a step. `failing`: the test hook (a retryable failure, as a lost connection gives).
    func execute(_ step: any JobStep, failing: Bool, run: StepRun) async -> StepOutcome {
        if failing {
            var outcome = StepOutcome()
            outcome.fail(HubError(.database, "simulated lost connection (CRMHUB_TEST_FAIL_ONCE_AT_STEP)",
                                  isRetryable: true))
            return outcome
        }
        return await step.run(run)
    }

    /// The delay before retry number `attempt` (1 = the first retry): the backoff doubled each time, at most
    /// `maxBackoff`, varied by up to `jitter` either way so that runners retrying together spread out.
    static func backoff(_ retry: JobDefinition.Retry, attempt: Int) -> Double {
        let base = Double(retry.backoff.components.seconds) * pow(2, Double(attempt - 1))
        let capped = min(base, Double(retry.maxBackoff.components.seconds))
        return max(0, capped * (1 + retry.jitter * Double.random(in: -1...1)))
    }
}
