import ArgumentParser

struct CRMHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crmhub",
        abstract: "Loads bank statements, 1C exchange messages and other CRM sources into the PostgreSQL CRM warehouse.",
        discussion: reflow("""
            Every file is loaded in one transaction and exactly once: importing the same file again, or a
            statement that overlaps one already loaded, adds nothing twice. Records that cannot be read are set
            aside in ops.quarantine with the file, line and reason, and the rest of the file still loads.

            Without DATABASE_URL, crmhub runs its own private PostgreSQL under .crmhub/postgres in the current
            folder and starts it when needed.

            Exit codes: 0 done; 1 failed (nothing from the failing file was saved); 2 wrong command or settings;
            3 done, but some records were quarantined.
            """),
        subcommands: [ImportCommand.self, SyncCommand.self, ServeCommand.self, ExportCommand.self, ReconcileCommand.self, AttendanceCommand.self, LoanCommand.self, ReportCommand.self, RunCommand.self, ScheduleCommand.self, StatusCommand.self,
                      RunsCommand.self,
                      ValidateCommand.self, DemoCommand.self, DBCommand.self]
    )
}
