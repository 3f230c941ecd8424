import CRMWarehouse
import Foundation
import HubConfiguration
import HubCore
import Loans
import Reports
import Yams

/// `- loan-arrears: {settings: mappings/loans.yaml, problem_loans: reports/{date}/problem-loans.xlsx}`: takes the
/// arrears snapshot of the run's day (once: a repeated run leaves the day's snapshot as it was) and, with
/// `problem_loans`, writes the collectors' list of that day.
struct LoanArrearsStepKind: StepKind {
    let id = "loan-arrears"
    let summary = "takes the day's loan arrears snapshot (mart.loan_arrears) and writes the collectors' list"
    let keys = ["settings", "problem_loans"]

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        guard let entries = reader.mapping(node, known: keys, in: place) else { return nil }
        let settings = reader.string(entries["settings"]?.value, "\(place) settings") ?? LoanSettingsLoader.defaultPath
        let report = reader.string(entries["problem_loans"]?.value, "\(place) problem_loans")
        if let report, let reportNode = entries["problem_loans"]?.value,
           !report.hasSuffix(".xlsx") && !report.hasSuffix(".csv") {
            reader.error(at: reportNode, "\(place) problem_loans must name a .xlsx or .csv file")
            return nil
        }
        return LoanArrearsStep(settings: settings, problemLoans: report)
    }
}

struct LoanArrearsStep: JobStep, Equatable {
    var settings: String
    /// A path pattern like the report step's (`{date}`, `{job}`).
    var problemLoans: String?

    var kind: String { "loan-arrears" }
    var target: String { "arrears by \(settings)" + (problemLoans.map { " → \($0)" } ?? "") }

    func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        outcome.counts.files = 1
        do {
            let taken = try await LoanArrearsRun.snapshot(warehouse: run.warehouse, on: run.day, settingsPath: settings)
            switch taken {
            case .taken(let contracts):
                outcome.counts.recordsLoaded = contracts
                outcome.counts.filesLoaded = 1
                run.report("  \(run.day.iso): arrears of \(contracts) contract(s)")
            case .alreadyTaken(let contracts, _):
                outcome.counts.filesAlready = 1
                run.report("  \(run.day.iso): the day's arrears snapshot (\(contracts) contract(s)) stands")
            }
            if let problemLoans, let report = try await LoanArrearsReport.read(run.warehouse, on: run.day) {
                let path = ReportStep.path(problemLoans, job: run.job.id, scheduledFor: run.scheduledFor, zone: run.zone)
                let rows = try ProblemLoansFile.write(report, to: path)
                run.report("  wrote \(path): \(rows) problem contract(s)")
            }
        } catch {
            outcome.counts.filesFailed = 1
            outcome.fail(error, "loan arrears \(run.day.iso): \(Warehouse.hubError(for: error).description)")
        }
        return outcome
    }
}
