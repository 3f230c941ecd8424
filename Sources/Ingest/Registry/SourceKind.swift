import CRMWarehouse
import Foundation
import HubCore

/// One kind of source CRMHub loads (`bank-1c`, `1c-enterprisedata`, …), declared once.
///
/// Everything that offers a kind reads it from here: `crmhub import <kind>` (its flags and `--help`), job
/// `import` steps (their YAML keys, checked by `crmhub validate`), `crmhub status` and `db status`, the
/// data-quality tests' tables, and docs/jobs.md (a test holds the page to this list). An import by hand and a
/// job step take the same path: `SourceUnits.expand` finds the units, `importUnit` loads one and returns one
/// `ImportReport`. A new kind is its connector, its mapper, its migration, a type conforming to this protocol
/// beside its importer, and one line in `SourceKinds.all` (docs/architecture.md, "Adding a source kind").
package protocol SourceKind: Sendable {
    /// The name people type: `crmhub import <id>`, `kind: <id>` in a job file, `ops.batches.source_kind`.
    var id: String { get }
    /// One line for lists (`crmhub import --help`).
    var summary: String { get }
    /// Paragraphs for the person who runs it: what is read, what it becomes, what happens on a re-run.
    var help: String { get }
    /// A command line that shows it.
    var example: String { get }
    /// Its settings, beyond the paths: each is a CLI flag (`--our-node`) and a job step key (`our_node`).
    var options: [SourceOption] { get }
    /// How its units are found from the paths given (files, folders, globs; pages of an API later).
    var units: UnitDiscovery { get }
    /// The warehouse tables it writes, with the columns data-quality tests may name.
    var tables: [WarehouseTable] { get }
    /// Loads one unit: one transaction, idempotent (a unit loaded before changes nothing).
    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
}

/// What a kind's `importUnit` is given besides the unit: where to load, whom to tell, what to do in the load's
/// transaction.
package struct ImportContext: Sendable {
    package var warehouse: Warehouse
    package var progress: ImportProgressHandler?
    /// Run inside the unit's load transaction, just before the commit (a job's cursor moves there).
    package var beforeCommit: LoadCommitHook?
    /// The data-quality tests (mappings/*.yaml) every loaded batch is checked by.
    package var qualityTests: [QualityTest]

    package init(warehouse: Warehouse, progress: ImportProgressHandler? = nil, beforeCommit: LoadCommitHook? = nil,
                qualityTests: [QualityTest] = []) {
        self.warehouse = warehouse
        self.progress = progress
        self.beforeCommit = beforeCommit
        self.qualityTests = qualityTests
    }
}

extension SourceKind {
    /// Imports one unit the one way, for `crmhub import` and a job's import step alike: the kind's own load,
    /// then the data-quality tests on the batch it loaded (results in `ops.quality_results`; failed tests of
    /// either severity become warnings; those of severity `error` are named in `failedQualityTests`).
    package func load(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        var report = try await importUnit(unit, options: options, context: context)
        guard let batchID = report.loadedBatch, !context.qualityTests.isEmpty else { return report }
        let results = try await QualityTest.run(context.qualityTests, batchID: batchID, warehouse: context.warehouse)
        for result in results where !result.passed {
            report.warnings.append("\(unit.name) (batch \(batchID)): \(result.description), defined at "
                                   + result.test.definedAt)
            if result.test.severity == .error { report.failedQualityTests.append(result.test.name) }
        }
        return report
    }
}

/// A warehouse table a kind writes, and the columns a data-quality test may name (those of rows that record
/// the batch that loaded them).
package struct WarehouseTable: Sendable, Hashable {
    package var name: String
    package var testableColumns: [String]

    package init(_ name: String, testableColumns: [String] = []) {
        self.name = name
        self.testableColumns = testableColumns
    }
}

/// One setting of a source kind: declared once, offered as a CLI flag and as a job step key.
package struct SourceOption: Sendable, Hashable {
    package enum ValueType: Sendable, Hashable {
        case text
        /// One of these values.
        case choice([String])
    }

    /// The job step key (`our_node`); the CLI flag is the same with dashes (`--our-node`).
    package var key: String
    package var type: ValueType
    /// What applies when the option is not given (nil: nothing).
    package var defaultValue: String?
    /// An environment variable that stands in for the default (`CRMHUB_NODE`).
    package var environment: String?
    package var help: String
    /// The value's name in help texts (`node`, `encoding`).
    package var valueName: String

    package init(key: String, type: ValueType = .text, defaultValue: String? = nil, environment: String? = nil,
                valueName: String, help: String) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.environment = environment
        self.valueName = valueName
        self.help = help
    }

    package var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// Why `value` is not acceptable, or nil.
    package func problem(with value: String) -> String? {
        switch type {
        case .text:
            return value.isEmpty ? "\(key) must not be empty" : nil
        case .choice(let allowed):
            let lowered = value.lowercased()
            guard !allowed.contains(lowered) else { return nil }
            return "unknown \(key) '\(value)': use " + allowed.joined(separator: ", ")
        }
    }
}

/// The options given to one import, by key: the CLI's flags or a job step's keys, checked against the kind.
package struct SourceOptionValues: Sendable, Equatable {
    package var values: [String: String]

    package init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The value given, else the environment's, else the option's default.
    package func value(of option: SourceOption) -> String? {
        if let given = values[option.key] { return given }
        if let variable = option.environment, let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty {
            return value
        }
        return option.defaultValue
    }

    package func value(_ key: String, in kind: any SourceKind) -> String? {
        guard let option = kind.options.first(where: { $0.key == key }) else { return values[key] }
        return value(of: option)
    }
}
