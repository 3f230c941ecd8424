import CRMWarehouse
import Foundation
import HubCore

/// What a step needs to know of the run it is part of.
package struct StepRun: Sendable {
    var warehouse: Warehouse
    var job: JobDefinition
    var scheduledFor: Date
    /// Nothing new is started after it (the job's `timeout`).
    var deadline: ContinuousClock.Instant
    /// Data-quality tests (mappings/*.yaml) for every batch an import step loads.
    var qualityTests: [QualityTest]
    /// Lines for the person or log watching the run.
    var report: @Sendable (String) -> Void

    /// The zone the job's schedule is read in (UTC for a job without one).
    var zone: TimeZone { job.schedule?.timeZone ?? TimeZone(identifier: "UTC")! }

    /// The run's scheduled day in the job's zone: what "the last N days" of a step count back from.
    var day: CalendarDate {
        CalendarDate(isoDate: String(JobScheduler.localMinute(scheduledFor, in: zone).prefix(10)))!
    }

    /// The first day of "the last `days` days up to `day`": `day` itself and the `days - 1` before it. One
    /// meaning for the `days` of a reconcile step and of the reconciliation report.
    static func firstDay(ofLast days: Int, upTo day: CalendarDate) -> CalendarDate {
        day.adding(days: 1 - days)
    }
}

/// What one attempt at a step did: its counts, and its first failure, if any part of it failed.
package struct StepOutcome: Sendable {
    var counts = JobRunStore.StepCounts()
    private(set) var failure: StepFailure?

    /// Why a step failed: the first failure's message, and whether every failure may go away by itself (so
    /// that running the step again is worth it; `HubError.isRetryable`).
    struct StepFailure: Sendable {
        var message: String
        var retryable: Bool
    }

    /// Adds a failure: its message if it is the first, and its retryability to the step's.
    mutating func fail(_ error: any Error, _ message: String? = nil) {
        let hubError = Warehouse.hubError(for: error)
        if var first = failure {
            first.retryable = first.retryable && hubError.isRetryable
            failure = first
        } else {
            failure = StepFailure(message: message ?? hubError.description, retryable: hubError.isRetryable)
        }
    }

    /// A failure of one unit of the step (a file): counted, and reported to the run.
    mutating func failUnit(_ error: any Error, name: String, report: (String) -> Void) {
        counts.filesFailed += 1
        let message = (error as? HubError)?.description ?? "\(name): \(Warehouse.describe(error))"
        fail(error, message)
        report("  \(message)")
    }
}
