import CRMWarehouse
import HubConfiguration
import Foundation
import HubCore
import Ingest
import Logging
import Yams

/// `- import: {kind: bank-1c, path: inbox/bank/*.txt, encoding: …}`: loads the units `path` names (a file, a
/// folder or a glob, in name order) as a registered source kind, with that kind's options. The same expansion,
/// options, quality tests and summary as `crmhub import`.
struct ImportStepKind: StepKind {
    let id = "import"
    let summary = "loads files (a file, a folder or a glob) as one source kind, with that kind's options"
    let keys = ["kind", "path"]

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        // The kind decides which keys the step takes: its declared options, beside kind and path.
        let kind = node["kind"]?.string.flatMap(SourceKinds.named)
        let optionKeys = kind?.options.map(\.key) ?? []
        guard let entries = reader.mapping(node, known: keys + optionKeys, in: place) else { return nil }
        let source = reader.choice(reader.required("kind", in: entries, parent: node, place: place),
                                   "\(place) kind", allowed: SourceKinds.ids)
        let path = reader.string(reader.required("path", in: entries, parent: node, place: place), "\(place) path")
        var values: [String: String] = [:]
        for option in kind?.options ?? [] {
            guard let valueNode = entries[option.key]?.value,
                  let value = reader.string(valueNode, "\(place) \(option.key)") else { continue }
            if let problem = option.problem(with: value) {
                reader.error(at: valueNode, "\(place): \(problem)")
                continue
            }
            values[option.key] = value
        }
        guard let source, let path else { return nil }
        return ImportStep(sourceKind: source, path: path, options: SourceOptionValues(values))
    }
}

/// A configured import step.
package struct ImportStep: JobStep, Equatable {
    /// A registered source kind's id (`SourceKinds`).
    package var sourceKind: String
    package var path: String
    package var options: SourceOptionValues

    package var kind: String { "import" }
    package var target: String { "\(sourceKind) \(path)" }

    package func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        guard let kind = SourceKinds.named(sourceKind) else {
            outcome.fail(HubError(.configuration, "no source kind \(sourceKind)"))
            return outcome
        }
        let units: [SourceUnit]
        do {
            // A glob that matches nothing is a quiet night, not an error.
            units = try SourceUnits.expand([path], kind: kind, options: options, emptyGlobIsError: false)
        } catch {
            outcome.counts.filesFailed = 1
            outcome.fail(error)
            return outcome
        }
        outcome.counts.files = units.count
        // The stream's cursor follows the units in order while every one so far is loaded.
        var contiguous = true
        for unit in units {
            guard ContinuousClock.now < run.deadline else {
                outcome.fail(HubError(.io, "\(unit.name) and the files after it not loaded: the run passed its "
                                          + "timeout"))
                break
            }
            do {
                let cursor = contiguous ? CursorTarget(jobID: run.job.id, stream: target, file: unit.cursor) : nil
                try await load(unit, kind: kind, cursor: cursor, run: run, counts: &outcome.counts)
            } catch {
                contiguous = false
                outcome.failUnit(error, name: unit.name, report: run.report)
            }
        }
        return outcome
    }

    private func load(_ unit: SourceUnit, kind: any SourceKind, cursor: CursorTarget?, run: StepRun,
                      counts: inout JobRunStore.StepCounts) async throws
    {
        let warehouse = run.warehouse
        let context = ImportContext(warehouse: warehouse, beforeCommit: cursor?.hook(logger: warehouse.logger),
                                    qualityTests: run.qualityTests)
        let report = try await kind.load(unit, options: options, context: context)
        for warning in report.warnings { run.report("  \(warning)") }
        guard let batchID = report.loadedBatch else {
            // Loaded before (or a message already accepted): that covers the cursor too, and there is no load
            // transaction to move it in.
            counts.filesAlready += 1
            if let cursor {
                try await JobRunStore(warehouse: warehouse).advanceCursor(
                    jobID: cursor.jobID, stream: cursor.stream, file: cursor.file, batchID: report.batchID)
            }
            return
        }
        counts.filesLoaded += 1
        counts.recordsLoaded += report.loaded
        counts.recordsQuarantined += report.quarantined
        if !report.failedQualityTests.isEmpty {
            throw HubError(.malformedInput, "data-quality test(s) failed on batch \(batchID): "
                               + report.failedQualityTests.joined(separator: ", ") + " (see ops.quality_results)",
                           location: SourceLocation(source: unit.name))
        }
    }

    /// Where a loaded file moves its stream's cursor.
    struct CursorTarget: Sendable {
        var jobID: String
        var stream: String
        var file: String

        /// Advances the cursor inside the file's load transaction.
        func hook(logger: Logger) -> LoadCommitHook {
            { connection, batchID in
                try await JobRunStore.advanceCursor(jobID: jobID, stream: stream, file: file, batchID: batchID,
                                                    on: connection, logger: logger)
            }
        }
    }
}
