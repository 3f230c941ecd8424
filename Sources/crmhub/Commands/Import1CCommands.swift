import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Ingest
import Scheduler

/// Options shared by the 1C exchange commands.
struct ExchangeNodeOptions: ParsableArguments {
    @Option(name: .customLong("our-node"), help: ArgumentHelp(
        "CRMHub's node code in the 1C exchange (the To of messages 1C sends us). Default: $CRMHUB_NODE or CRM.",
        valueName: "code"))
    var ourNodeOption: String?

    var ourNode: String {
        ourNodeOption ?? ProcessInfo.processInfo.environment["CRMHUB_NODE"] ?? "CRM"
    }
}

struct Import1CEnterpriseDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "1c-enterprisedata",
        abstract: "Load 1C:Accounting exchange messages (EnterpriseData, Message_BP_CRM.xml or .zip).",
        discussion: reflow("""
            Reads the messages 1C writes to its exchange folder for CRMHub ("универсальный формат" EnterpriseData,
            versions 1.2–1.21, plain XML or zipped): counterparties, buyer invoices with their lines, payments
            booked in 1C, shipments, and deletion marks. Other 1C objects are kept in raw.onec_objects and
            counted as skipped.

            Safe to repeat: 1C numbers its messages, and a message whose number CRMHub has already accepted from
            that 1C node is reported and not applied again; a changed object updates its row, and deleting in 1C
            marks the row deleted (it is never removed). An object that cannot be read is set aside in
            ops.quarantine with its XML path and line, the rest of the message loads, and the command ends with
            exit code 3. A damaged XML file loads nothing and names the line and column.

            Give files, or a folder: then every Message_<1C node>_<our node>.xml|zip in it is loaded, in file-name
            order (1C keeps one file per node and overwrites it, so there is normally one).

            Example: crmhub import 1c-enterprisedata /srv/exchange/1c/Message_BP_CRM.zip
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var node: ExchangeNodeOptions

    @Argument(help: ArgumentHelp("Message files or exchange folders.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one message file or folder") }
    }

    func run() async throws {
        let files = try OneCImportRun.expand(paths, ourNode: node.ourNode)
        let outcome = try await options.withMigratedWarehouse { warehouse in
            try await OneCImportRun.run(files: files, format: .enterpriseData, ourNode: node.ourNode,
                                        warehouse: warehouse, progress: ProgressLine())
        }
        if let code = outcome.exitCode { throw code }
    }
}

struct Import1CCommerceMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "1c-commerceml",
        abstract: "Load CommerceML 2.x documents files (orders, invoices, shipments, payments).",
        discussion: reflow("""
            Reads CommerceML 2.05–2.10 documents files (documents.xml, orders.xml) in UTF-8 or Windows-1251,
            with or without the urn:1C.ru:commerceml_2 namespace. "Заказ товара" and "Счет на оплату" become
            invoices, "Отпуск товара" shipments, "Выплата безналичных денег" payments; each document's
            counterparty is created or updated by its Ид, INN or name. Uzbek 9-digit INNs are accepted.

            Example: crmhub import 1c-commerceml exchange/documents.xml
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Documents files, in the order given.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file") }
    }

    func run() async throws {
        for file in files { _ = try InputPath.check(file) }
        let outcome = try await options.withMigratedWarehouse { warehouse in
            try await OneCImportRun.run(files: files, format: .commerceML, ourNode: nil, warehouse: warehouse,
                                        progress: ProgressLine())
        }
        if let code = outcome.exitCode { throw code }
    }
}

/// Imports 1C files one after another and prints what happened, shared by `import` and `demo`.
enum OneCImportRun {
    struct Outcome: Sendable {
        var results: [OneCImportResult] = []
        var failures = 0

        var exitCode: ExitCode? {
            if failures > 0 { return ExitCode(1) }
            if results.contains(where: { ($0.summary?.quarantined ?? 0) > 0 }) { return ExitCode(3) }
            return nil
        }
    }

