import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `bank-camt053` and `bank-mt940`: ISO 20022 and SWIFT statements, through `StatementFileImporter`.
struct StatementFileSourceKind: SourceKind {
    let format: StatementFileImporter.Format

    var id: String { format.rawValue }

    var summary: String {
        switch format {
        case .camt053: "ISO 20022 camt.053 bank statements (XML, versions .02 to .14; camt.054 too)."
        case .mt940: "SWIFT MT940 bank statements (with or without SWIFT blocks)."
        }
    }

    var help: String {
        switch format {
        case .camt053: """
            Reads the bank-to-customer statements banks send as ISO 20022 XML (camt.053; camt.054 notifications \
            too). The version is taken from the file's namespace. Every booked line becomes one movement on your \
            account: a batch entry (a payment agent's settlement, say) becomes one movement per payment in it, \
            each keeping the entry's reference. Returns and reversals are marked as such, and structured \
            remittance (invoice numbers and amounts the payer listed) is kept for reconciliation.

            Safe to repeat: a file already loaded is skipped, and a booking already loaded from another file — \
            the same day as MT940, say — is recognised by the bank's reference and not added twice. Lines not \
            booked yet (PDNG, INFO) are left out. An entry that cannot be read is set aside in ops.quarantine \
            with its line and the rest loads; the command then ends with exit code 3.
            """
        case .mt940: """
            Reads MT940 customer statements as banks export them: with the SWIFT envelope ({1:…}{2:…}{4: … -}) \
            or without, one or many statements per file, in Windows-1251, DOS (CP866) or UTF-8 — detected from \
            the bytes unless --encoding says otherwise. Each :61: line becomes one movement; its :86: details \
            give the counterparty (/ORDP/, /BENM/, /INN/) and the purpose (/REMI/), with lines the bank wrapped \
            joined back together.

            Safe to repeat, like bank-camt053: the bank's reference (//… in :61:) identifies a booking, so the \
            same day received as camt.053 and as MT940 is stored once.
            """
        }
    }

    var example: String {
        switch format {
        case .camt053: "crmhub import bank-camt053 statements/camt053_2025-03-14.xml"
        case .mt940: "crmhub import bank-mt940 --encoding cp1251 statements/2025-03-14.sta"
        }
    }

    static let encoding = SourceOption(
        key: "encoding", type: .choice(["utf8", "cp1251", "cp866"]), valueName: "encoding",
        help: "The file's encoding when the bank is known to send one: utf8, cp1251 or cp866 (default: detected "
            + "from the bytes).")

    var options: [SourceOption] { format == .mt940 ? [Self.encoding] : [] }
    var units: UnitDiscovery { .files("statement files") }
    var tables: [WarehouseTable] { StatementTables.all }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let encoding = options.value(of: Self.encoding).flatMap(TextEncoding.init(declared:))
        let result = try await StatementFileImporter(format: format, warehouse: context.warehouse,
                                                     progress: context.progress, encoding: encoding)
            .importFile(path: unit.path, sourceName: unit.name, beforeCommit: context.beforeCommit)
        return result.report(kind: id, unit: unit)
    }
}
