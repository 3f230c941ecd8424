import CRMWarehouse
import Foundation
import HubConfiguration
import HubCore
import Yams

/// The credit-bureau file's layout (`mappings/bureau-katm.yaml`): which records, in which order, each with its
/// code and its fields. Data, not code: KATM's real format is not public, and the bank's own definition must be
/// able to replace CRMHub's without a release.
package struct BureauLayout: Sendable {
    package struct Field: Sendable {
        package var source: String
        package var required: Bool
        /// The source's position among its record kind's columns.
        package var column: Int
        package var kind: BureauExportStore.ValueKind
    }

    package struct Record: Sendable {
        package var source: BureauExportStore.RecordSource
        package var code: String
        package var fields: [Field]
    }

    package enum DateFormat: String, Sendable {
        case iso, dmy
    }

    package var layout: String
    package var version: String
    package var sender: String
    package var delimiter: String
    package var dateFormat: DateFormat
    package var records: [Record]
}

/// Reads a bureau layout like every configuration file: every problem at once with its line, unknown record kinds
/// and sources refused with a suggestion.
package enum BureauLayoutLoader {
    package static let defaultPath = "mappings/bureau-katm.yaml"
    static let topLevelKeys = ["version", "layout", "layout_version", "description", "sender", "delimiter",
                               "date_format", "records"]

    package static func isLayoutFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("bureau")
    }

    package static func load(_ text: String, file: String) -> (BureauLayout?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let layout = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : layout, reader.diagnostics)
    }

    package static func load(path: String) throws -> BureauLayout {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HubError(.configuration, "no bureau layout file: pass --layout FILE, or run from the CRMHub checkout, "
                               + "whose mappings/bureau-katm.yaml is the bundled layout", location: SourceLocation(source: path))
        }
        let (layout, diagnostics) = load(String(decoding: data, as: UTF8.self), file: path)
        guard let layout else {
            throw HubError(.configuration, "the bureau layout has errors:\n"
                               + diagnostics.map(\.description).joined(separator: "\n"))
        }
        return layout
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> BureauLayout? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "a bureau layout file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads bureau layouts of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        let name = reader.string(reader.required("layout", in: entries, parent: root, place: place), "layout")
        let version = reader.string(reader.required("layout_version", in: entries, parent: root, place: place),
                                    "layout_version")
        let sender = reader.string(entries["sender"]?.value, "sender") ?? ""
        let delimiterNode = entries["delimiter"]?.value
        let delimiter = reader.string(delimiterNode, "delimiter") ?? "|"
        if delimiter.count != 1 || delimiter == "\n" || delimiter == "\r" {
            reader.error(at: delimiterNode, "delimiter must be one character such as | or ;")
        }
        let dateFormat = reader.choice(entries["date_format"]?.value, "date_format", allowed: ["iso", "dmy"])
            .flatMap(BureauLayout.DateFormat.init(rawValue:)) ?? .iso
        guard let recordsNode = reader.required("records", in: entries, parent: root, place: place),
              let items = recordsNode.sequence, !items.isEmpty else {
            if let node = entries["records"]?.value { reader.error(at: node, "records must be a list of records") }
            return nil
        }
        var records: [BureauLayout.Record] = []
        var codes: Set<String> = []
        let kinds = BureauExportStore.allKinds
        for item in items {
            guard let record = self.record(item, kinds: kinds, reader: &reader) else { continue }
            if !codes.insert(record.code).inserted {
                reader.error(at: item, "record code \(record.code) is used twice: each record needs its own")
            }
            records.append(record)
        }
        for needed in ["contract", "trailer"] where !records.contains(where: { $0.source.kind == needed }) {
            reader.error(at: recordsNode, "records must include a \(needed) record")
        }
        guard let name, let version else { return nil }
        return BureauLayout(layout: name, version: version, sender: sender, delimiter: delimiter,
                            dateFormat: dateFormat, records: records)
    }

    private static func record(_ node: Node, kinds: [BureauExportStore.RecordSource],
                               reader: inout ConfigReader) -> BureauLayout.Record? {
        guard let entries = reader.mapping(node, known: ["record", "code", "fields"], in: "a record") else { return nil }
        guard let kindName = reader.choice(reader.required("record", in: entries, parent: node, place: "a record"),
                                           "record", allowed: kinds.map(\.kind)),
              let source = kinds.first(where: { $0.kind == kindName }),
              let code = reader.string(reader.required("code", in: entries, parent: node, place: "a record"),
                                       "record \(kindName) code"),
              let fieldsNode = reader.required("fields", in: entries, parent: node, place: "a record"),
              let items = fieldsNode.sequence, !items.isEmpty else { return nil }
        var fields: [BureauLayout.Field] = []
        let names = source.columns.map(\.name)
        for item in items {
            var sourceNode: Node? = item
            var required = true
            if item.mapping != nil {
                guard let field = reader.mapping(item, known: ["source", "required"], in: "a field of \(kindName)")
                else { continue }
                sourceNode = reader.required("source", in: field, parent: item, place: "a field of \(kindName)")
                required = reader.boolean(field["required"]?.value, "\(kindName) field required") ?? true
            }
            guard let name = reader.choice(sourceNode, "a field of \(kindName)", allowed: names),
                  let column = names.firstIndex(of: name) else { continue }
            fields.append(BureauLayout.Field(source: name, required: required, column: column,
                                             kind: source.columns[column].kind))
        }
        return BureauLayout.Record(source: source, code: code, fields: fields)
    }
}
