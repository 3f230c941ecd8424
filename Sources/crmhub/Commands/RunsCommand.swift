import ArgumentParser
import CRMWarehouse
import Foundation
import Scheduler

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the latest job runs (ops.job_runs), newest first: status, timing, what they loaded.",
        discussion: reflow("""
            Example: crmhub runs nightly --limit 7
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Only this job's runs.", valueName: "job"))
    var job: String?

    @Option(help: "How many runs to show.")
    var limit = 20

    func run() async throws {
        let runs = try await options.withMigratedWarehouse { warehouse in
            try await JobRunStore(warehouse: warehouse).recentRuns(jobID: job, limit: limit)
        }
        guard !runs.isEmpty else {
            Terminal.print(job.map { "no runs of \($0) yet" } ?? "no job runs yet")
            return
        }
        Terminal.print("run  job                  time (UTC)        status     took     files  failed   records  quarantined")
        for run in runs { Terminal.print(Self.line(run)) }
    }

    static func line(_ run: JobRunSummary) -> String {
        let took = run.finishedAt.map { Self.duration($0.timeIntervalSince(run.startedAt)) } ?? "—"
        return [
            String(run.id).padding(4), run.jobID.padding(20), Self.minute(run.scheduledFor).padding(17),
            (run.status + (run.starts > 1 ? "×\(run.starts)" : "")).padding(10), took.padding(8),
            String(run.filesLoaded).padding(6, right: true), String(run.filesFailed).padding(7, right: true),
            Terminal.grouped(Int(run.recordsLoaded)).padding(9, right: true),
            Terminal.grouped(Int(run.recordsQuarantined)).padding(12, right: true),
        ].joined(separator: " ") + (run.error.map { "  \($0)" } ?? "")
    }

    /// `2026-11-21 21:30`, in UTC.
    static func minute(_ date: Date) -> String {
        String(ISO8601DateFormatter().string(from: date).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    static func duration(_ seconds: TimeInterval) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds)
            : seconds < 3_600 ? "\(Int(seconds) / 60)m\(Int(seconds) % 60)s" : "\(Int(seconds) / 3_600)h\(Int(seconds) % 3_600 / 60)m"
    }
}

extension String {
    /// Padded with spaces to `width` (on the left when `right`-aligned); longer text is left as it is.
    func padding(_ width: Int, right: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(0, width - count))
        return right ? pad + self : self + pad
    }
}
