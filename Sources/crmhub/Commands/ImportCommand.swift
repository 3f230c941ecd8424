import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Ingest
import Scheduler

/// `crmhub import <kind> [options] path…`: every kind of `SourceKinds`, its options and help from its declaration.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load source files into the warehouse.",
        discussion: "Source kinds (crmhub import KIND --help for one):\n"
            + SourceKinds.all.map { "  \($0.id)\n      \($0.summary)" }.joined(separator: "\n")
            + "\n\nSafe to repeat: what was loaded before is recognised and changes nothing. Exit codes: 0 done, "
            + "1 a file failed (nothing from it was saved), 2 wrong command, 3 done with quarantined records."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The source kind: " + SourceKinds.ids.joined(separator: ", ") + ".",
                                 valueName: "kind"))
    var kind: String

    @Option(help: ArgumentHelp("Where mapping files (data-quality tests) are; every loaded batch is checked by "
                               + "them, as in a job.", valueName: "dir"))
    var mappings = "mappings"

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp(
        "The kind's options and its files (or folders, for kinds that read folders).", valueName: "path"))
    var arguments: [String] = []

    func run() async throws {
        guard let source = SourceKinds.named(kind) else {
            throw ValidationError("unknown source kind '\(kind)'" + Suggestion.didYouMean(kind, in: SourceKinds.ids)
                                  + " (kinds: \(SourceKinds.ids.joined(separator: ", ")))")
        }
        let (values, paths) = try SourceKindArguments.parse(arguments, kind: source)
        if paths.isEmpty { throw ValidationError("name at least one of the \(source.units.what) to load") }
        let units = try SourceUnits.expand(paths, kind: source, options: values)
        let tests = try RunCommand.qualityTests(mappings)
        let progress = ProgressLine()
        let outcome = try await options.withMigratedWarehouse { warehouse in
            await ImportRun.run(units, kind: source, options: values,
                                context: ImportContext(warehouse: warehouse, progress: progress.handler(),
                                                       qualityTests: tests))
        }
        if let code = outcome.exitCode { throw code }
    }
}

/// Imports units one after another and prints what happened to each, and the total.
enum ImportRun {
    struct Outcome: Sendable {
        var reports: [ImportReport] = []
        var failures = 0
        /// Units loaded whose batch failed a data-quality test of severity `error`.
        var failedQuality = 0

        var exitCode: ExitCode? {
            if failures > 0 || failedQuality > 0 { return ExitCode(1) }
            if reports.contains(where: { $0.quarantined > 0 }) { return ExitCode(3) }
            return nil
        }
    }

    static func run(_ units: [SourceUnit], kind: any SourceKind, options: SourceOptionValues,
                    context: ImportContext) async -> Outcome {
        var outcome = Outcome()
        for unit in units {
            do {
                let report = try await kind.load(unit, options: options, context: context)
                Terminal.clearStatus()
                outcome.reports.append(report)
                for line in report.lines { Terminal.print(line) }
                for warning in report.warnings { Terminal.warning(warning) }
                if !report.failedQualityTests.isEmpty {
                    outcome.failedQuality += 1
                    Terminal.error("\(unit.name): loaded as batch \(report.batchID), but data-quality test(s) "
                                   + report.failedQualityTests.joined(separator: ", ") + " failed (see ops.quality_results)")
                }
            } catch {
                Terminal.clearStatus()
                outcome.failures += 1
                let message = (error as? HubError)?.description ?? "\(unit.name): \(Warehouse.describe(error))"
                Terminal.error(message.hasPrefix(unit.name) ? message : "\(unit.name): \(message)")
                Terminal.error("\(unit.name): nothing from " + (kind.units.endpoints ? "this service" : "this file")
                               + " was saved")
            }
        }
        printTotal(outcome)
        return outcome
    }

    static func printTotal(_ outcome: Outcome) {
        let loaded = outcome.reports.filter { $0.outcome == .loaded }
        let read = loaded.reduce(0) { $0 + $1.read }
        let seconds = outcome.reports.reduce(0) { $0 + $1.seconds }
        let rate = seconds > 0 ? Double(read) / seconds : 0
        let skipped = outcome.reports.count - loaded.count
        Terminal.print(
            "Summary: \(outcome.reports.count + outcome.failures) file(s): read \(Terminal.grouped(read)), "
                + "loaded \(Terminal.grouped(loaded.reduce(0) { $0 + $1.loaded })), "
                + "duplicates \(Terminal.grouped(loaded.reduce(0) { $0 + $1.duplicate })), "
                + "quarantined \(Terminal.grouped(loaded.reduce(0) { $0 + $1.quarantined })); "
                + (skipped > 0 ? "\(skipped) already loaded; " : "")
                + (outcome.failures > 0 ? "\(outcome.failures) FAILED; " : "")
                + (outcome.failedQuality > 0 ? "\(outcome.failedQuality) failed data-quality tests; " : "")
                + String(format: "%.2f s, %@ records/s", seconds, Terminal.grouped(Int(rate))))
    }
}
