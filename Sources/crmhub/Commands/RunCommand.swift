import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Scheduler

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job now: its steps in order, each recorded in ops.job_runs and ops.job_steps.",
        discussion: reflow("""
            JOB is a job's id (looked up in the jobs folder) or the path of its file. A run is identified by the
            job and its scheduled time (--at, default now): a time that was run to success is not run again; one
            that failed or was cut short (the process killed, the server restarted) is resumed from its first
            step that did not succeed. While one process runs a time, another asking for the same time is told
            so and does nothing. A failing step does not stop the others. A step that fails for a reason that
            may pass by itself (the database out of reach, a deadlock) is retried as the job's retry settings
            say. After pause_after_failures failed runs in a row the job is paused: it runs again once
            someone passes --unpause.

            Exit codes: 0 succeeded (or had succeeded before); 1 a step failed, or the job is paused; 2 the job
            file has errors or the job is unknown; 3 succeeded, with quarantined records.

            Example: crmhub run nightly --at 2026-11-22T02:30:00+05:00
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The job's id or file.", valueName: "job"))
    var job: String

    @Option(help: ArgumentHelp("The scheduled time this run stands for (ISO 8601). Default: now.", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Where job files are.", valueName: "dir"))
    var jobs = "jobs"

    @Flag(help: "Run a job that is paused after failing, and lift its pause.")
    var unpause = false

    @Option(help: ArgumentHelp("Where mapping files (data-quality tests) are.", valueName: "dir"))
    var mappings = "mappings"

    /// The data-quality tests of the mapping files; their errors stop the command (exit 2).
    static func qualityTests(_ folder: String) throws -> [QualityTest] {
        let (tests, diagnostics) = ConfigValidator.qualityTests(in: folder)
        for diagnostic in diagnostics { Terminal.error(diagnostic.description) }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        return tests
    }

    func run() async throws {
        let definition = try loadJob()
        let scheduledFor: Date
        if let at {
            guard let time = ISO8601DateFormatter().date(from: at) else {
                throw ValidationError("--at must be an ISO 8601 time such as 2026-11-22T02:30:00+05:00, not '\(at)'")
            }
            scheduledFor = time
        } else {
            scheduledFor = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        }
        let unpause = self.unpause
        let tests = try Self.qualityTests(mappings)
        let outcome = try await options.withMigratedWarehouse { warehouse in
            var runner = JobRunner(warehouse: warehouse) { Terminal.print($0) }
            runner.readTestHooks()
            runner.unpause = unpause
            runner.qualityTests = tests
            return try await runner.run(definition, scheduledFor: scheduledFor, trigger: .manual)
        }
        switch outcome {
        case .succeeded(let runID, let quarantined):
            Terminal.print("run \(runID) of \(definition.id): succeeded"
                           + (quarantined > 0 ? ", \(quarantined) record(s) quarantined (see ops.quarantine)" : ""))
            if quarantined > 0 { throw ExitCode(3) }
        case .failed(let runID, let steps, let pause):
            Terminal.error("run \(runID) of \(definition.id): "
                           + (steps.isEmpty ? "timed out" : "step(s) \(steps.map(String.init).joined(separator: ", ")) failed")
                           + "; run the same time again (--at) to finish it, the steps that succeeded are kept")
            if let pause {
                Terminal.error("\(definition.id) is now paused after \(pause.reason); once the cause is fixed, "
                               + "run it with --unpause")
            }
            throw ExitCode(1)
        case .paused(let pause):
            Terminal.error("\(definition.id) is paused since \(pause.since.formatted(.iso8601)) after \(pause.reason); "
                           + "nothing run. Fix the cause (crmhub runs \(definition.id) shows the failures), then run "
                           + "it with --unpause")
            throw ExitCode(1)
        case .alreadySucceeded(let runID, let finishedAt):
            Terminal.print("\(definition.id) for this time already ran to success (run \(runID)"
                           + (finishedAt.map { ", finished \($0.formatted(.iso8601))" } ?? "") + "); nothing to do")
        case .alreadyFailed(let runID, _):
            // Only the scheduler leaves failed runs alone; by hand they are resumed. Kept for completeness.
            Terminal.error("\(definition.id) for this time ran and failed (run \(runID))")
            throw ExitCode(1)
        case .busy:
            Terminal.print("another process is running \(definition.id) for this time; nothing done here")
        }
    }

    /// The job named by `job`: a file path, or the id of one of the files in the jobs folder.
    private func loadJob() throws -> JobDefinition {
        let isFile = job.hasSuffix(".yaml") || job.hasSuffix(".yml")
        guard FileManager.default.fileExists(atPath: isFile ? job : jobs) else {
            throw ValidationError(isFile ? "no job file at \(job)"
                                  : "no jobs folder at '\(jobs)' to find job '\(job)' in: run crmhub in the folder that "
                                    + "holds jobs/ (the CRMHub checkout), or give --jobs DIR, or the job file's path")
        }
        let result = ConfigValidator.validate([isFile ? job : jobs])
        let wanted = isFile ? result.jobs.first : result.jobs.first { $0.id == job }
        let relevant = result.diagnostics.filter { isFile || wanted == nil || $0.file == wanted?.file }
        for diagnostic in relevant { Terminal.error(diagnostic.description) }
        guard let wanted, !relevant.contains(where: { $0.severity == .error }) else {
            if relevant.isEmpty {
                throw ValidationError("no job '\(job)' in \(jobs) (jobs there: "
                                      + "\(result.jobs.map(\.id).joined(separator: ", ")))")
            }
            throw ExitCode(2)
        }
        return wanted
    }
}
