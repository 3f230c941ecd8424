import CRMWarehouse
import Crypto
import Foundation
import HubCore

/// `crmhub export bureau`: the credit-bureau file of a reporting date, in the layout's records and fields,
/// checked before it is written and closed by a trailer of control totals that tie to the warehouse: the
/// contracts' outstanding principal and the overdue amounts of the day's arrears snapshot.
///
/// Written to a hidden file beside the target and renamed into place only when every record passed its checks
/// and the submission is recorded (`ops.bureau_submissions`); a file with a problem is not written at all, and
/// the problems are listed, contract by contract.
package enum BureauExport {
    package struct Summary: Sendable {
        package var submission: String
        package var path: String
        package var records: [String: Int]
        package var contracts: Int
        package var outstanding: String
        package var overdue: String
    }

    /// The most problems listed in the error (all are counted).
    static let problemsShown = 20

    /// `layout` and `settings` are read by the caller before it opens the warehouse: a wrong file fails at once.
    package static func write(warehouse: Warehouse, on date: CalendarDate, layout: BureauLayout,
                              settings: (settings: LoanSettings, sha256: String), to path: String) async throws -> Summary {
        _ = try await LoanArrearsRun.snapshot(warehouse: warehouse, on: date, settings: settings)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        var summary: Summary?
        do {
            let (_, submission) = try await BureauExportStore(warehouse: warehouse).export(
                on: date, layout: layout.layout, layoutVersion: layout.version, fileName: url.lastPathComponent
            ) { export in
                var file = try BureauFileWriter(path: partial.path, layout: layout)
                try await file.write(export, date: date)
                let written = try file.finish()
                summary = Summary(submission: export.submission, path: path, records: written.records,
                                  contracts: written.contracts, outstanding: written.outstanding,
                                  overdue: written.overdue)
                return written
            }
            guard rename(partial.path, url.path) == 0 else {
                throw HubError(.io, "cannot move the bureau file into place: \(String(cString: strerror(errno)))",
                               location: SourceLocation(source: path))
            }
            summary?.submission = submission
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        return summary!
    }
}

/// Writes one bureau file line by line, checking each field by its kind, counting records and control totals.
struct BureauFileWriter {
    let layout: BureauLayout
    let handle: FileHandle
    var buffer = Data()
    var hasher = SHA256()
    var records: [String: Int] = [:]
    var lines = 0
    var contracts = 0
    var outstanding: Int64 = 0
    var overdue: Int64 = 0
    var problems: [String] = []

    init(path: String, layout: BureauLayout) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw HubError.fileSystem(cannot: "write the bureau file", path: path)
        }
        self.handle = handle
        self.layout = layout
    }

    mutating func write(_ export: BureauExportStore.Export, date: CalendarDate) async throws {
        for record in layout.records {
            switch record.source.kind {
            case "header":
                let today = CalendarDate(isoDate: String(ISO8601DateFormatter().string(from: Date()).prefix(10)))!
                try line(record, [export.submission, layout.sender, date.iso, today.iso, layout.version],
                         contract: "header")
            case "trailer":
                continue
            default:
                let source = record.source
                let contractColumn = source.columns.firstIndex { $0.name == "contract_number" }!
                let outstandingColumn = source.columns.firstIndex { $0.name == "outstanding_principal" }
                let overdueColumn = source.columns.firstIndex { $0.name == "overdue_amount" }
                var failure: Error?
                try await export.rows(source) { values in
                    do {
                        try line(record, values, contract: values[contractColumn] ?? "?")
                        if source.kind == "contract" {
                            contracts += 1
                            outstanding += outstandingColumn.flatMap { values[$0] }.flatMap(Tiyin.parse) ?? 0
                        }
                        if source.kind == "overdue" {
                            overdue += overdueColumn.flatMap { values[$0] }.flatMap(Tiyin.parse) ?? 0
                        }
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
            }
        }
        if let trailer = layout.records.first(where: { $0.source.kind == "trailer" }) {
            // The trailer counts itself among the records.
            try line(trailer, [String(lines + 1), String(contracts), Tiyin.text(outstanding), Tiyin.text(overdue)],
                     contract: "trailer")
        }
    }

    /// One record's line from its source's values; a field that fails its check is listed, not written.
    mutating func line(_ record: BureauLayout.Record, _ values: [String?], contract: String) throws {
        var fields = [record.code]
        for field in record.fields {
            let value = values[field.column] ?? ""
            if let problem = check(value, field) {
                problems.append("\(contract): \(record.source.kind) \(field.source): \(problem)")
                fields.append("")
                continue
            }
            fields.append(field.kind == .date && !value.isEmpty ? format(date: value) : value)
        }
        let text = fields.joined(separator: layout.delimiter) + "\r\n"
        let bytes = Data(text.utf8)
        hasher.update(data: bytes)
        buffer.append(bytes)
        lines += 1
        records[record.code, default: 0] += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func check(_ value: String, _ field: BureauLayout.Field) -> String? {
        if value.isEmpty { return field.required ? "required, but empty" : nil }
        if value.contains(layout.delimiter) || value.contains("\n") || value.contains("\r") {
            return "'\(value.escapingControlCharacters())' holds the delimiter or a line break"
        }
        switch field.kind {
        case .identifier:
            let digits = value.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            return digits && (value.utf8.count == 9 || value.utf8.count == 14) ? nil
                : "'\(value)' is neither an INN (9 digits) nor a PINFL (14)"
        case .date:
            return CalendarDate(isoDate: value) == nil ? "'\(value)' is not a date" : nil
        case .amount:
            return Decimal(plainText: value) == nil ? "'\(value)' is not an amount" : nil
        case .whole:
            return Int(value) == nil ? "'\(value)' is not a whole number" : nil
        case .text:
            return nil
        }
    }

    func format(date iso: String) -> String {
        guard layout.dateFormat == .dmy, let date = CalendarDate(isoDate: iso) else { return iso }
        return date.dottedDMY
    }

    mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Closes the file; throws the problems found, if any (then nothing is recorded).
    mutating func finish() throws -> BureauExportStore.Written {
        try flush()
        try handle.close()
        guard problems.isEmpty else {
            let shown = problems.prefix(BureauExport.problemsShown).map { "  " + $0 }.joined(separator: "\n")
            let more = problems.count > BureauExport.problemsShown
                ? "\n  … and \(problems.count - BureauExport.problemsShown) more" : ""
            throw HubError(.malformedInput, "the bureau file was not written: \(problems.count) field(s) failed their "
                               + "checks (fix them in the core banking system's files, or mark the field required: "
                               + "false in the layout):\n" + shown + more)
        }
        return BureauExportStore.Written(
            sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(), records: records,
            contracts: contracts, outstanding: Tiyin.text(outstanding), overdue: Tiyin.text(overdue))
    }
}
