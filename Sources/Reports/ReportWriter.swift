#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// The reports a job (its `report` step) or a person writes: the warehouse's reports as CSV files, for the
/// morning, and the accountants' reconciliation workbook.
///
/// CSV by hand (RFC 4180 quoting, UTF-8 with a byte-order mark so that Excel reads Cyrillic): writing is a
/// few lines, and none of the available packages is worth a dependency for it.
package enum ReportWriter {
    /// The reports a job can write.
    package static let names = ["bank-days", "top-counterparties", "invoice-summary"]
    /// The accountants' reconciliation workbook (`ReconciliationReportFile`), written as XLSX or CSV files.
    package static let reconciliation = "reconciliation"

    /// Writes report `name` to `path`; the rows written. The reconciliation workbook covers the booking days
    /// `from`…`to` and is XLSX for a `.xlsx` path, else a folder of CSV files; it fails, once written, when its
    /// totals do not tie out.
    package static func write(_ name: String, to path: String, days: ClosedRange<CalendarDate>,
                              warehouse: Warehouse) async throws -> Int {
        guard name == reconciliation else { return try await write(name, to: path, warehouse: warehouse) }
        let report = try await ReconciliationReport.read(warehouse, from: days.lowerBound, to: days.upperBound)
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try ReconciliationReportFile.write(report, format: path.hasSuffix(".xlsx") ? .xlsx : .csv, to: path)
        if report.totals.contains(where: { !$0.tiesOut }) {
            throw HubError(.io, "the reconciliation report does not tie out (see its Summary sheet)",
                           location: SourceLocation(source: path))
        }
        return report.sheets.dropFirst().reduce(0) { $0 + $1.rows.count }
    }

    /// Writes report `name` to `path` (through a temporary file renamed into place); the number of rows.
    ///
    /// Text cells go through `CSVText.line`, which puts a `'` before a leading `=`, `+`, `-`, `@`, tab or CR
    /// (a counterparty named `=HYPERLINK(…)` must not become a live formula when Excel opens the file);
    /// amounts and counts are `.number` cells and stay numbers.
    package static func write(_ name: String, to path: String, warehouse: Warehouse) async throws -> Int {
        let (header, rows) = try await table(name, warehouse: warehouse)
        var text = "\u{FEFF}" + CSVText.line(header.map(CSVCell.text))
        for row in rows { text += CSVText.line(row) }
        try writeAtomically(text, to: path)
        return rows.count
    }

    /// Writes `text` to `path` through a temporary file beside it, renamed into place.
    package static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: temporary)
        } catch {
            throw HubError.fileSystem(error, cannot: "write the file", path: path)
        }
        // rename(2) replaces an older report atomically: a reader never sees half a file.
        guard rename(temporary.path, url.path) == 0 else {
            throw HubError(.io, "cannot move the report into place: \(String(cString: strerror(errno)))",
                           location: SourceLocation(source: path))
        }
    }

    package static func table(_ name: String, warehouse: Warehouse) async throws -> (header: [String], rows: [[CSVCell]]) {
        switch name {
        case "bank-days":
            let report = try await StatementReport.read(warehouse)
            return (["account", "day", "currency", "opening", "in", "out", "closing", "payments", "matches_bank"],
                    report.days.map {
                        [.text($0.account), .text($0.date), .text($0.currency ?? ""), amount($0.opening),
                         .number($0.credited), .number($0.debited), amount($0.closing), .number(String($0.transactions)),
                         .text($0.matchesBank.map { $0 ? "yes" : "no" } ?? "")]
                    })
        case "top-counterparties":
            let report = try await StatementReport.read(warehouse, topCounterparties: 50)
            return (["counterparty", "inn", "in", "out", "payments"],
                    report.counterparties.map {
                        [.text($0.name), .text($0.inn ?? ""), .number($0.incoming), .number($0.outgoing),
                         .number(String($0.transactions))]
                    })
        default:
            let report = try await InvoiceSummaryReport.read(warehouse, limit: 100_000)
            return (["counterparty", "inn", "currency", "invoices", "invoiced", "paid_in_1c", "shipped"],
                    report.rows.map {
                        [.text($0.name), .text($0.inn ?? ""), .text($0.currency ?? ""), .number(String($0.invoices)),
                         .number($0.invoiced),
                         .number($0.paidIn1C), .number($0.shipped)]
                    })
        }
    }

    /// An amount that may be missing (a day without the bank's balance): an empty field then.
    private static func amount(_ text: String?) -> CSVCell {
        text.map(CSVCell.number) ?? .text("")
    }

    /// A row of text cells (headers, or a table of text), each protected like every other text cell.
    package static func csvLine(_ fields: [String]) -> String {
        CSVText.line(fields.map(CSVCell.text))
    }
}
