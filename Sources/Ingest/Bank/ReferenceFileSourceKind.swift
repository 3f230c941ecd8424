import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `fx-rates`, `payment-registry` and `bureau-response`: small CSV files of fixed layout — the central bank's
/// exchange rates (`ExchangeRateFile`) and payment agents' registries (`PaymentRegistryFile`), which
/// reconciliation reads beside the statements, and the credit bureau's answers (`BureauResponseFile`).
struct ReferenceFileSourceKind: SourceKind {
    let content: ReferenceFileStore.Content

    var id: String {
        switch content {
        case .exchangeRates: "fx-rates"
        case .paymentRegistry: "payment-registry"
        case .bureauResponses: "bureau-response"
        }
    }

    var summary: String {
        switch content {
        case .exchangeRates: "The central bank's exchange rates by day, for payments in another currency (CSV)."
        case .paymentRegistry: "A payment agent's registry: the payers one statement line pays for (CSV)."
        case .bureauResponses: "The credit bureau's answer to a file sent: each record accepted or rejected (CSV)."
        }
    }

    var columns: [String] {
        switch content {
        case .exchangeRates: ExchangeRateFile.columns
        case .paymentRegistry: PaymentRegistryFile.columns
        case .bureauResponses: BureauResponseFile.columns
        }
    }

    var help: String {
        let header = "The first line must be exactly \(columns.joined(separator: ",")) (comma-separated, UTF-8 or "
            + "Windows-1251); a wrong header fails the file, naming what differs."
        let repeats = "A later file replaces what an earlier one said for the same key; the same file again changes "
            + "nothing. A line that cannot be read is set aside in ops.quarantine with its line number and the rest "
            + "loads (exit code 3)."
        switch content {
        case .exchangeRates: return """
            Reads the central bank's rates, one per line, e.g. 2025-03-14,USD,12650.37,1 — rate units of the base \
            currency (UZS; foreign_currency in mappings/reconciliation.yaml) for nominal units of the currency. Dates \
            as YYYY-MM-DD or DD.MM.YYYY; an empty nominal is 1. \(header)

            crmhub reconcile converts a payment in another currency than its payer's invoices at the rate of its \
            booking day (or the latest earlier one, up to rate_max_age_days), unless the statement states the bank's \
            own conversion (camt AmtDtls/InstdAmt), which wins. \(repeats)
            """
        case .paymentRegistry: return """
            Reads the registry a payment agent sends with a line that pays for several payers: the registry's \
            reference as the agent writes it in the line's purpose or end-to-end id, its date, then per payer the \
            position, INN or PINFL, name, amount and own purpose (an invoice number, a contract). \(header)

            crmhub reconcile splits the line whose purpose or end-to-end id names the registry and whose amount \
            equals the registry's total (booked within 5 days of its date), and decides each payer on its own; a \
            registry that does not add up to the line is not used, and the line goes to review whole. \(repeats)
            """
        case .bureauResponses: return """
            Reads the credit bureau's answer to a file crmhub export bureau wrote, one record per line: the \
            submission's id (the file's header), the contract, the record's code (C, S, P, O, R, W), the line of \
            the file it is about (or empty), accepted or rejected, and for a rejection the bureau's reason code \
            and message. \(header)

            The answers land in core.bureau_responses; mart.bureau_contract_status shows per contract what the \
            latest answered submission accepted and rejected, and why. \(repeats)
            """
        }
    }

    var example: String {
        switch content {
        case .exchangeRates: "crmhub import fx-rates rates/cbu-2025-03.csv"
        case .paymentRegistry: "crmhub import payment-registry agents/reestr-20250315-02.csv"
        case .bureauResponses: "crmhub import bureau-response katm/answer-KATM-20250220-1.csv"
        }
    }

    var options: [SourceOption] { [] }
    var units: UnitDiscovery {
        switch content {
        case .exchangeRates: .files("rate files")
        case .paymentRegistry: .files("registry files")
        case .bureauResponses: .files("answer files")
        }
    }

    var tables: [WarehouseTable] {
        switch content {
        case .exchangeRates:
            [WarehouseTable("core.fx_rates", testableColumns: ["currency", "rate_date", "rate", "nominal", "batch_id"])]
        case .paymentRegistry:
            [WarehouseTable("core.payment_registry_entries", testableColumns: [
                "registry", "registry_date", "position", "payer_tax_id", "payer_name", "amount", "batch_id"])]
        case .bureauResponses:
            [WarehouseTable("core.bureau_responses", testableColumns: [
                "submission", "contract_number", "record", "file_line", "status", "reason_code", "batch_id"])]
        }
    }

    /// One data line as the store's payload fields, or why it cannot be read.
    func fields(_ row: DelimitedTextFile.Row) -> Result<(line: Int, fields: [String?]), LineRejection> {
        switch content {
        case .exchangeRates:
            ExchangeRateFile.record(row).map { rate in
                (rate.line, [rate.currency, rate.date.iso, rate.rate.text, String(rate.nominal)])
            }
        case .paymentRegistry:
            PaymentRegistryFile.entry(row).map { entry in
                (entry.line, [entry.registry, entry.date.iso, String(entry.position), entry.payerTaxID,
                              entry.payerName, entry.amount.text, entry.purpose])
            }
        case .bureauResponses:
            BureauResponseFile.answer(row).map { answer in
                (answer.line, [answer.submission, answer.contract, answer.record, String(answer.fileLine),
                               answer.status, answer.reasonCode, answer.message])
            }
        }
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let scan = try SourceFileScan.scan(path: unit.path, name: unit.name, progress: context.progress,
                                           started: started, sniffEncoding: true)
        let source = BatchSource(sourceKind: id, sourceName: unit.name, sha256: scan.sha256,
                                 byteCount: scan.byteCount, encoding: scan.encoding.rawValue)
        let recordKind = switch content {
        case .exchangeRates: "fx_rate"
        case .paymentRegistry: "registry_entry"
        case .bureauResponses: "bureau_answer"
        }
        let (path, name, encoding, columns) = (unit.path, unit.name, scan.encoding, columns)
        let kind = self
        let outcome = try await ReferenceFileStore(warehouse: context.warehouse).load(
            source, content: content, beforeCommit: context.beforeCommit
        ) { writer in
            try await DelimitedFileRows.stream(path: path, name: name, encoding: encoding, columns: columns,
                                               recordKind: recordKind, fields: kind.fields, into: &writer)
        }
        return ImportReport(kind: id, unit: unit, file: outcome, headline: encoding.rawValue,
                            seconds: BankStatementImporter.seconds(since: started))
    }
}
