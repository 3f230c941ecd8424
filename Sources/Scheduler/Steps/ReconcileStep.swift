import CRMWarehouse
import HubConfiguration
import HubCore
import Reconciliation
import Yams

/// `- reconcile: {rules: mappings/reconciliation.yaml, days: 31}`: reconciles bank lines with invoices by the
/// rules file; `days` limits it to lines booked in the last days up to the run's day (none: every line not yet
/// decided).
struct ReconcileStepKind: StepKind {
    let id = "reconcile"
    let summary = "reconciles bank lines with invoices by the rules file, over the last `days` days"
    let keys = ["rules", "days"]

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        guard let entries = reader.mapping(node, known: keys, in: place) else { return nil }
        let rules = reader.string(entries["rules"]?.value, "\(place) rules") ?? ReconciliationRulesLoader.defaultPath
        let days = reader.integer(entries["days"]?.value, "\(place) days", atLeast: 1)
        return ReconcileStep(rules: rules, days: days)
    }
}

struct ReconcileStep: JobStep, Equatable {
    var rules: String
    var days: Int?

    var kind: String { "reconcile" }
    var target: String { rules }

    func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        do {
            let summary = try await ReconciliationRun.run(
                warehouse: run.warehouse, rulesPath: rules,
                from: days.map { StepRun.firstDay(ofLast: $0, upTo: run.day) }, to: nil)
            outcome.counts.files = 1
            outcome.counts.filesLoaded = 1
            outcome.counts.recordsLoaded = summary.payments
            run.report("  reconciled \(summary.payments) bank line(s): \(summary.auto) matched, "
                       + "\(summary.suggested) to review, \(summary.unmatched) unmatched")
        } catch {
            outcome.counts.filesFailed = 1
            outcome.fail(error, "reconcile: \(Warehouse.hubError(for: error).description)")
        }
        return outcome
    }
}
