import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Loans
import Reports

struct LoanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loan",
        abstract: "Loans: the credit calculator, and the arrears snapshot collectors work from.",
        discussion: reflow("""
            `crmhub loan schedule` quotes a schedule from the parameters a loan officer chooses (no warehouse
            needed). Contracts and repayments from the core banking system load with `crmhub import
            loan-contracts` and `crmhub import loan-operations`; see docs/loans.md.
            """),
        subcommands: [LoanScheduleCommand.self, LoanArrearsCommand.self]
    )
}

struct LoanScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "The credit calculator: a repayment schedule to the tiyin.",
        discussion: reflow("""
            Annuity (equal instalments): the instalment from the monthly rate, rounded once; differentiated
            (equal principal): principal/months each month. Each month's interest is the balance's interest by the
            day count (30/360, act/365, act/act split at 1 January, act/360), rounded half-up to the tiyin (or
            to whole sums with --rounding sum); the last instalment repays what is left, so the schedule closes at
            0.00. Instalments fall on the disbursement's day of each month (31 January → 28 February → 31
            March), or on the first due date's when --first-due is given.

            Example: crmhub loan schedule --principal 120000000 --rate 24 --months 12 --method annuity \
            --daycount act/365 --disbursed 2024-11-15 --format xlsx --out schedule.xlsx
            """)
    )

    @Option(help: ArgumentHelp("The amount lent (120000000 or 120000000.00).", valueName: "amount"))
    var principal: String

    @Option(help: ArgumentHelp("The nominal annual rate in percent (24 or 18.5).", valueName: "percent"))
    var rate: String

    @Option(help: ArgumentHelp("The number of monthly instalments.", valueName: "n"))
    var months: Int

    @Option(help: ArgumentHelp("annuity or differentiated.", valueName: "method"))
    var method: String = RepaymentMethod.annuity.rawValue

    @Option(help: ArgumentHelp("30/360, act/365, act/act or act/360.", valueName: "basis"))
    var daycount: String = DayCountConvention.actual365.rawValue

    @Option(help: ArgumentHelp("The disbursement day (yyyy-mm-dd).", valueName: "date"))
    var disbursed: String

    @Option(name: .customLong("first-due"), help: ArgumentHelp(
        "The first instalment's day (default: a month after disbursement).", valueName: "date"))
    var firstDue: String?

    @Option(help: ArgumentHelp("tiyin (0.01) or sum (whole sums).", valueName: "unit"))
    var rounding: String = "tiyin"

    @Option(help: ArgumentHelp("table, csv or xlsx.", valueName: "format"))
    var format: String = LoanScheduleFile.Format.table.rawValue

    @Option(help: ArgumentHelp("Where to write (required for csv and xlsx; a table goes to the terminal without it).",
                               valueName: "file"))
    var out: String?

    func run() throws {
        let terms = try terms()
        guard let format = LoanScheduleFile.Format(rawValue: format.lowercased()) else {
            throw ValidationError("--format must be table, csv or xlsx, not '\(format)'")
        }
        let schedule: LoanSchedule
        do {
            schedule = try LoanScheduleCalculator.schedule(terms)
        } catch {
            throw ValidationError(error.description)
        }
        guard let out else {
            guard format == .table else { throw ValidationError("--format \(format.rawValue) needs --out FILE") }
            Terminal.print(String(LoanScheduleFile.table(schedule).dropLast()))
            return
        }
        try LoanScheduleFile.write(schedule, format: format, to: out)
        Terminal.print("wrote \(out): \(schedule.instalments.count) instalments, total \(schedule.totalPayment.moneyText)"
                       + " of which interest \(schedule.totalInterest.moneyText)")
    }

    func terms() throws -> LoanTerms {
        func decimal(_ text: String, _ option: String) throws -> Decimal {
            let cleaned = text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: ",", with: ".")
            guard let value = ExactAmount(parsing: cleaned)?.decimal else {
                throw ValidationError("\(option) must be a number such as 120000000 or 18.5, not '\(text)'")
            }
            return value
        }
        guard let method = RepaymentMethod(rawValue: method.lowercased()) else {
            throw ValidationError("--method must be annuity or differentiated, not '\(method)'"
                                  + Suggestion.didYouMean(method, in: RepaymentMethod.allCases.map(\.rawValue)))
        }
        guard let dayCount = DayCountConvention(rawValue: daycount.lowercased()) else {
            throw ValidationError("--daycount must be 30/360, act/365, act/act or act/360, not '\(daycount)'"
                                  + Suggestion.didYouMean(daycount, in: DayCountConvention.allCases.map(\.rawValue)))
        }
        let units: [String: RoundingUnit] = ["tiyin": .tiyin, "sum": .wholeSum]
        guard let unit = units[rounding.lowercased()] else {
            throw ValidationError("--rounding must be tiyin or sum, not '\(rounding)'")
        }
        guard let disbursedOn = try parseDate(disbursed, "--disbursed") else { throw ExitCode(2) }
        return LoanTerms(principal: try decimal(principal, "--principal"), annualRatePercent: try decimal(rate, "--rate"),
                         months: months, method: method, dayCount: dayCount, disbursed: disbursedOn,
                         firstDue: try parseDate(firstDue, "--first-due"), rounding: unit)
    }
}

