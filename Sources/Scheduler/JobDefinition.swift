import Foundation

/// A job as `jobs/<name>.yaml` defines it (docs/jobs.md): when it runs, how runs may overlap, catch up and
/// retry, and its steps.
package struct JobDefinition: Sendable {
    package struct Schedule: Sendable, Equatable {
        package var cron: CronSchedule
        /// The zone the cron expression is read in: always explicit, never the server's.
        package var timeZone: TimeZone
    }

    /// What happens to fire times missed while no scheduler ran.
    package enum CatchUp: Sendable, Equatable {
        /// Run once for the latest missed time, skip the others (the default).
        case latestOnly
        /// Run every missed time, oldest first, at most this many.
        case all(max: Int)
        /// Run nothing for missed times.
        case none
    }

    /// What a fire time does when the job's previous run is still going.
    package enum Overlap: String, Sendable, Equatable {
        case skip, queue
    }

    package struct Retry: Sendable, Equatable {
        /// Attempts in all, the first included; 1 means no retry.
        package var attempts: Int = 1
        package var backoff: Duration = .seconds(60)
        package var maxBackoff: Duration = .seconds(1_800)
        /// Each delay is varied by up to this fraction either way, so that runners retrying together spread.
        package var jitter: Double = 0.2
    }

    package var id: String
    package var description: String?
    package var schedule: Schedule?
    package var catchUp: CatchUp = .latestOnly
    package var overlap: Overlap = .skip
    /// Jobs with the same key never run at the same time (by default, the job's id).
    package var concurrencyKey: String
    package var timeout: Duration = .seconds(4 * 3_600)
    package var retry = Retry()
    /// After this many failed runs in a row the job is paused until someone resumes it.
    package var pauseAfterFailures = 3
    /// In order; each of a registered kind (`StepKinds`).
    package var steps: [any JobStep]
    /// The file it came from, for messages.
    package var file: String
}
