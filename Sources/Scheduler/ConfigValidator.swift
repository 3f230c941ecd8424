import CRMWarehouse
import Foundation
import Attendance
import Calls
import HubConfiguration
import Ingest
import Loans
import Reconciliation

/// `crmhub validate`: every job file (`jobs/*.yaml`) and mapping file (`mappings/*.yaml`) under the given
/// paths, checked in one pass, each problem reported with its file, line and column.
package enum ConfigValidator {
    package struct Result: Sendable {
        package var files: [String] = []
        package var jobs: [JobDefinition] = []
        /// The data-quality tests of the mapping files.
        package var qualityTests: [QualityTest] = []
        /// The reconciliation rules (`mappings/reconciliation*.yaml`), when such a file was checked.
        package var reconciliationRules: ReconciliationRules?
        package var diagnostics: [ConfigDiagnostic] = []
        package var errors: Int { diagnostics.filter { $0.severity == .error }.count }
        package var warnings: Int { diagnostics.filter { $0.severity == .warning }.count }
    }

    /// Checks `paths` (files, or folders whose `.yaml`/`.yml` files are read in name order). A file is a job
    /// file unless it sits in a folder named `mappings`.
    package static func validate(_ paths: [String]) -> Result {
        var result = Result()
        for path in paths {
            let files = yamlFiles(at: path)
            if files.isEmpty && !FileManager.default.fileExists(atPath: path) {
                result.diagnostics.append(ConfigDiagnostic(file: path, line: 1, column: 1,
                                                           message: "no such file or folder"))
            }
            for file in files { check(file, into: &result) }
        }
        // Across files: a job id names its runs, so two files may not share one.
        var seen: [String: String] = [:]
        for job in result.jobs {
            if let other = seen[job.id] {
                result.diagnostics.append(ConfigDiagnostic(
                    file: job.file, line: 1, column: 1, message: "job id '\(job.id)' is also the id of \(other)"))
            } else {
                seen[job.id] = job.file
            }
        }
        result.diagnostics.sort()
        return result
    }

    /// The data-quality tests of the mapping files in `folder` (none when it does not exist), with the
    /// diagnostics of those files.
    package static func qualityTests(in folder: String = "mappings") -> (tests: [QualityTest], diagnostics: [ConfigDiagnostic]) {
        guard FileManager.default.fileExists(atPath: folder) else { return ([], []) }
        let result = validate([folder])
        return (result.qualityTests, result.diagnostics)
    }

    /// The settings files under `mappings/` that are not data-quality tests: how each is recognised by its name,
    /// and checked.
    static let settingsFiles: [(recognises: @Sendable (String) -> Bool,
                                check: @Sendable (String, String) -> [ConfigDiagnostic])] = [
        (AttendanceSettingsLoader.isSettingsFile, { AttendanceSettingsLoader.load($0, file: $1).1 }),
        (CallSettingsLoader.isSettingsFile, { CallSettingsLoader.load($0, file: $1).1 }),
        (ExchangeSettingsLoader.isSettingsFile, { ExchangeSettingsLoader.load($0, file: $1).1 }),
        (ZUPSettingsLoader.isSettingsFile, { ZUPSettingsLoader.load($0, file: $1).1 }),
        (BureauLayoutLoader.isLayoutFile, { BureauLayoutLoader.load($0, file: $1).1 }),
        (LoanSettingsLoader.isSettingsFile, { LoanSettingsLoader.load($0, file: $1).1 }),
    ]

    private static func check(_ file: String, into result: inout Result) {
        result.files.append(file)
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            result.diagnostics.append(ConfigDiagnostic(file: file, line: 1, column: 1,
                                                       message: "cannot be read as UTF-8 text"))
            return
        }
        if URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent == "mappings" {
            if let settings = Self.settingsFiles.first(where: { $0.recognises(file) }) {
                result.diagnostics += settings.check(text, file)
                return
            }
            if ReconciliationRulesLoader.isRulesFile(file) {
                let (rules, diagnostics) = ReconciliationRulesLoader.load(text, file: file)
                result.diagnostics += diagnostics
                result.reconciliationRules = rules ?? result.reconciliationRules
                return
            }
            let (tests, diagnostics) = MappingFileLoader.load(text, file: file)
            result.diagnostics += diagnostics
            result.qualityTests += tests ?? []
            return
        }
        let (job, diagnostics) = JobFileLoader.load(text, file: file)
        result.diagnostics += diagnostics
        if let job { result.jobs.append(job) }
    }

    private static func yamlFiles(at path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (path.hasSuffix("/") ? path : path + "/") + $0 }
    }
}
