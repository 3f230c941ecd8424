import ArgumentParser
import Attendance
import CRMWarehouse
import Foundation
import HubCore
import Ingest
import Loans
import Reports
import Scheduler

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the nightly job on the bundled samples, and print what they hold.",
        discussion: reflow("""
            Uses the private PostgreSQL under .crmhub/postgres unless DATABASE_URL is set: migrates it and runs
            jobs/nightly.yaml as the scheduler would have run it at 02:30 on the day after the bundled samples
            (2025-03-18; --at gives another time), so that every report it writes under reports/<that day>/ has
            rows (crmhub run nightly --at): the 1C samples under
            samples/1c (an EnterpriseData message from node BP, CommerceML documents) and every statement under
            samples/bank-1c (Windows-1251, UTF-8 and DOS statements, overlapping days, a transfer between two of
            our accounts, a document the bank sent broken). Then it prints per account and day the opening
            balance, what came in and went out and the closing balance, the top counterparties, and per
            counterparty the invoices issued, paid in 1C and shipped, the reconciliation, and HR's attendance:
            1C:ZUP's staff (samples/zup: a transfer and a dismissal in the month), shifts, absences and the person map under samples/hr, a ZKTeco terminal's punches and a turnstile
            export under samples/skud, built into attendance days for their month; the call centre: a day of MANGO OFFICE statistics and an Asterisk CDR under samples/calls, classified, with the clients the rules make and the missed calls; Outlook: a mailbox's iCalendar export under samples/calendars, its series expanded over March and April 2025; loans: the core banking system's contracts and operations under samples/loans, a schedule from the credit calculator, and the arrears on the day of the samples' last repayment. What the CRM wrote itself (samples/crm/crm-changes.sql, applied before the job) goes out: to 1C as a preview of the next EnterpriseData message (reports/<day>/to-1c, recorded as nothing), and to Outlook through crmhub sync exchange against a mailbox the demo serves on 127.0.0.1 (kept under .crmhub/demo-exchange). Running it again changes nothing: every
            file is recognised as already loaded. The run is recorded: crmhub status, crmhub runs.
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The job to run.", valueName: "file"))
    var job = "jobs/nightly.yaml"

    /// Just after the bundled samples' last day (statements of 2025-03-17): a run for today would find every
    /// report's window ("the last 31 days") empty.
    static let samplesTime = "2025-03-18T02:30:00+05:00"

    @Option(help: ArgumentHelp("The time the nightly job runs for, ISO 8601 (default: just after the bundled samples, "
                               + "so that every report has rows).", valueName: "time"))
    var at = DemoCommand.samplesTime

    /// The parts `--only` shows.
    enum Part: String, CaseIterable, ExpressibleByArgument {
        case accounting, hr, calls, calendars, loans
    }

    @Option(help: ArgumentHelp("Show one part: accounting, hr, calls, calendars or loans (the job runs whole).",
                               valueName: "part"))
    var only: Part?

    func shows(_ part: Part) -> Bool { only == nil || only == part }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: job) else {
            throw HubError(.configuration, "no job file at \(job): run the demo from the CRMHub checkout, or pass --job FILE")
        }
        let files = ConfigValidator.validate([job])
        for diagnostic in files.diagnostics { Terminal.error(diagnostic.description) }
        guard let nightly = files.jobs.first, files.errors == 0 else { throw ExitCode(2) }
        guard let scheduledFor = ISO8601DateFormatter().date(from: at) else {
            throw ValidationError("--at must be an ISO 8601 time such as \(Self.samplesTime), not '\(at)'")
        }
        let zone = nightly.schedule?.timeZone ?? TimeZone(identifier: "UTC")!
        let day = CalendarDate(isoDate: String(JobScheduler.localMinute(scheduledFor, in: zone).prefix(10)))!
        Terminal.print("The nightly job as the scheduler runs it, for \(JobScheduler.localMinute(scheduledFor, in: zone)) "
                       + "\(zone.identifier) (--at): the samples' own dates. Its reports are under reports/\(day.iso)/.")
        let tests = try RunCommand.qualityTests("mappings")
        let outcome = try await options.withMigratedWarehouse { warehouse in
            try await applyCRMChanges(warehouse)
            var runner = JobRunner(warehouse: warehouse) { Terminal.print($0) }
            runner.qualityTests = tests
            let outcome = try await runner.run(nightly, scheduledFor: scheduledFor, trigger: .manual)
            if shows(.accounting) {
                Terminal.print()
                Terminal.print("Bank statements by format (the same day from two formats is stored once)")
                printTable(["format", "files", "lines stored", "booked"], try await StatementReport.formats(warehouse),
                           rightAligned: [1, 2])
                printReport(try await StatementReport.read(warehouse))
                printInvoices(try await InvoiceSummaryReport.read(warehouse))
                try await show1COut(warehouse, on: day, at: scheduledFor)
                printReconciliation(try await ReconciliationReport.read(
                    warehouse, from: CalendarDate(year: 2000, month: 1, day: 1)!,
                    to: CalendarDate(year: 2099, month: 12, day: 31)!))
            }
            if shows(.hr) { try await showAttendance(warehouse) }
            if shows(.calls) { try await showCalls(warehouse) }
            if shows(.calendars) {
                try await showExchange(warehouse, on: day)
                try await showCalendars(warehouse)
            }
            if shows(.loans) { try await showLoans(warehouse, on: day) }
            return outcome
        }
        printReports(in: "reports/\(day.iso)", part: only)
        Terminal.print()
        Terminal.print("Explore it: psql \"\(try await options.urlForPeople())\"  (crmhub db url prints it); "
                       + "crmhub status shows the run")
        // The samples include a broken document on purpose: its quarantine is shown, not an error here.
        if case .failed = outcome { throw ExitCode(1) }
    }

    static let crmChanges = "samples/crm/crm-changes.sql"

    /// What the CRM itself wrote (a client and its invoice, a contact, a task, a meeting), as the CRM writes it:
    /// into core.* directly. Before the job, so that its reports include them; every row has a fixed id, so a
    /// second demo changes nothing.
    private func applyCRMChanges(_ warehouse: Warehouse) async throws {
        guard let script = FileManager.default.contents(atPath: Self.crmChanges) else { return }
        try await warehouse.execute(script: String(decoding: script, as: UTF8.self))
        Terminal.print("What the CRM wrote itself (\(Self.crmChanges)): a client and its invoice for 1C, a contact, "
                       + "a task and a meeting for Outlook")
    }

    /// 1C:Accounting out: the next EnterpriseData message to node BP, as a preview (recorded as sent, every demo
    /// would write a new message number), stamped with the run's time so that a second demo writes the same file.
    private func show1COut(_ warehouse: Warehouse, on day: CalendarDate, at time: Date) async throws {
        let folder = "reports/\(day.iso)/to-1c"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let receipt = try await EnterpriseDataExport.write(
            warehouse: warehouse, peer: "BP", ourNode: EnterpriseDataExport.defaultOurNode(), organization: nil,
            folder: folder, preview: true, created: time)
        Terminal.print()
        Terminal.print("1C:Accounting out (crmhub export 1c-enterprisedata --node BP --out DIR; docs/connectors/1c-enterprisedata.md)")
        Terminal.print("\(receipt.fileName): message \(receipt.messageNo) to BP, confirming BP's message "
                       + "\(receipt.receivedNo): \(receipt.counterparties) client(s) and \(receipt.invoices) invoice(s) made "
                       + "in the CRM. A preview (--preview): nothing is recorded as sent; 1C loads the real one with "
                       + "its own exchange (Администрирование → Синхронизация данных)")
    }

    /// Outlook both ways: the demo's mailbox on 127.0.0.1 synced with the warehouse by the real EWS client.
    private func showExchange(_ warehouse: Warehouse, on day: CalendarDate) async throws {
        let from = CalendarDate(year: day.year, month: day.month, day: 1)!
        let to = day.month > 10 ? CalendarDate(year: day.year + 1, month: day.month - 10, day: 1)!
            : CalendarDate(year: day.year, month: day.month + 2, day: 1)!
        Terminal.print()
        Terminal.print("Exchange both ways (crmhub sync exchange --settings FILE --from \(from.iso) --to \(to.iso)): "
                       + "\(DemoExchangeMailbox.mailbox)'s mailbox, served on 127.0.0.1 by the demo")
        let result = try await DemoExchangeMailbox().sync(warehouse, days: (from, to))
        Terminal.print("The settings: \(result.settingsPath) (the password is in a secrets file beside it). Sent to "
                       + "Exchange this time: " + (result.writes.isEmpty ? "nothing new"
                                                    : result.writes.joined(separator: ", ")))
        printTable(["folder", "item", "made in"], result.mailbox.map {
            [$0.folder.rawValue, $0.fields["Subject"] ?? $0.fields["DisplayName"] ?? $0.id,
             $0.crmID == nil ? "Outlook" : "the CRM (pushed)"]
        }, rightAligned: [])
    }

    /// HR: the samples' month built from the punches the job loaded, its summary, and what HR must look at.
    private func showAttendance(_ warehouse: Warehouse) async throws {
        guard let month = try await AttendanceReport.latestPunchMonth(warehouse),
              let dates = AttendanceMonth.dates(ofMonth: month) else { return }
        let summary = try await AttendanceRun.build(warehouse: warehouse, month: dates,
                                                    settingsPath: AttendanceSettingsLoader.defaultPath)
        let staff = try await AttendanceReport.staffCount(warehouse)
        Terminal.print()
        Terminal.print("Staff: \(staff.all) employee(s), \(staff.fromZUP) from 1C:ZUP (zup-enterprisedata samples/zup); "
                       + "their hires, transfers and dismissals in \(month):")
        printTable(["employee", "event", "on", "department", "position"],
                   try await AttendanceReport.staffChanges(warehouse, month: dates), rightAligned: [])
        Terminal.print()
        Terminal.print("Attendance \(month) (crmhub attendance build --month \(month): \(summary.days) day(s), "
                       + "\(summary.changed) changed; HR's timesheet: crmhub report timesheet --month \(month) --out FILE.xlsx)")
        printTable(["employee", "department", "present", "late", "incomplete", "absent", "leave", "hours", "provisional"],
                   try await AttendanceReport.month(warehouse, first: dates.lowerBound), rightAligned: [2, 3, 4, 5, 6, 7])
        let incomplete = try await AttendanceReport.incompleteDays(warehouse, month: dates)
        let unmapped = try await AttendanceReport.unmappedKeys(warehouse)
        Terminal.print("\(incomplete.count) incomplete day(s) to settle at the source (crmhub attendance incomplete "
                       + "--month \(month)); \(unmapped.count) device person(s) no employee stands for ("
                       + unmapped.map { "\($0.source) \($0.personKey)" }.joined(separator: ", ") + ")")
    }

    /// The call centre: the samples' day of calls from both PBXs, the clients the rules made, the missed calls.
    private func showCalls(_ warehouse: Warehouse) async throws {
        let calls = try await CallReport.summary(warehouse)
        guard !calls.isEmpty else { return }
        Terminal.print()
        Terminal.print("Calls (calls-mango, calls-asterisk; rules in mappings/calls.yaml; docs/calls.md)")
        printTable(["pbx", "direction", "outcome", "calls", "talk s"], calls, rightAligned: [3, 4])
        Terminal.print()
        Terminal.print("Clients made from calls by the rules (number, name, responsible extension, line)")
        printTable(["phone", "name", "responsible", "line"], try await CallReport.clients(warehouse), rightAligned: [])
        let days = CalendarDate(year: 2000, month: 1, day: 1)!...CalendarDate(year: 2099, month: 12, day: 31)!
        let missed = try await CallReport.missedCalls(warehouse, days: days) { $0 }
        Terminal.print()
        Terminal.print("Missed and not called back (crmhub report missed-calls --from --to --out FILE.xlsx): "
                       + "\(missed.rows.count) call(s)")
        printTable(["started", "number", "outcome"], missed.rows.map { row in
            [0, 1, 4].map { index in
                if case .text(let text) = row[index] { return text }
                return ""
            }
        }, rightAligned: [])
    }

    /// Outlook: the calendars the job imported and their first occurrences (a weekly series, one moved, one
    /// cancelled, in its organiser's zone).
    private func showCalendars(_ warehouse: Warehouse) async throws {
        let calendars = try await CalendarReport.calendars(warehouse)
        guard !calendars.isEmpty else { return }
        Terminal.print()
        Terminal.print("Calendars (calendar-ics samples/calendars; docs/connectors/calendar-ics.md; Exchange both ways: "
                       + "crmhub sync exchange, docs/connectors/exchange-ews.md)")
        printTable(["calendar", "zone", "owner", "kind", "window", "occurrences"], calendars, rightAligned: [5])
        Terminal.print()
        Terminal.print("Their meetings (core.calendar_occurrences; as iCalendar for Outlook: crmhub export calendar-ics)")
        printTable(["starts", "ends", "subject", "", "calendars"],
                   try await CalendarReport.occurrences(warehouse, from: Date(timeIntervalSince1970: 0), limit: 12),
                   rightAligned: [])
    }

    /// Where the job's reports are, who opens which, and which first.
    private func printReports(in folder: String, part: Part?) {
        let described: [(file: String, part: Part, what: String)] = [
            ("reconciliation.xlsx", .accounting, "open this first (accountants): Matched, To review (fill Decision, "
                + "then crmhub reconcile import FILE), Unmatched payments, Unpaid invoices, Advances"),
            ("timesheet.xlsx", .hr, "HR: the month's T-13 timesheet (? marks a day to settle at the source)"),
            ("missed-calls.xlsx", .calls, "the call-centre manager: missed calls nobody called back"),
            ("problem-loans.xlsx", .loans, "collectors: overdue contracts, worst first, with the phone to call"),
            ("bank-days.csv", .accounting, "per account and day: opening, in, out, closing, checked against the bank"),
            ("invoices.csv", .accounting, "per counterparty: invoiced, paid in 1C, shipped"),
        ]
        let present = described.filter {
            (part == nil || $0.part == part) && FileManager.default.fileExists(atPath: folder + "/" + $0.file)
        }
        guard !present.isEmpty else { return }
        Terminal.print()
        Terminal.print("The reports the job wrote (LibreOffice or Excel opens them; docs/ has a page per user):")
        let width = present.map { folder.count + 1 + $0.file.count }.max()!
        for report in present {
            let path = folder + "/" + report.file
            Terminal.print("  " + path + String(repeating: " ", count: width - path.count) + "  " + report.what)
        }
    }

    /// Loans: what the job loaded from the core banking system, a schedule from the credit calculator, and the
    /// arrears of the run's day (the job's loan-arrears step took them, once).
    private func showLoans(_ warehouse: Warehouse, on day: CalendarDate) async throws {
        // The job's loan-arrears step took the day's snapshot; taken here too for a job without that step.
        _ = try await LoanArrearsRun.snapshot(warehouse: warehouse, on: day, settingsPath: LoanSettingsLoader.defaultPath)
        guard let report = try await LoanArrearsReport.read(warehouse, on: day), !report.buckets.isEmpty else { return }
        let example = try LoanScheduleCalculator.schedule(LoanTerms(
            principal: 120_000_000, annualRatePercent: 24, months: 12, method: .annuity, dayCount: .thirty360,
            disbursed: CalendarDate(year: 2024, month: 11, day: 15)!))
        Terminal.print()
        Terminal.print("A schedule from the credit calculator (crmhub loan schedule --principal 120000000 --rate 24 "
                       + "--months 12 --method annuity --daycount 30/360 --disbursed 2024-11-15; docs/loans.md)")
        let rows = [0, 1, 2, 11].map { example.instalments[$0] }.map { instalment in
            [String(instalment.number), instalment.dueDate.iso, instalment.payment.moneyText,
             instalment.principal.moneyText, instalment.interest.moneyText, instalment.balance.moneyText]
        } + [["Σ", "", example.totalPayment.moneyText, example.totalPrincipal.moneyText,
              example.totalInterest.moneyText, ""]]
        printTable(["#", "due", "payment", "principal", "interest", "balance"], rows, rightAligned: [2, 3, 4, 5])
        Terminal.print()
        Terminal.print("Loans from the core banking system (loan-contracts, loan-operations samples/loans): arrears on "
                       + "\(day.iso) (crmhub loan arrears --date \(day.iso))")
        printTable(["currency", "bucket", "contracts", "outstanding", "overdue"], report.buckets.map {
            [$0.currency, $0.bucket, String($0.contracts), Terminal.money($0.outstandingPrincipal),
             Terminal.money($0.overdueAmount)]
        }, rightAligned: [2, 3, 4])
        Terminal.print()
        Terminal.print("Problem loans for the collectors (reports/\(day.iso)/problem-loans.xlsx; crmhub report "
                       + "problem-loans --date \(day.iso) --out FILE.xlsx)")
        printTable(["contract", "borrower", "phone", "days", "bucket", "overdue", "manager"], report.problemLoans.map {
            [$0.contract, $0.borrowerName, $0.phone ?? "", String($0.daysPastDue), $0.bucket,
             Terminal.money($0.overdueAmount), $0.manager ?? ""]
        }, rightAligned: [3, 5])
        Terminal.print("The credit bureau's file of the day: crmhub export bureau --date \(day.iso) --out FILE "
                       + "(docs/connectors/katm-bureau.md)")
    }

    private func printReconciliation(_ report: ReconciliationReport) {
        Terminal.print()
        Terminal.print("Reconciliation of incoming payments (crmhub reconcile; review with crmhub report reconciliation)")
        printTable(["currency", "credits", "matched", "to review", "unmatched", "bank's own, returns", "ties out"],
                   report.totals.map {
                       [$0.currency, Terminal.money($0.credits.amountText), Terminal.money($0.matched.amountText),
                        Terminal.money($0.toReview.amountText), Terminal.money($0.unmatched.amountText),
                        Terminal.money($0.bankAndOwn.amountText), $0.tiesOut ? "yes" : "NO"]
                   }, rightAligned: [1, 2, 3, 4, 5])
        guard let review = report.sheets.first(where: { $0.name == ReconciliationReport.reviewSheetName }),
              !review.rows.isEmpty else { return }
        Terminal.print()
        Terminal.print("To review (confirm with crmhub reconcile confirm ID, or reject)")
        printTable(["kind", "id", "payer", "invoice", "amount", "rule", "why"], review.rows.map { row in
            [row[0] ?? "", row[1] ?? "", String((row[4] ?? "").prefix(24)), row[8] ?? "",
             Terminal.money(row[11] ?? ""), row[12] ?? "", String((row[14] ?? "").prefix(70))]
        }, rightAligned: [1, 4])
        if let currency = report.sheets.first(where: { $0.name == "Exchange differences" }), !currency.rows.isEmpty {
            Terminal.print()
            Terminal.print("Payments in another currency than their invoices (the bank's conversion, else the central "
                           + "bank's rate: crmhub import fx-rates; the difference kept apart)")
            printTable(["payer", "paid", "", "invoice", "invoice amount", "", "rate", "rate from", "exchange difference"],
                       currency.rows.map { row in
                           [String((row[3] ?? "").prefix(24)), Terminal.money(row[5] ?? ""), row[6] ?? "", row[7] ?? "",
                            Terminal.money(row[9] ?? ""), row[10] ?? "", row[11] ?? "", row[12] ?? "",
                            Terminal.money(row[14] ?? "")]
                       }, rightAligned: [1, 4, 6, 8])
        }
        if let owed = report.sheets.first(where: { $0.name == "Unpaid supplier invoices" }), !owed.rows.isEmpty {
            Terminal.print()
            Terminal.print("What we owe suppliers (1C receipts of goods and services; our payments matched by the same "
                           + "rules; mart.payables_aging)")
            printTable(["supplier's invoice", "our receipt", "dated", "supplier", "cur", "outstanding", "status"],
                       owed.rows.map { row in
                           [row[0] ?? "", row[1] ?? "", row[2] ?? "", String((row[4] ?? "").prefix(24)), row[6] ?? "",
                            Terminal.money(row[9] ?? ""), row[10] ?? ""]
                       }, rightAligned: [5])
        }
    }

    private func printReport(_ report: StatementReport) {
        Terminal.print()
        Terminal.print("Statement by account and day (bank balances; in/out from the loaded payments)")
        let header = ["account", "day", "cur", "opening", "in", "out", "closing", "payments", "check"]
        var rows: [[String]] = []
        for day in report.days {
            rows.append([day.account, day.date, day.currency ?? "", day.opening.map(Terminal.money) ?? "—",
                         Terminal.money(day.credited), Terminal.money(day.debited),
                         day.closing.map(Terminal.money) ?? "—", String(day.transactions),
                         day.matchesBank.map { $0 ? "ok" : "DIFFERS" } ?? "no balance"])
        }
        printTable(header, rows, rightAligned: [3, 4, 5, 6, 7])
        if report.days.contains(where: { $0.matchesBank == false }) {
            Terminal.print("DIFFERS: the payments loaded for that day do not add up to the bank's own totals, "
                           + "usually because a document was quarantined (SELECT * FROM ops.quarantine).")
        }
        Terminal.print()
        Terminal.print("Top counterparties")
        printTable(["counterparty", "INN/PINFL", "in", "out", "payments"],
                   report.counterparties.map {
                       [$0.name, $0.inn ?? "", Terminal.money($0.incoming), Terminal.money($0.outgoing),
                        String($0.transactions)]
                   }, rightAligned: [2, 3, 4])
    }

    private func printInvoices(_ report: InvoiceSummaryReport) {
        Terminal.print()
        Terminal.print("Invoices by counterparty (1C exchange; deleted documents left out)")
        printTable(["counterparty", "INN", "cur", "invoices", "issued", "paid in 1C", "shipped"],
                   report.rows.map {
                       [$0.name, $0.inn ?? "", $0.currency ?? "", String($0.invoices), Terminal.money($0.invoiced),
                        Terminal.money($0.paidIn1C), Terminal.money($0.shipped)]
                   }, rightAligned: [3, 4, 5, 6])
    }

    private func printTable(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>) {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
        Terminal.print(line(header))
        Terminal.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { Terminal.print(line(row)) }
    }
}

extension GlobalOptions {
    func urlForPeople() async throws -> String {
        if let url = effectiveDatabaseURL { return try DatabaseSettings(url: url).url }
        return EmbeddedPostgres().settings.url
    }
}
