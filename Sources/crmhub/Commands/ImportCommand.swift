import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Ingest
import Scheduler

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load source files into the warehouse.",
        subcommands: [ImportBank1CCommand.self, ImportCamt053Command.self, ImportMT940Command.self,
                      Import1CEnterpriseDataCommand.self, Import1CCommerceMLCommand.self]
    )
}

struct ImportBank1CCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank-1c",
        abstract: "Load bank statements in the 1C client-bank format (kl_to_1c.txt).",
        discussion: reflow("""
            Reads the text files a bank-client program exports for 1C:Accounting ("1CClientBankExchange"), in
            Windows-1251, DOS (CP866) or UTF-8 — the encoding is detected from the file itself. Every payment
            becomes one movement on your account with its direction (in/out), amount, counterparty and purpose;
            the balance sections become daily balances, checked opening + in − out = closing.

            Safe to repeat: a file already loaded is recognised and skipped, and a statement that overlaps
            earlier ones (the same payments again) adds only the payments that are new. A payment that cannot be
            read (a bad amount or date, a missing end marker) is set aside with its line number — see
            `ops.quarantine` — and the rest of the file is loaded; the command then ends with exit code 3.

            Example: crmhub import bank-1c statements/kl_to_1c.txt statements/2024-04/*.txt
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Statement files to load, in the order given.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one statement file") }
    }

    func run() async throws {
        for file in files { _ = try InputPath.check(file) }
        let progress = ProgressLine()
        let outcome = try await options.withMigratedWarehouse { warehouse in
            try await ImportRun.run(files: files, warehouse: warehouse, progress: progress)
        }
        if let code = outcome.exitCode { throw code }
    }
}

/// Imports files one after another and prints what happened, shared by `import` and `demo`.
enum ImportRun {
    struct Outcome: Sendable {
        var results: [ImportResult] = []
        var failures = 0

        var exitCode: ExitCode? {
            if failures > 0 { return ExitCode(1) }
            if results.contains(where: { ($0.counts?.quarantined ?? 0) > 0 }) { return ExitCode(3) }
            return nil
        }
    }

    static func run(files: [String], warehouse: Warehouse, progress: ProgressLine?) async throws -> Outcome {
        let importer = BankStatementImporter(warehouse: warehouse, progress: progress?.handler())
        return await run(files: files) { try await importer.importFile(path: $0) }
    }

    /// Imports each file with `importFile`, printing each result and the total.
    static func run(files: [String], importFile: (String) async throws -> ImportResult) async -> Outcome {
        var outcome = Outcome()
        outcome.failures = await eachFile(files, failure: "nothing from this file was saved") { file in
            let result = try await importFile(file)
            Terminal.clearStatus()
            outcome.results.append(result)
            printResult(result)
        }
        printTotal(outcome)
        return outcome
    }

    static func printResult(_ result: ImportResult) {
        switch result.outcome {
        case .alreadyLoaded(let batchID, let finishedAt):
            let when = finishedAt.map { " on \($0.formatted(.iso8601))" } ?? ""
            Terminal.print("\(result.sourceName): already loaded as batch \(batchID)\(when); nothing changed")
        case .loaded(let counts):
            Terminal.print(
                "\(result.sourceName): batch \(counts.batchID), \(result.encoding.rawValue): read \(counts.read), "
                    + "loaded \(counts.loaded), duplicates \(counts.duplicate), quarantined \(counts.quarantined) "
                    + String(format: "in %.2f s", result.seconds))
            if result.encodingMismatch {
                Terminal.warning("\(result.sourceName): Кодировка=\(result.declaredEncoding ?? "") but the bytes are "
                                 + "\(result.encoding.rawValue); read as \(result.encoding.rawValue)")
            }
            for sample in result.quarantineSamples {
                Terminal.print("  quarantined \(result.sourceName):\(sample.line): \(sample.reason)")
            }
            if counts.quarantined > result.quarantineSamples.count {
                Terminal.print("  … and \(counts.quarantined - result.quarantineSamples.count) more: "
                               + "SELECT * FROM ops.quarantine WHERE batch_id = \(counts.batchID)")
            }
        }
    }

    static func printTotal(_ outcome: Outcome) {
        let loaded = outcome.results.compactMap(\.counts)
        let read = loaded.reduce(0) { $0 + $1.read }
        let seconds = outcome.results.reduce(0) { $0 + $1.seconds }
        let rate = seconds > 0 ? Double(read) / seconds : 0
        let skipped = outcome.results.count - loaded.count
        Terminal.print(
            "Summary: \(outcome.results.count + outcome.failures) file(s): read \(Terminal.grouped(read)), "
                + "loaded \(Terminal.grouped(loaded.reduce(0) { $0 + $1.loaded })), "
                + "duplicates \(Terminal.grouped(loaded.reduce(0) { $0 + $1.duplicate })), "
                + "quarantined \(Terminal.grouped(loaded.reduce(0) { $0 + $1.quarantined })); "
                + (skipped > 0 ? "\(skipped) already loaded; " : "")
                + (outcome.failures > 0 ? "\(outcome.failures) FAILED; " : "")
                + String(format: "%.2f s, %@ records/s", seconds, Terminal.grouped(Int(rate))))
    }
}

/// Runs `body` for each file in turn. A file that fails is reported with its name (and what that means for
/// its data) and counted; the others still run. Returns the number of failures.
func eachFile(_ files: [String], failure: String, _ body: (String) async throws -> Void) async -> Int {
    var failures = 0
    for file in files {
        do {
            try await body(file)
            Terminal.clearStatus()
        } catch {
            Terminal.clearStatus()
            failures += 1
            let message = (error as? HubError)?.description ?? "\(file): \(Warehouse.describe(error))"
            Terminal.error(message.hasPrefix(file) ? message : "\(file): \(message)")
            Terminal.error("\(file): \(failure)")
        }
    }
    return failures
}
