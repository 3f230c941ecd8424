import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Loans
import Reports
import Scheduler

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write reports from the warehouse.",
        subcommands: [ReconciliationReportCommand.self, TimesheetReportCommand.self, MissedCallsReportCommand.self,
                      CallsWeeklyReportCommand.self, ProblemLoansReportCommand.self]
    )
}

struct ReconciliationReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconciliation",
        abstract: "The accountants' reconciliation report for a period (XLSX or CSV).",
        discussion: reflow("""
            Sheets: Summary (totals that tie out: statement credits = matched + to review + unmatched + the
            bank's own lines and returns), Matched, To review (fill its Decision column with confirm or reject and
            load it back with `crmhub reconcile import`), Unmatched payments (with the reason), Unpaid invoices
            and Advances. With --format csv, PATH is a folder that gets one CSV file per sheet.

            Example: crmhub report reconciliation --from 2025-03-01 --to 2025-03-31 --out reconciliation-2025-03.xlsx
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("First booking day (yyyy-mm-dd).", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("Last booking day (yyyy-mm-dd).", valueName: "date"))
    var to: String

    @Option(help: ArgumentHelp("xlsx or csv.", valueName: "format"))
    var format: String = "xlsx"

    @Option(help: ArgumentHelp("Where to write: a .xlsx file, or a folder for csv.", valueName: "path"))
    var out: String

    func run() async throws {
        guard let format = ReconciliationReportFile.Format(rawValue: format.lowercased()) else {
            throw ValidationError("--format must be xlsx or csv, not '\(format)'")
        }
        if format == .xlsx, !out.lowercased().hasSuffix(".xlsx") {
            throw ValidationError("--out must name a .xlsx file, not '\(out)' (or give --format csv and a folder)")
        }
        guard let from = try parseDate(from, "--from"), let to = try parseDate(to, "--to") else { return }
        guard from <= to else { throw ValidationError("--from \(from.iso) is after --to \(to.iso)") }
        let report = try await options.withMigratedWarehouse { warehouse in
            try await ReconciliationReport.read(warehouse, from: from, to: to)
        }
        try ReconciliationReportFile.write(report, format: format, to: out)
        Terminal.print("wrote \(out): " + report.sheets.dropFirst().map { "\($0.name) \($0.rows.count)" }
            .joined(separator: ", "))
        for total in report.totals {
            Terminal.print("  \(total.currency): credits \(Terminal.money(total.credits.amountText)) = matched "
                           + "\(Terminal.money(total.matched.amountText)) + to review \(Terminal.money(total.toReview.amountText)) "
                           + "+ unmatched \(Terminal.money(total.unmatched.amountText)) + bank's own and returns "
                           + "\(Terminal.money(total.bankAndOwn.amountText)): "
                           + (total.tiesOut ? "ties out" : "DOES NOT TIE OUT"))
        }
        if report.totals.contains(where: { !$0.tiesOut }) { throw ExitCode(1) }
    }
}

struct TimesheetReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timesheet",
        abstract: "HR's monthly timesheet, laid out like the T-13 form (XLSX).",
        discussion: reflow("""
            Employees by department, two lines each: the day's code (Я worked, В weekend, НН absent, ОТ vacation,
            Б sick leave, К business trip, ? a day HR must still settle) and the hours worked, then the days
            and hours of the month. Built from core.attendance_days: run `crmhub attendance build` for the
            month first. A month some device has not yet reported past is marked provisional in the heading.

            Example: crmhub report timesheet --month 2026-07 --out timesheet-2026-07.xlsx
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var month: MonthOption

    @Option(help: ArgumentHelp("Where to write the workbook (.xlsx).", valueName: "path"))
    var out: String

    @Option(help: ArgumentHelp("The organisation's name for the heading.", valueName: "name"))
    var organization: String?

    func run() async throws {
        guard out.hasSuffix(".xlsx") else { throw ValidationError("--out must name a .xlsx file, not '\(out)'") }
        let dates = try month.dates()
        let report = try await options.withMigratedWarehouse { warehouse in
            try await TimesheetReport.read(warehouse, month: dates)
        }
        let lines = try TimesheetFile.write(report, organization: organization, to: out)
        Terminal.print("wrote \(out): \(lines) employee line(s) for \(month.month)"
                       + (report.provisional ? " (provisional: a device has not reported past some days yet)" : ""))
    }
}

struct ProblemLoansReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "problem-loans",
        abstract: "The collectors' list: overdue contracts of a day, worst first, with whom to call (XLSX or CSV).",
        discussion: reflow("""
            From the day's arrears snapshot, taken first if it was not (crmhub loan arrears): borrower, INN or
            PINFL, phone, product, branch, responsible manager, days past due, bucket, classification, the oldest
            unpaid due date, the overdue principal, interest and total, the outstanding principal and the last
            payment. A second sheet has the portfolio by bucket. A .csv path gets the contracts only.

            Example: crmhub report problem-loans --date 2025-02-20 --out problem-loans-2025-02-20.xlsx
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The business date (yyyy-mm-dd).", valueName: "date"))
    var date: String

    @Option(help: ArgumentHelp("Where to write: a .xlsx or .csv file.", valueName: "path"))
    var out: String

    @Option(help: ArgumentHelp("The loan settings, when the snapshot must be taken.", valueName: "file"))
    var settings = LoanSettingsLoader.defaultPath

    func run() async throws {
        guard let day = try parseDate(date, "--date") else { return }
        guard [".xlsx", ".csv"].contains(where: out.lowercased().hasSuffix) else {
            throw ValidationError("--out must name a .xlsx or .csv file, not '\(out)'")
        }
        let settings = try LoanSettingsLoader.load(path: self.settings)
        let report = try await options.withMigratedWarehouse { warehouse in
            _ = try await LoanArrearsRun.snapshot(warehouse: warehouse, on: day, settings: settings)
            return try await LoanArrearsReport.read(warehouse, on: day)
        }
        guard let report else { throw ExitCode(1) }
        let rows = try ProblemLoansFile.write(report, to: out)
        Terminal.print("wrote \(out): \(rows) problem contract(s) on \(day.iso)")
        printBuckets(report)
    }
}
