import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `fx-rates`: the central bank's exchange rates (`ExchangeRateFile`), which reconciliation uses for a payment in
/// another currency than its invoice when the bank gives no conversion of its own.
struct ExchangeRateSourceKind: SourceKind {
    var id: String { "fx-rates" }
    var summary: String { "The central bank's exchange rates by day, for payments in another currency (CSV)." }
    var help: String {
        """
        Reads the central bank's rates: the first line must be exactly \(ExchangeRateFile.columns.joined(separator: ",")) \
        (comma-separated, UTF-8 or Windows-1251), then one rate per line, e.g. 2025-03-14,USD,12650.37,1 — rate \
        units of the base currency (UZS; foreign_currency in mappings/reconciliation.yaml) for nominal units of \
        the currency. Dates as YYYY-MM-DD or DD.MM.YYYY; an empty nominal is 1.

        crmhub reconcile converts a payment in another currency than its payer's invoices at the rate of its \
        booking day (or the latest earlier one, up to rate_max_age_days), unless the bank's statement states its \
        own conversion (camt AmtDtls/InstdAmt), which wins. A later file replaces the rate of the same currency \
        and day; the same file again changes nothing. A line that cannot be read is set aside in ops.quarantine \
        with its line number and the rest loads (exit code 3).
        """
    }
    var example: String { "crmhub import fx-rates rates/cbu-2025-03.csv" }
    var options: [SourceOption] { [] }
    var units: UnitDiscovery { .files("rate files") }
    var tables: [WarehouseTable] {
        [WarehouseTable("core.fx_rates", testableColumns: ["currency", "rate_date", "rate", "nominal", "batch_id"])]
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let scan = try SourceFileScan.scan(path: unit.path, name: unit.name, progress: context.progress,
                                           started: started, sniffEncoding: true)
        let source = BatchSource(sourceKind: id, sourceName: unit.name, sha256: scan.sha256,
                                 byteCount: scan.byteCount, encoding: scan.encoding.rawValue)
        let (path, name, encoding) = (unit.path, unit.name, scan.encoding)
        let outcome = try await ExchangeRateStore(warehouse: context.warehouse).load(
            source, beforeCommit: context.beforeCommit
        ) { writer in
            var file = try DelimitedTextFile(path: path, encoding: encoding, delimiter: ",")
            var sawHeader = false
            var pending: [Result<ExchangeRateFile.Record, LineRejection>] = []
            while try file.readChunk(emit: { item in
                switch item {
                case .rejected(let line, let reason, let text):
                    pending.append(.failure(LineRejection(line: line, reason: reason, raw: text)))
                case .row(let row) where !sawHeader:
                    sawHeader = true
                    do throws(LineRejection) {
                        try row.checkHeader(ExchangeRateFile.columns)
                    } catch {
                        throw HubError(.malformedInput, error.reason,
                                       location: SourceLocation(source: name, line: error.line))
                    }
                case .row(let row):
                    pending.append(ExchangeRateFile.record(row))
                }
            }) {
                for result in pending { try await Self.write(result, to: &writer) }
                pending.removeAll(keepingCapacity: true)
            }
            for result in pending { try await Self.write(result, to: &writer) }
            if !sawHeader {
                throw HubError(.malformedInput, "the file is empty: it has no header line",
                               location: SourceLocation(source: name))
            }
        }
        return ImportReport(kind: id, unit: unit, file: outcome, headline: encoding.rawValue,
                            seconds: BankStatementImporter.seconds(since: started))
    }

    private static func write(_ result: Result<ExchangeRateFile.Record, LineRejection>,
                              to writer: inout ExchangeRateWriter) async throws {
        switch result {
        case .success(let rate):
            try await writer.append(currency: rate.currency, on: rate.date, rate: rate.rate.text,
                                    nominal: rate.nominal, line: rate.line)
        case .failure(let rejection):
            try await writer.quarantine(QuarantinedRecord(line: rejection.line, recordKind: "fx_rate",
                                                          reason: rejection.reason, field: rejection.field,
                                                          raw: rejection.raw))
        }
    }
}
