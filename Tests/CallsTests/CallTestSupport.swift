import Calls
import Connectors
import Foundation
import HubCore
import Testing

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func samplePath(_ name: String) -> String { repositoryRoot.appendingPathComponent("samples/calls/\(name)").path }

/// The repository's mappings/calls.yaml.
func repositorySettings() throws -> CallSettings {
    try CallSettingsLoader.load(path: repositoryRoot.appendingPathComponent("mappings/calls.yaml").path)
}

/// Every row of a delimited file.
func rows(_ path: String, delimiter: Character) throws -> [DelimitedTextFile.Row] {
    var file = try DelimitedTextFile(path: path, encoding: .utf8, delimiter: delimiter)
    var rows: [DelimitedTextFile.Row] = []
    while try file.readChunk(emit: { item in
        if case .row(let row) = item { rows.append(row) }
    }) {}
    return rows
}

/// The legs of a file grouped into calls and classified, by entry id.
func classified(_ legs: [CallLegRow], settings: CallSettings) -> [String: CallRow] {
    let classifier = CallClassifier(settings: settings)
    var calls: [String: CallRow] = [:]
    for (entry, group) in Dictionary(grouping: legs, by: \.entryID) { calls[entry] = classifier.classify(group) }
    return calls
}

/// A leg for rule tests: times in seconds after a fixed start.
func leg(_ entry: String = "E", start: Int64, answer: Int64? = nil, end: Int64, fromExtension: String? = nil,
         from: String? = "998901112233", toExtension: String? = nil, to: String? = "998712000000",
         reason: Int? = nil, disposition: String? = nil, location: String? = "abonent", application: String? = nil,
         source: String = "stats", line: Int = 1) -> CallLegRow {
    let base: Int64 = 1_741_579_200
    return CallLegRow(pbx: "mango", entryID: entry, legSource: source, legKey: Int64(line), startedAt: base + start,
                      answeredAt: answer.map { base + $0 }, endedAt: base + end, fromExtension: fromExtension,
                      fromNumber: from, toExtension: toExtension, toNumber: to, disconnectReason: reason,
                      disposition: disposition, location: location, lineNumber: "998712000000",
                      application: application, raw: "line \(line)", sourceLine: line)
}
