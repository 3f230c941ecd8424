import ArgumentParser
import CRMWarehouse
import Foundation
import Logging
import Scheduler
import ServiceLifecycle

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run jobs at their cron times, in their time zones, until stopped (SIGTERM or Ctrl-C).",
        discussion: reflow("""
            Reads the job files (they must validate), catches up on fire times missed while no scheduler ran
            (each job's catch_up), then fires every job at its times. Several schedulers on different machines
            may run against one warehouse: each time is run once, by whichever gets to it, and jobs sharing a
            concurrency key never run at once. On SIGTERM or SIGINT the scheduler stops waiting; a run in
            progress is finished first. docs/operations.md shows how to run it as a systemd service.
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Where job files are.", valueName: "dir"))
    var jobs = "jobs"

    @Option(help: ArgumentHelp("Where mapping files (data-quality tests) are.", valueName: "dir"))
    var mappings = "mappings"

    func run() async throws {
        let files = ConfigValidator.validate([jobs])
        for diagnostic in files.diagnostics { Terminal.error(diagnostic.description) }
        guard files.errors == 0 else { throw ExitCode(2) }
        let scheduled = files.jobs.filter { $0.schedule != nil }
        guard !scheduled.isEmpty else { throw ValidationError("no job in \(jobs) has a schedule") }
        let logger = options.makeLogger()
        let tests = try RunCommand.qualityTests(mappings)
        try await options.withMigratedWarehouse { warehouse in
            var scheduler = JobScheduler(jobs: scheduled, warehouse: warehouse) { Terminal.print($0) }
            scheduler.qualityTests = tests
            Terminal.print("scheduling \(scheduled.map(\.id).joined(separator: ", ")); stop with SIGTERM or Ctrl-C")
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: SchedulerService(scheduler: scheduler),
                                 successTerminationBehavior: .gracefullyShutdownGroup,
                                 failureTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
        Terminal.print("scheduler stopped")
    }
}

/// The scheduler as a service: cancelled on graceful shutdown, which ends its wait for the next time.
struct SchedulerService: Service {
    let scheduler: JobScheduler

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await scheduler.run() }
        } catch is CancellationError {
            // Stopping is the expected way out.
        }
    }
}
