import Foundation
import HubConfiguration
import Reconciliation
import Testing

@testable import Scheduler

/// Alias bombs, deep nesting and duplicate keys in the YAML files CRMHub reads: refused quickly, at their line.
@Suite("YAML limits")
struct YAMLLimitsTests {
    /// Nine levels of nine aliases ("billion laughs"): `a` holds nine strings, each next level nine aliases of
    /// the one before, so `i` stands for 9⁹ strings.
    static let bomb: String = {
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        var lines = ["a: &a [" + Array(repeating: "\"x\"", count: 9).joined(separator: ",") + "]"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test("the nine-by-nine alias bomb is refused within seconds, at the alias that crosses the limit")
    func billionLaughs() throws {
        let started = ContinuousClock.now
        let (job, diagnostics) = JobFileLoader.load(Self.bomb, file: "jobs/bomb.yaml")
        let elapsed = ContinuousClock.now - started
        #expect(job == nil)
        #expect(elapsed < .seconds(5), "took \(elapsed)")
        // a…d stand for 10, 91, 820 and 7,381 nodes: nine aliases each of a, b and c and the first of d pass 10,000.
        #expect(diagnostics.map(\.description)
                    == ["jobs/bomb.yaml:5:8: error: alias *d makes the aliases of this file stand for more than 10000 "
                        + "values; CRMHub refuses such a document (an alias bomb looks like this): write the values out"])
    }

    @Test("every kind of file CRMHub reads is checked: mappings and reconciliation rules too")
    func everyLoader() {
        #expect(MappingFileLoader.load(Self.bomb, file: "m.yaml").1.first?.line == 5)
        #expect(ReconciliationRulesLoader.load(Self.bomb, file: "r.yaml").1.first?.line == 5)
        let result = ConfigValidator.validate([try! write(Self.bomb, named: "bomb.yaml")])
        #expect(result.diagnostics.count == 1 && result.diagnostics.first?.line == 5, "\(result.diagnostics)")
    }

    @Test("aliases that double at every level are refused by the expansion budget, not counted as few")
    func doublingChain() {
        // 40 levels of two aliases: 80 aliases, 41 levels deep, each under its own limit, yet 2⁴⁰ values.
        var lines = ["l0: &l0 [x]"]
        for level in 1...40 { lines.append("l\(level): &l\(level) [*l\(level - 1), *l\(level - 1)]") }
        let diagnostics = JobFileLoader.load(lines.joined(separator: "\n"), file: "chain.yaml").1
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("stand for more than \(YAMLLimits.maximumAliasedNodes) values") == true)
        // Level k aliases twice a node of 2^(k+1) - 1 nodes (3 · 2^(k-1) - 1 from level 1): the second alias of
        // level 11 (line 12) takes the total past 10,000.
        #expect(diagnostics.map { "\($0.line):\($0.column)" } == ["12:18"])
    }

    @Test("more than 100 aliases are refused at the 101st")
    func tooManyAliases() {
        let text = "base: &base x\nuses:\n" + (1...101).map { _ in "  - *base" }.joined(separator: "\n")
        let diagnostics = JobFileLoader.load(text, file: "many.yaml").1
        #expect(diagnostics.map { "\($0.line):\($0.column)" } == ["103:5"])
        #expect(diagnostics.first?.message.contains("more than 100 aliases") == true)
    }

    @Test("nesting deeper than 64 levels is refused, also when an alias brings the depth")
    func tooDeep() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let diagnostics = JobFileLoader.load(deep, file: "deep.yaml").1
        #expect(diagnostics.map { "\($0.line):\($0.column)" } == ["1:65"])
        #expect(diagnostics.first?.message.contains("more than 64 levels") == true)

        // 40 levels under the anchor, used 30 levels down in a mapping: 71 levels once the alias is read.
        let nested = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let viaAlias = "a: &a \(nested)\nb: " + String(repeating: "[", count: 30) + "*a" + String(repeating: "]", count: 30)
        let aliased = JobFileLoader.load(viaAlias, file: "alias.yaml").1
        #expect(aliased.map { "\($0.line):\($0.column)" } == ["2:34"], "\(aliased)")
        #expect(aliased.first?.message.contains("nests the document more than 64 levels") == true, "\(aliased)")
    }

    @Test("a file with a few aliases still loads")
    func fewAliasesLoad() {
        let (job, diagnostics) = JobFileLoader.load("""
            version: 1
            id: nightly
            retry: &retry {attempts: 3, backoff: 5m}
            steps:
              - import: {kind: bank-1c, path: "in/*.txt"}
            """, file: "ok.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(job?.id == "nightly")
    }

    @Test("a key given twice is reported at the second one's line and column", arguments: [
        ("version: 1\nid: a\nid: b\n", 3, 1, "id"),
        ("version: 1\nschedule:\n  cron: \"0 2 * * *\"\n  timezone: UTC\n  cron: \"0 3 * * *\"\n", 5, 3, "cron"),
        ("steps: [{import: {kind: bank-1c, path: a, kind: mt940}}]\n", 1, 43, "kind"),
    ])
    func duplicateKey(text: String, line: Int, column: Int, key: String) {
        let diagnostics = JobFileLoader.load(text, file: "twice.yaml").1
        #expect(diagnostics.map { "\($0.line):\($0.column)" } == ["\(line):\(column)"], "\(diagnostics)")
        #expect(diagnostics.first?.message.hasPrefix("'\(key)' is given twice") == true, "\(diagnostics)")
    }

    private func write(_ text: String, named name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
