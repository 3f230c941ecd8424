import CRMWarehouse
import Calls
import HubConfiguration
import Foundation
import HubCore
import Reports
import Yams

/// `- report: {name: bank-days, output: reports/{date}/bank-days.csv}`: writes one of the warehouse's reports
/// (`ReportWriter.names`) as CSV; `reconciliation` writes the accountants' workbook over the last `days` days
/// up to the run's day (default 31), as XLSX (`.xlsx`) or a folder of CSV files; `timesheet` HR's T-13 workbook of
/// the run's month (`.xlsx`); `missed-calls` the call centre's missed calls not called back over the last `days`
/// days (`.xlsx` or `.csv`).
struct ReportStepKind: StepKind {
    let id = "report"
    let summary = "writes a report (CSV), the reconciliation, timesheet or missed-calls workbook (XLSX) to a path with "
        + "{date} and {job}"
    /// The workbooks a report step writes besides the reconciliation's.
    static let timesheet = "timesheet", missedCalls = "missed-calls"
    let keys = ["name", "output", "days"]
    /// The reconciliation workbook's period when the step gives none.
    static let defaultDays = 31

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        guard let entries = reader.mapping(node, known: keys, in: place) else { return nil }
        let name = reader.choice(reader.required("name", in: entries, parent: node, place: place),
                                 "\(place) name",
                                 allowed: ReportWriter.names + [ReportWriter.reconciliation, Self.timesheet, Self.missedCalls])
        let outputNode = reader.required("output", in: entries, parent: node, place: place)
        let output = reader.string(outputNode, "\(place) output")
        let days = reader.integer(entries["days"]?.value, "\(place) days", atLeast: 1)
        if name == ReportWriter.reconciliation || name == Self.missedCalls {
            guard let output, let name else { return nil }
            return ReportStep(name: name, output: output, days: days ?? Self.defaultDays)
        }
        if name == Self.timesheet {
            if let daysNode = entries["days"]?.value {
                reader.error(at: daysNode, "\(place) days does not apply to the timesheet (it is the run's month)")
            }
            guard let output else { return nil }
            if !output.hasSuffix(".xlsx") {
                reader.error(at: outputNode, "\(place) output must name a .xlsx file (the timesheet is a workbook)")
                return nil
            }
            return ReportStep(name: Self.timesheet, output: output, days: nil)
        }
        if let daysNode = entries["days"]?.value {
            reader.error(at: daysNode, "\(place) days applies to the reconciliation report only")
        }
        if let output, !output.hasSuffix(".csv") {
            reader.error(at: outputNode, "\(place) output must name a .csv file (reports are written as CSV)")
            return nil
        }
        guard let name, let output else { return nil }
        return ReportStep(name: name, output: output, days: nil)
    }
}

struct ReportStep: JobStep, Equatable {
    var name: String
    /// A path pattern: `{date}` is the run's scheduled day in the job's zone, `{job}` the job's id.
    var output: String
    var days: Int?

    var kind: String { "report" }
    var target: String { "\(name) → \(output)" }

    /// `reports/{date}/invoices.csv` → `reports/2026-11-22/invoices.csv`.
    static func path(_ pattern: String, job: String, scheduledFor: Date, zone: TimeZone) -> String {
        let day = String(JobScheduler.localMinute(scheduledFor, in: zone).prefix(10))
        return pattern.replacingOccurrences(of: "{date}", with: day).replacingOccurrences(of: "{job}", with: job)
    }

    func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        let path = Self.path(output, job: run.job.id, scheduledFor: run.scheduledFor, zone: run.zone)
        outcome.counts.files = 1
        do {
            let first = StepRun.firstDay(ofLast: days ?? ReportStepKind.defaultDays, upTo: run.day)
            switch name {
            case ReportStepKind.timesheet:
                let month = CalendarDate(year: run.day.year, month: run.day.month, day: 1)!
                let report = try await TimesheetReport.read(run.warehouse,
                                                            month: month...month.adding(months: 1).adding(days: -1))
                try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                outcome.counts.recordsLoaded = try TimesheetFile.write(report, organization: nil, to: path)
            case ReportStepKind.missedCalls:
                let format = try CallSettingsLoader.load(path: CallSettingsLoader.defaultPath).phoneFormat
                let report = try await CallReport.missedCalls(run.warehouse, days: first...run.day) { format.format($0) }
                outcome.counts.recordsLoaded = try CallReportFile.write(report, to: path)
            default:
                outcome.counts.recordsLoaded = try await ReportWriter.write(name, to: path, days: first...run.day,
                                                                            warehouse: run.warehouse)
            }
            outcome.counts.filesLoaded = 1
            run.report("  wrote \(path)")
        } catch {
            outcome.counts.filesFailed = 1
            outcome.fail(error, "\(path): \(Warehouse.hubError(for: error).description)")
        }
        return outcome
    }
}
