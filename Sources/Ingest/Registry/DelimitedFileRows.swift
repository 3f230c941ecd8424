import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// Streams a comma-separated file with a fixed header into a store's `ReferenceRowWriter`: the header checked
/// (a wrong one fails the file, naming what differs), each data line made into the store's fields by `fields` or
/// quarantined with its number and reason. Shared by the small files of fixed layout (exchange rates, registries,
/// loan contracts and operations).
enum DelimitedFileRows {
    static func stream(
        path: String, name: String, encoding: TextEncoding, columns: [String], recordKind: String,
        fields: (DelimitedTextFile.Row) -> Result<(line: Int, fields: [String?]), LineRejection>,
        into writer: inout ReferenceRowWriter
    ) async throws {
        var file = try DelimitedTextFile(path: path, encoding: encoding, delimiter: ",")
        var sawHeader = false
        var pending: [Result<(line: Int, fields: [String?]), LineRejection>] = []
        while try file.readChunk(emit: { item in
            switch item {
            case .rejected(let line, let reason, let text):
                pending.append(.failure(LineRejection(line: line, reason: reason, raw: text)))
            case .row(let row) where !sawHeader:
                sawHeader = true
                do throws(LineRejection) {
                    try row.checkHeader(columns)
                } catch {
                    throw HubError(.malformedInput, error.reason, location: SourceLocation(source: name, line: error.line))
                }
            case .row(let row):
                pending.append(fields(row))
            }
        }) {
            for result in pending { try await write(result, recordKind: recordKind, to: &writer) }
            pending.removeAll(keepingCapacity: true)
        }
        for result in pending { try await write(result, recordKind: recordKind, to: &writer) }
        if !sawHeader {
            throw HubError(.malformedInput, "the file is empty: it has no header line", location: SourceLocation(source: name))
        }
    }

    /// Stages a record's fields, or quarantines its rejection.
    static func write(_ result: Result<(line: Int, fields: [String?]), LineRejection>, recordKind: String,
                              to writer: inout ReferenceRowWriter) async throws {
        switch result {
        case .success(let row):
            try await writer.append(line: row.line, fields: row.fields)
        case .failure(let rejection):
            try await writer.quarantine(QuarantinedRecord(line: rejection.line, recordKind: recordKind,
                                                          reason: rejection.reason, field: rejection.field,
                                                          raw: rejection.raw))
        }
    }
}
