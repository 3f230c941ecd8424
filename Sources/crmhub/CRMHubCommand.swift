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

    /// `crmhub` alone: what it connects and the first command for each, rather than a wall of flags.
    func run() async throws {
        Terminal.print("""
            crmhub: the integration hub of the CRM warehouse (PostgreSQL). What it connects, and where to start:

              Try it all on the bundled samples   ./scripts/demo          (or: crmhub demo)
              1C:Accounting exchange              crmhub import 1c-enterprisedata exchange/Message_BP_CRM.xml
                                                  crmhub export 1c-enterprisedata --node BP --out exchange
              Bank statements                     crmhub import bank-1c statements/kl_to_1c.txt   (also bank-camt053, bank-mt940)
              Reconciliation (accountants)        crmhub reconcile; crmhub report reconciliation --from D --to D --out FILE.xlsx
              1C:ZUP staff, SKUD attendance (HR)  crmhub import zup-enterprisedata exchange/Message_ZUP_CRM.xml
                                                  crmhub import skud-zkteco usb/1_attlog.dat; crmhub attendance build --month YYYY-MM
              Telephony (call centre)             crmhub import calls-mango pbx/stats.csv; crmhub serve webhooks --listen 127.0.0.1:8080
              Outlook and Exchange calendars      crmhub import calendar-ics exports/mailbox.ics; crmhub sync exchange
              Loans (loan officers, collectors)   crmhub loan schedule --principal 120000000 --rate 24 --months 12 --disbursed 2024-11-15
                                                  crmhub import loan-contracts abs/contracts.csv; crmhub loan arrears --date D
              Credit bureau                       crmhub export bureau --date D --out FILE
              Nightly jobs                        crmhub validate; crmhub run nightly; crmhub schedule

            Every source kind: crmhub import --help. Every command: crmhub --help. The warehouse: crmhub db url.
            Docs: README.md, docs/ (a page per connector and per user).
            """)
    }
}

