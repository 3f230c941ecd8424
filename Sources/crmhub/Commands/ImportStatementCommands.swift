import ArgumentParser
import Connectors
import Foundation
import HubCore
import Ingest
import Scheduler

struct ImportCamt053Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank-camt053",
        abstract: "Load ISO 20022 camt.053 bank statements (XML, versions .02 to .08 and later).",
        discussion: reflow("""
            Reads the bank-to-customer statements banks send as ISO 20022 XML (camt.053; camt.054 notifications
            too). The version is taken from the file's namespace. Every booked line becomes one movement on your
            account: a batch entry (a payment agent's settlement, say) becomes one movement per payment in it,
            each keeping the entry's reference. Returns and reversals are marked as such, and structured
            remittance (invoice numbers and amounts the payer listed) is kept for reconciliation.

            Safe to repeat: a file already loaded is skipped, and a booking already loaded from another file —
            the same day as MT940, say — is recognised by the bank's reference and not added twice. Lines not
            booked yet (PDNG, INFO) are left out. An entry that cannot be read is set aside in ops.quarantine
            with its line and the rest loads; the command then ends with exit code 3.

            Example: crmhub import bank-camt053 statements/camt053_2025-03-14.xml
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Statement files to load, in the order given.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one statement file") }
    }

    func run() async throws {
        try await ImportStatementFiles.run(.camt053, files: files, encoding: nil, options: options)
    }
}

struct ImportMT940Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank-mt940",
        abstract: "Load SWIFT MT940 bank statements (with or without SWIFT blocks).",
        discussion: reflow("""
            Reads MT940 customer statements as banks export them: with the SWIFT envelope ({1:…}{2:…}{4: … -})
            or without, one or many statements per file, in Windows-1251, DOS (CP866) or UTF-8 — detected from
            the bytes unless --encoding says otherwise. Each :61: line becomes one movement; its :86: details
            give the counterparty (/ORDP/, /BENM/, /INN/) and the purpose (/REMI/), with lines the bank wrapped
            joined back together.

            Safe to repeat, like bank-camt053: the bank's reference (//… in :61:) identifies a booking, so the
            same day received as camt.053 and as MT940 is stored once.

            Example: crmhub import bank-mt940 --encoding cp1251 statements/2025-03-14.sta
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The file's encoding when the bank is known to send one: utf8, cp1251 or cp866.",
                               valueName: "encoding"))
    var encoding: String?

    @Argument(help: ArgumentHelp("Statement files to load, in the order given.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one statement file") }
        if let encoding, TextEncoding(declared: encoding) == nil {
            throw ValidationError("unknown encoding '\(encoding)': use utf8, cp1251 or cp866")
        }
    }

    func run() async throws {
        try await ImportStatementFiles.run(.mt940, files: files, encoding: encoding.flatMap(TextEncoding.init(declared:)),
                                           options: options)
    }
}

enum ImportStatementFiles {
    static func run(_ format: StatementFileImporter.Format, files: [String], encoding: TextEncoding?,
                    options: GlobalOptions) async throws {
        for file in files { _ = try InputPath.check(file) }
        let progress = ProgressLine()
        let outcome = try await options.withMigratedWarehouse { warehouse in
            let importer = StatementFileImporter(format: format, warehouse: warehouse, progress: progress.handler(),
                                                 encoding: encoding)
            return await ImportRun.run(files: files) { try await importer.importFile(path: $0) }
        }
        if let code = outcome.exitCode { throw code }
    }
}