struct LoanArrearsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arrears",
        abstract: "Take the day's arrears snapshot (mart.loan_arrears) and show the portfolio by bucket.",
        discussion: reflow("""
            Every contract disbursed by --date is measured against the schedule in force that day: days past due
            from the oldest instalment not fully paid whose due date is before the date (a partial payment lowers
            the overdue amount but not the days), the bucket and the classification from mappings/loans.yaml.
            A day's snapshot is taken once: running it again shows the one taken and changes nothing, so
            yesterday's picture stays what collectors saw; --replace takes it again (after a late file, say).

            Example: crmhub loan arrears --date 2025-02-20
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The business date (yyyy-mm-dd).", valueName: "date"))
    var date: String

    @Flag(help: "Take the day's snapshot again, replacing the one taken.")
    var replace = false

    @Option(help: ArgumentHelp("The loan settings.", valueName: "file"))
    var settings = LoanSettingsLoader.defaultPath

    func run() async throws {
        guard let day = try parseDate(date, "--date") else { return }
        let (settings, replace) = (try LoanSettingsLoader.load(path: self.settings), self.replace)
        let (outcome, report) = try await options.withMigratedWarehouse { warehouse in
            let outcome = try await LoanArrearsRun.snapshot(warehouse: warehouse, on: day, settings: settings,
                                                            replace: replace)
            return (outcome, try await LoanArrearsReport.read(warehouse, on: day))
        }
        switch outcome {
        case .taken(let contracts):
            Terminal.print("\(day.iso): snapshot taken, \(contracts) contract(s)")
        case .alreadyTaken(let contracts, let takenAt):
            Terminal.print("\(day.iso): the snapshot taken at \(takenAt) stands, \(contracts) contract(s); "
                           + "--replace takes it again")
        }
        guard let report else { return }
        printBuckets(report)
    }
}

/// The portfolio by bucket, as `loan arrears` and `report problem-loans` print it.
func printBuckets(_ report: LoanArrearsReport) {
    for total in report.buckets {
        Terminal.print("  \(total.currency) \(total.bucket.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                       + "\(String(total.contracts).leftPadded(5)) contract(s), outstanding "
                       + "\(Terminal.money(total.outstandingPrincipal)), overdue \(Terminal.money(total.overdueAmount))")
    }
    Terminal.print("  \(report.problemLoans.count) problem contract(s): crmhub report problem-loans --date "
                   + "\(report.date.iso) --out problem-loans.xlsx")
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
