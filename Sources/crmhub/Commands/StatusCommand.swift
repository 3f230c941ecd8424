import ArgumentParser
import CRMWarehouse
import Foundation
import Scheduler

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "What the jobs are doing: each job's schedule, next run and last run; recent quarantine.",
        discussion: reflow("""
            Meant for the morning look: for every job file, its schedule in its own time zone, when it runs
            next, how its last run went, and how many records were set aside in ops.quarantine in the last 24
            hours. Details: crmhub runs JOB, and the tables in docs/warehouse.md.
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Where job files are.", valueName: "dir"))
    var jobs = "jobs"

    func run() async throws {
        // No jobs folder here (crmhub run from elsewhere): the warehouse's side is still worth showing.
        let hasJobs = FileManager.default.fileExists(atPath: jobs)
        let files = hasJobs ? ConfigValidator.validate([jobs]) : ConfigValidator.validate([])
        for diagnostic in files.diagnostics { Terminal.warning(diagnostic.description) }
        let now = Date()
        let ids = files.jobs.map(\.id)
        let (runs, quarantine, pauses, cursors) = try await options.withMigratedWarehouse { warehouse in
            let store = JobRunStore(warehouse: warehouse)
            var pauses: [String: JobRunStore.Pause] = [:]
            var cursors: [String: [(stream: String, lastFile: String, advancedAt: Date)]] = [:]
            for id in ids {
                pauses[id] = try await store.pause(of: id)
                cursors[id] = try await store.cursors(of: id)
            }
            return (try await store.recentRuns(limit: 200), try await store.quarantinedSince(now - 86_400), pauses,
                    cursors)
        }
        Terminal.print("jobs (\(jobs)):")
        if files.jobs.isEmpty {
            Terminal.print(hasJobs ? "  none" : "  none here: no \(jobs) folder (run in the CRMHub checkout, or --jobs DIR)")
        }
        for job in files.jobs {
            var line = "  \(job.id)"
            if let schedule = job.schedule {
                line += ": \(schedule.cron) \(schedule.timeZone.identifier)"
                if let next = schedule.cron.nextFire(after: now, in: schedule.timeZone) {
                    line += "; next \(Self.local(next, schedule.timeZone)) (in \(RunsCommand.duration(next.timeIntervalSince(now))))"
                }
            } else {
                line += ": no schedule (run by hand)"
            }
            Terminal.print(line)
            if let pause = pauses[job.id] {
                Terminal.print("    PAUSED since \(Self.local(pause.since, job.schedule?.timeZone ?? .current)) after "
                               + "\(pause.reason): crmhub run \(job.id) --unpause, once the cause is fixed")
            }
            if let last = runs.first(where: { $0.jobID == job.id }) {
                let zone = job.schedule?.timeZone ?? TimeZone(identifier: "UTC")!
                let took = last.finishedAt.map { ", took " + RunsCommand.duration($0.timeIntervalSince(last.startedAt)) }
                Terminal.print("    last: run \(last.id) for \(Self.local(last.scheduledFor, zone)): \(last.status)"
                               + (took ?? " (still running, or cut short: run it again to resume)")
                               + "; \(last.filesLoaded) file(s) loaded, \(last.filesFailed) failed, "
                               + "\(last.recordsQuarantined) record(s) quarantined" + (last.error.map { "; \($0)" } ?? ""))
            } else {
                Terminal.print("    last: never run")
            }
            for cursor in cursors[job.id] ?? [] {
                Terminal.print("    \(cursor.stream): loaded up to \((cursor.lastFile as NSString).lastPathComponent) "
                               + "(\(Self.local(cursor.advancedAt, job.schedule?.timeZone ?? .current)))")
            }
        }
        let total = quarantine.reduce(0) { $0 + $1.records }
        Terminal.print("quarantined in the last 24 hours: \(total)"
                       + (quarantine.isEmpty ? "" : " (" + quarantine.map { "\($0.sourceKind) \($0.records)" }
                           .joined(separator: ", ") + "); see ops.quarantine"))
    }

    static func local(_ date: Date, _ zone: TimeZone) -> String {
        JobScheduler.localMinute(date, in: zone)
    }
}