    /// Files as given; a folder becomes its `Message_*_<our node>.xml|zip` files in message-number order.
    static func expand(_ paths: [String], ourNode: String) throws -> [String] {
        var files: [String] = []
        for path in paths {
            guard try InputPath.check(path, what: "file or folder") == .folder else {
                files.append(path)
                continue
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { name in
                let lower = name.lowercased()
                return lower.hasPrefix("message_") && (lower.hasSuffix("_\(ourNode.lowercased()).xml")
                    || lower.hasSuffix("_\(ourNode.lowercased()).zip"))
            }
            // 1C overwrites its one outgoing file per node, so there is normally one; keep a stable order.
            files += names.sorted().map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }

    static func run(files: [String], format: OneCFormat, ourNode: String?, warehouse: Warehouse,
                    progress: ProgressLine?) async throws -> Outcome {
        var outcome = Outcome()
        let importer = OneCImporter(warehouse: warehouse, format: format, ourNode: ourNode,
                                    progress: progress?.handler())
        outcome.failures = await eachFile(files, failure: "nothing from this file was applied") { file in
            let result = try await importer.importFile(path: file)
            Terminal.clearStatus()
            outcome.results.append(result)
            printResult(result)
        }
        if files.count > 1 || files.isEmpty {
            let loaded = outcome.results.compactMap(\.summary)
            Terminal.print("Summary: \(files.count) file(s): objects \(loaded.reduce(0) { $0 + $1.objects }), "
                           + "changed \(loaded.reduce(0) { $0 + $1.loaded }), "
                           + "quarantined \(loaded.reduce(0) { $0 + $1.quarantined })"
                           + (outcome.failures > 0 ? "; \(outcome.failures) FAILED" : ""))
        }
        return outcome
    }

    static func printResult(_ result: OneCImportResult) {
        let facts = result.facts
        let message = facts.messageNo.map { "message \($0) from \(facts.from ?? "?")" }
            ?? "\(facts.format) \(facts.version ?? "")"
        switch result.outcome {
        case .alreadyLoaded(let batchID, let finishedAt):
            let when = finishedAt.map { " on \($0.formatted(.iso8601))" } ?? ""
            Terminal.print("\(result.sourceName): already loaded as batch \(batchID)\(when); nothing changed")
        case .alreadyAccepted(let batchID, let number, let last):
            Terminal.print("\(result.sourceName): message \(number) from \(facts.from ?? "?") was already accepted "
                           + "(last received: \(last)); not applied again (batch \(batchID), ignored)")
        case .loaded(let s):
            func changes(_ name: String, _ c: OneCLoadSummary.Changes) -> String {
                "\(name) \(c.inserted) new, \(c.updated) updated, \(c.unchanged) unchanged"
            }
            Terminal.print("\(result.sourceName): batch \(s.batchID), \(message) (format \(facts.version ?? "?")): "
                           + "\(s.objects) objects " + String(format: "in %.2f s", result.seconds))
            Terminal.print("  " + [changes("counterparties", s.counterparties), changes("invoices", s.invoices),
                                   changes("payments", s.payments), changes("shipments", s.shipments)]
                .joined(separator: "; "))
            Terminal.print("  deletions \(s.deletionsApplied) marked, \(s.deletionsUnknown) of objects never "
                           + "received; skipped (type not mapped) \(s.skipped); quarantined \(s.quarantined)")
            for sample in result.quarantineSamples {
                Terminal.print("  quarantined \(result.sourceName):\(sample.line): \(sample.path ?? ""): \(sample.reason)")
            }
            if s.quarantined > result.quarantineSamples.count {
                Terminal.print("  … and \(s.quarantined - result.quarantineSamples.count) more: "
                               + "SELECT * FROM ops.quarantine WHERE batch_id = \(s.batchID)")
            }
        }
    }
}
