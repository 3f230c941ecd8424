import Foundation

/// A job as `jobs/<name>.yaml` defines it (docs/jobs.md): when it runs, how runs may overlap, catch up and
/// retry, and its steps.
public struct JobDefinition: Sendable {
    public struct Schedule: Sendable, Equatable {
        public var cron: CronSchedule
        /// The zone the cron expression is read in: always explicit, never the server's.
        public var timeZone: TimeZone
    }

    /// What happens to fire times missed while no scheduler ran.
    public enum CatchUp: Sendable, Equatable {
        /// Run once for the latest missed time, skip the others (the default).
        case latestOnly
        /// Run every missed time, oldest first, at most this many.
        case all(max: Int)
        /// Run nothing for missed times.
        case none
    }

    /// What a fire time does when the job's previous run is still going.
    public enum Overlap: String, Sendable, Equatable {
        case skip, queue
    }

    public struct Retry: Sendable, Equatable {
        /// Attempts in all, the first included; 1 means no retry.
        public var attempts: Int = 1
        public var backoff: Duration = .seconds(60)
        public var maxBackoff: Duration = .seconds(1_800)
        /// Each delay is varied by up to this fraction either way, so that runners retrying together spread.
        public var jitter: Double = 0.2
    }

    public var id: String
    public var description: String?
    public var schedule: Schedule?
    public var catchUp: CatchUp = .latestOnly
    public var overlap: Overlap = .skip
    /// Jobs with the same key never run at the same time (by default, the job's id).
    public var concurrencyKey: String
    public var timeout: Duration = .seconds(4 * 3_600)
    public var retry = Retry()
    /// After this many failed runs in a row the job is paused until someone resumes it.
    public var pauseAfterFailures = 3
    /// In order; each of a registered kind (`StepKinds`).
    public var steps: [any JobStep]
    /// The file it came from, for messages.
    public var file: String
}
