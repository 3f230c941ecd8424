import HubCore
import CRMWarehouse
import Foundation
import HubConfiguration
import Ingest
import Yams

/// Reads `mappings/*.yaml`: for now, the data-quality tests run on every batch just loaded (docs/mappings.md).
/// The same reader as job files: versioned, unknown keys refused with a suggestion, positions in every message.
package enum MappingFileLoader {
    static let topLevelKeys = ["version", "description", "tests"]
    static let testKeys = ["name", "table", "column", "unique", "not_null", "relationships", "accepted_values",
                           "severity", "threshold"]
    static let kinds = ["unique", "not_null", "relationships", "accepted_values"]

    /// The tests in `text` (from `file`), or nil when it has errors; the diagnostics either way.
    package static func load(_ text: String, file: String) -> ([QualityTest]?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let tests = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : tests, reader.diagnostics)
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> [QualityTest] {
        guard let root = reader.root(of: text) else { return [] }
        Secrets.check(root, reader: &reader)
        let place = "a mapping file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return [] }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           reader.integer(version, "version", atLeast: 1) != nil, version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads mapping files of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        guard let list = reader.required("tests", in: entries, parent: root, place: place) else { return [] }
        guard let sequence = list.sequence else {
            reader.error(at: list, "tests must be a list")
            return []
        }
        var tests: [QualityTest] = []
        var names: Set<String> = []
        for (index, node) in sequence.enumerated() {
            guard let test = self.test(node, index: index + 1, reader: &reader) else { continue }
            if !names.insert(test.name).inserted {
                reader.error(at: node, "test name '\(test.name)' is used twice in this file")
            }
            tests.append(test)
        }
        return tests
    }

    private static func test(_ node: Node, index: Int, reader: inout ConfigReader) -> QualityTest? {
        let place = "test \(index)"
        guard let entries = reader.mapping(node, known: testKeys, in: place) else { return nil }
        let tableNode = reader.required("table", in: entries, parent: node, place: place)
        let table = reader.choice(tableNode, "\(place) table", allowed: SourceKinds.testableTables.keys.sorted())
        let columnNode = reader.required("column", in: entries, parent: node, place: place)
        var column = reader.string(columnNode, "\(place) column")
        if let table, let name = column, !SourceKinds.testableTables[table]!.contains(name) {
            reader.error(at: columnNode, "\(table) has no column '\(name)' that tests can use"
                             + Suggestion.didYouMean(name, in: SourceKinds.testableTables[table]!))
            column = nil
        }
        let given = kinds.filter { entries[$0] != nil }
        guard given.count == 1, let kindName = given.first else {
            reader.error(at: node, "\(place) needs exactly one of \(kinds.joined(separator: ", "))"
                             + (given.count > 1 ? ", not \(given.count)" : ""))
            return nil
        }
        let kindNode = entries[kindName]!.value
        var kind: QualityTest.Kind?
        switch kindName {
        case "unique", "not_null":
            if kindNode.scalar?.string != "true" {
                reader.error(at: kindNode, "write '\(kindName): true'")
            }
            kind = kindName == "unique" ? .unique : .notNull
        case "relationships":
            if let target = reader.mapping(kindNode, known: ["to", "field"], in: "\(place) relationships") {
                let toNode = reader.required("to", in: target, parent: kindNode, place: "relationships")
                let fieldNode = reader.required("field", in: target, parent: kindNode, place: "relationships")
                let to = reader.choice(toNode, "relationships to", allowed: SourceKinds.testableTables.keys.sorted())
                let field = reader.string(fieldNode, "relationships field")
                if let to, let field {
                    if SourceKinds.testableTables[to]!.contains(field) {
                        kind = .relationships(table: to, column: field)
                    } else {
                        reader.error(at: fieldNode, "\(to) has no column '\(field)' that tests can use"
                                         + Suggestion.didYouMean(field, in: SourceKinds.testableTables[to]!))
                    }
                }
            }
        default:
            if let values = kindNode.sequence, !values.isEmpty {
                let texts = values.compactMap { reader.string($0, "accepted value") }
                if texts.count == values.count { kind = .acceptedValues(texts) }
            } else {
                reader.error(at: kindNode, "accepted_values must be a list of values")
            }
        }
        let severityText = reader.choice(entries["severity"]?.value, "\(place) severity", allowed: ["warn", "error"])
        let threshold = reader.integer(entries["threshold"]?.value, "\(place) threshold", atLeast: 0) ?? 0
        guard let table, let column, let kind else { return nil }
        let name = reader.string(entries["name"]?.value, "\(place) name") ?? "\(table).\(column) \(kindName)"
        let line = node.mark?.line ?? 1
        return QualityTest(name: name, table: table, column: column, kind: kind,
                           severity: severityText.flatMap(QualityTest.Severity.init(rawValue:)) ?? .error,
                           threshold: threshold, definedAt: "\(reader.file):\(line)")
    }
}
