import CRMWarehouse
import HubConfiguration
import Yams

/// `- refresh: {}`: refreshes the materialized views of the `mart` schema (plain views need nothing).
struct RefreshStepKind: StepKind {
    let id = "refresh"
    let summary = "refreshes the materialized views of the mart schema"
    let keys: [String] = []

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        if let entries = node.mapping, !entries.isEmpty {
            reader.error(at: node, "\(place) takes no settings: write 'refresh: {}'")
            return nil
        }
        return RefreshStep()
    }
}

struct RefreshStep: JobStep, Equatable {
    var kind: String { "refresh" }
    var target: String { "mart" }

    func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        do {
            let views = try await run.warehouse.refreshMaterializedMarts()
            outcome.counts.files = views.count
            outcome.counts.filesLoaded = views.count
            run.report("  refreshed \(views.count) materialized view(s) in mart"
                       + (views.isEmpty ? " (its marts are plain views today: always current)" : ""))
        } catch {
            outcome.counts.filesFailed = 1
            outcome.fail(error, "refresh: \(Warehouse.describe(error))")
        }
        return outcome
    }
}
