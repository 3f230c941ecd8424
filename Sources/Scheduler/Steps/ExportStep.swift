import CRMWarehouse
import HubConfiguration
import Ingest
import Yams

/// `- export: {kind: 1c-enterprisedata, node: BP, out: exchange/1c}`: writes the next EnterpriseData message
/// for a 1C node into its exchange folder (`EnterpriseDataExport`, as `crmhub export` does).
struct ExportStepKind: StepKind {
    let id = "export"
    let summary = "writes the next exchange message for a 1C node into its folder"
    let keys = ["kind", "node", "out"]
    /// What an export step can write.
    static let targets = [EnterpriseDataExport.id]

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        guard let entries = reader.mapping(node, known: keys, in: place) else { return nil }
        let target = reader.choice(reader.required("kind", in: entries, parent: node, place: place),
                                   "\(place) kind", allowed: Self.targets)
        let peer = reader.string(reader.required("node", in: entries, parent: node, place: place), "\(place) node")
        let out = reader.string(reader.required("out", in: entries, parent: node, place: place), "\(place) out")
        guard let target, let peer, let out else { return nil }
        return ExportStep(exportKind: target, node: peer, directory: out)
    }
}

struct ExportStep: JobStep, Equatable {
    var exportKind: String
    var node: String
    var directory: String

    var kind: String { "export" }
    var target: String { "\(exportKind) → \(node)" }

    func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        do {
            let receipt = try await EnterpriseDataExport.write(
                warehouse: run.warehouse, peer: node, ourNode: EnterpriseDataExport.defaultOurNode(),
                organization: nil, folder: directory)
            outcome.counts.files = 1
            outcome.counts.filesLoaded = 1
            outcome.counts.recordsLoaded = receipt.counterparties + receipt.invoices + receipt.deletions
            run.report("  wrote \(receipt.fileName): message \(receipt.messageNo) to \(node)")
        } catch {
            outcome.counts.filesFailed = 1
            outcome.fail(error)
        }
        return outcome
    }
}
