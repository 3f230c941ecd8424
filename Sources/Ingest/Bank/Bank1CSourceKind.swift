import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `bank-1c`: statements in the 1C client-bank format (`kl_to_1c.txt`), through `BankStatementImporter`.
struct Bank1CSourceKind: SourceKind {
    let id = BankStatementImporter.sourceKind
    let summary = "Bank statements in the 1C client-bank format (kl_to_1c.txt)."
    let help = """
        Reads the text files a bank-client program exports for 1C:Accounting ("1CClientBankExchange"), in \
        Windows-1251, DOS (CP866) or UTF-8 — the encoding is detected from the file itself. Every payment \
        becomes one movement on your account with its direction (in/out), amount, counterparty and purpose; \
        the balance sections become daily balances, checked opening + in − out = closing.

        Safe to repeat: a file already loaded is recognised and skipped, and a statement that overlaps earlier \
        ones (the same payments again) adds only the payments that are new. A payment that cannot be read (a \
        bad amount or date, a missing end marker) is set aside with its line number — see ops.quarantine — and \
        the rest of the file is loaded; the command then ends with exit code 3.
        """
    let example = "crmhub import bank-1c statements/kl_to_1c.txt statements/2024-04/*.txt"
    let options: [SourceOption] = []
    let units = UnitDiscovery.files("statement files")
    var tables: [WarehouseTable] { StatementTables.all }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let result = try await BankStatementImporter(warehouse: context.warehouse, progress: context.progress)
            .importFile(path: unit.path, sourceName: unit.name, beforeCommit: context.beforeCommit)
        return result.report(kind: id, unit: unit)
    }
}

/// The tables every bank statement kind writes.
enum StatementTables {
    static let all = [
        WarehouseTable("core.bank_transactions", testableColumns: [
            "id", "account", "direction", "doc_kind", "doc_number", "doc_date", "booked_on", "amount", "currency",
            "counterparty_inn", "counterparty_pinfl", "counterparty_name", "counterparty_account",
            "counterparty_bank_code", "purpose", "payment_code", "batch_id",
        ]),
        WarehouseTable("core.bank_balances"),
        WarehouseTable("raw.bank_statement_files"),
    ]
}

extension ImportResult {
    /// The registry's report of a statement import (all three statement kinds).
    func report(kind: String, unit: SourceUnit) -> ImportReport {
        switch outcome {
        case .alreadyLoaded(let batchID, let finishedAt):
            return ImportReport(kind: kind, unit: unit, outcome: .alreadyLoaded(finishedAt: finishedAt),
                                batchID: batchID, headline: encoding.rawValue, seconds: seconds)
        case .loaded(let counts):
            var report = ImportReport(kind: kind, unit: unit, loaded: counts, headline: encoding.rawValue,
                                      seconds: seconds, quarantineSamples: quarantineSamples)
            if encodingMismatch {
                report.warnings.append("\(unit.name): Кодировка=\(declaredEncoding ?? "") but the bytes are "
                                       + "\(encoding.rawValue); read as \(encoding.rawValue)")
            }
            return report
        }
    }
}
