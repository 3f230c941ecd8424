import Foundation
import Ingest

/// A job as `jobs/<name>.yaml` defines it (docs/jobs.md): when it runs, how runs may overlap, catch up and
/// retry, and its steps.
public struct JobDefinition: Sendable, Equatable {
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

    public enum Step: Sendable, Equatable {
        /// Loads the units `path` names (a file, a folder or a glob, in name order; `SourceUnits.expand`) as source
        /// kind `kind` (`SourceKinds`), with that kind's options.
        case importFiles(kind: String, path: String, options: SourceOptionValues)
        /// Writes the next EnterpriseData message for `node` into `directory`.
        case exportMessage(kind: String, node: String, directory: String)
        /// Writes report `name` (`ReportWriter.names`) as CSV to `output`, a path pattern (`{date}`, `{job}`); the
        /// `reconciliation` report covers the `days` days up to the run's day, as XLSX (`.xlsx`) or a CSV folder.
        case report(name: String, output: String, days: Int?)
        /// Refreshes the materialized views of the `mart` schema (plain views need nothing).
        case refresh
        /// Reconciles bank lines with invoices by the rules in `rules`; `days` limits it to lines booked in the
        /// last days before the run's day (nil: every line not yet decided).
        case reconcile(rules: String, days: Int?)
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
    public var steps: [Step]
    /// The file it came from, for messages.
    public var file: String
}
