#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRMWarehouse
import Foundation
import HubCore

/// The `report` step: writes one of the warehouse's reports as a CSV file, for the morning.
///
/// CSV by hand (RFC 4180 quoting, UTF-8 with a byte-order mark so that Excel reads Cyrillic): writing is a
/// few lines, and none of the available packages is worth a dependency for it.
public enum ReportWriter {
    /// The reports a job can write.
    public static let names = ["bank-days", "top-counterparties", "invoice-summary"]
    /// The accountants' reconciliation workbook (`ReconciliationReportFile`), written as XLSX or CSV files.
    public static let reconciliation = "reconciliation"

    /// `reports/{date}/invoices.csv` → `reports/2026-11-22/invoices.csv`: `{date}` is the run's scheduled day in
    /// the job's zone, `{job}` the job's id.
    static func path(_ pattern: String, job: String, scheduledFor: Date, zone: TimeZone) -> String {
        let day = String(JobScheduler.localMinute(scheduledFor, in: zone).prefix(10))
        return pattern.replacingOccurrences(of: "{date}", with: day).replacingOccurrences(of: "{job}", with: job)
    }

    /// Writes report `name` to `path` (through a temporary file renamed into place); the number of rows.
    static func write(_ name: String, to path: String, warehouse: Warehouse) async throws -> Int {
        let (header, rows) = try await table(name, warehouse: warehouse)
        var text = "\u{FEFF}" + csvLine(header)
        for row in rows { text += csvLine(row) }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        try Data(text.utf8).write(to: temporary)
        // rename(2) replaces an older report atomically: a reader never sees half a file.
        guard rename(temporary.path, url.path) == 0 else {
            throw HubError(.io, "cannot move the report into place: \(String(cString: strerror(errno)))",
                           location: SourceLocation(source: path))
        }
        return rows.count
    }

    static func table(_ name: String, warehouse: Warehouse) async throws -> (header: [String], rows: [[String]]) {
        switch name {
        case "bank-days":
            let report = try await StatementReport.read(warehouse)
            return (["account", "day", "currency", "opening", "in", "out", "closing", "payments", "matches_bank"],
                    report.days.map {
                        [$0.account, $0.date, $0.currency ?? "", $0.opening ?? "", $0.credited, $0.debited,
                         $0.closing ?? "", String($0.transactions), $0.matchesBank.map { $0 ? "yes" : "no" } ?? ""]
                    })
        case "top-counterparties":
            let report = try await StatementReport.read(warehouse, topCounterparties: 50)
            return (["counterparty", "inn", "in", "out", "payments"],
                    report.counterparties.map {
                        [$0.name, $0.inn ?? "", $0.incoming, $0.outgoing, String($0.transactions)]
                    })
        default:
            let report = try await InvoiceSummaryReport.read(warehouse, limit: 100_000)
            return (["counterparty", "inn", "invoices", "invoiced", "paid_in_1c", "shipped"],
                    report.rows.map { [$0.name, $0.inn ?? "", String($0.invoices), $0.invoiced, $0.paidIn1C, $0.shipped] })
        }
    }

    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") + "\r\n"
    }
}
