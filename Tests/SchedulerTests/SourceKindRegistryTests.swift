import Foundation
import HubCore
import Ingest
@testable import Scheduler
import Testing

/// The registry is the one list of source kinds: the docs, the command line and job files all follow it.
@Suite("source-kind registry")
struct SourceKindRegistryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    @Test("docs/jobs.md lists exactly the registered kinds, each with exactly its options")
    func docsListTheKinds() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/jobs.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Source kinds").dropFirst().first)
            .components(separatedBy: "\n## ").first ?? ""
        var documented: [String: [String]] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let kind = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            // An option is a backticked word at the start of the cell or after a comma: `key` (…), `other` (…).
            let options = cells[2] == "—" ? [] : cells[2].components(separatedBy: "), ").compactMap { part in
                part.split(separator: "`").first.map(String.init)
            }
            documented[kind] = options
        }
        var registered: [String: [String]] = [:]
        for kind in SourceKinds.all { registered[kind.id] = kind.options.map(\.key) }
        #expect(documented == registered)
    }

    @Test("a kind's command line: its options by flag (both spellings), paths, did-you-mean for a misspelt flag")
    func commandLine() throws {
        let mt940 = try #require(SourceKinds.named("bank-mt940"))
        let parsed = try SourceKindArguments.parse(["--encoding", "cp1251", "a.sta", "--encoding=utf8", "b.sta"],
                                                   kind: mt940)
        #expect(parsed.options.values == ["encoding": "utf8"] && parsed.paths == ["a.sta", "b.sta"])
        #expect(throws: HubError.self) { try SourceKindArguments.parse(["--encoding", "koi8"], kind: mt940) }
        do {
            _ = try SourceKindArguments.parse(["--encodng", "cp1251"], kind: mt940)
            Issue.record("a misspelt flag was accepted")
        } catch {
            #expect(error.message == "unknown option '--encodng' for bank-mt940; did you mean '--encoding'?")
        }
        let bank1c = try #require(SourceKinds.named("bank-1c"))
        #expect(throws: HubError.self) { try SourceKindArguments.parse(["--our-node", "X", "f.txt"], kind: bank1c) }
        #expect(try SourceKindArguments.parse(["--", "--odd-name.txt"], kind: bank1c).paths == ["--odd-name.txt"])
        let help = try #require(SourceKindArguments.helpRequested(["import", "1c-enterprisedata", "--help"]))
        #expect(help.contains("--our-node <code>") && help.contains("`our_node`"))
        #expect(SourceKindArguments.helpRequested(["import", "bank-1c", "--", "--help"]) == nil)
    }

    @Test("paths expand the same way for every kind: files, folders the kind reads, globs in name order")
    func expansion() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["Message_BP_CRM.xml", "Message_BP_OTHER.xml", "b.txt", "a.txt", "notes.md"] {
            try Data("x".utf8).write(to: folder.appendingPathComponent(name))
        }
        let enterpriseData = try #require(SourceKinds.named("1c-enterprisedata"))
        let messages = try SourceUnits.expand([folder.path], kind: enterpriseData, options: SourceOptionValues())
        #expect(messages.map { ($0.path as NSString).lastPathComponent } == ["Message_BP_CRM.xml"])
        let other = try SourceUnits.expand([folder.path], kind: enterpriseData,
                                           options: SourceOptionValues(["our_node": "other"]))
        #expect(other.map { ($0.path as NSString).lastPathComponent } == ["Message_BP_OTHER.xml"])
        let bank1c = try #require(SourceKinds.named("bank-1c"))
        let globbed = try SourceUnits.expand([folder.path + "/*.txt"], kind: bank1c, options: SourceOptionValues())
        #expect(globbed.map { ($0.path as NSString).lastPathComponent } == ["a.txt", "b.txt"])
        #expect(globbed.map(\.cursor) == globbed.map(\.path))
        #expect(throws: HubError.self) { try SourceUnits.expand([folder.path], kind: bank1c, options: SourceOptionValues()) }
        #expect(throws: HubError.self) {
            try SourceUnits.expand([folder.path + "/*.none"], kind: bank1c, options: SourceOptionValues())
        }
        #expect(try SourceUnits.expand([folder.path + "/*.none"], kind: bank1c, options: SourceOptionValues(),
                                       emptyGlobIsError: false).isEmpty)
    }

    @Test("a job's import step takes exactly its kind's options: a misspelt key is an error with did-you-mean")
    func jobStepOptions() {
        let job = """
            version: 1
            id: statements
            steps:
              - import: {kind: bank-mt940, path: "in/*.sta", encodng: cp1251}
              - import: {kind: bank-mt940, path: "in/*.sta", encoding: koi8}
              - import: {kind: bank-1c, path: "in/*.txt", our_node: CRM}
              - import: {kind: bank-mt940, path: "in/*.sta", encoding: cp866}
            """
        let (definition, diagnostics) = JobFileLoader.load(job, file: "statements.yaml")
        #expect(definition == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.hasPrefix("statements.yaml:4:") && $0.contains("'encodng'")
                && $0.contains("did you mean 'encoding'?") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("statements.yaml:5:") && $0.contains("unknown encoding 'koi8'") },
                "\(messages)")
        #expect(messages.contains { $0.hasPrefix("statements.yaml:6:") && $0.contains("'our_node'") }, "\(messages)")
        #expect(messages.count == 3, "\(messages)")
    }

    @Test("docs/jobs.md lists exactly the registered step kinds, each with every key it takes")
    func docsListTheStepKinds() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("docs/jobs.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Step kinds").dropFirst().first)
            .components(separatedBy: "\n### ").first ?? ""
        var documented: [String: String] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            documented[cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[2]
        }
        #expect(documented.keys.sorted() == StepKinds.ids.sorted())
        for kind in StepKinds.all {
            for key in kind.keys {
                #expect(documented[kind.id]?.contains("`\(key)`") == true, "\(kind.id): key \(key) not documented")
            }
        }
    }

    @Test("every step kind reads its own steps: a job of one step of each kind loads, each step of its kind")
    func stepKindsReadTheirSteps() throws {
        let (definition, diagnostics) = JobFileLoader.load("""
            version: 1
            id: every-step
            steps:
              - import: {kind: bank-mt940, path: "in/*.sta", encoding: cp866}
              - export: {kind: 1c-enterprisedata, node: BP, out: exchange}
              - reconcile: {days: 7}
              - refresh: {}
              - report: {name: reconciliation, output: "reports/{date}/reconciliation.xlsx"}
              - attendance: {months: 1}
              - loan-arrears: {problem_loans: "reports/{date}/problem-loans.xlsx"}
            """, file: "every-step.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let steps = try #require(definition?.steps)
        #expect(steps.map(\.kind) == ["import", "export", "reconcile", "refresh", "report", "attendance", "loan-arrears"])
        #expect(Set(steps.map(\.kind)) == Set(StepKinds.ids), "a registered step kind is missing from this test")
        #expect(steps[0] as? ImportStep == ImportStep(sourceKind: "bank-mt940", path: "in/*.sta",
                                                      options: SourceOptionValues(["encoding": "cp866"])))
        #expect(steps[2] as? ReconcileStep == ReconcileStep(rules: "mappings/reconciliation.yaml", days: 7))
        #expect(steps[4] as? ReportStep == ReportStep(name: "reconciliation",
                                                      output: "reports/{date}/reconciliation.xlsx", days: 31))
        #expect(steps[6] as? LoanArrearsStep == LoanArrearsStep(settings: "mappings/loans.yaml",
                                                                problemLoans: "reports/{date}/problem-loans.xlsx"))
        #expect(steps[1].target == "1c-enterprisedata → BP")
        #expect(steps[5] as? AttendanceStep == AttendanceStep(months: 1, settings: "mappings/attendance.yaml"))
    }

    @Test("an unknown step kind is an error at its line, with did-you-mean")
    func unknownStepKind() {
        let (definition, diagnostics) = JobFileLoader.load("""
            version: 1
            id: typo
            steps:
              - reconcil: {days: 7}
            """, file: "typo.yaml")
        #expect(definition == nil)
        #expect(diagnostics.map(\.description).contains {
            $0.hasPrefix("typo.yaml:4:") && $0.contains("did you mean 'reconcile'?")
        }, "\(diagnostics)")
    }
}
