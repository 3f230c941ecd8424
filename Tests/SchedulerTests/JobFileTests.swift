import HubConfiguration
import Foundation
import HubCore
import Ingest
import Reports
import Testing

@testable import Scheduler

@Suite("job files and crmhub validate")
struct JobFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").standardized.path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    @Test("every problem of every file, compiler-style, as in Fixtures/expected.txt")
    func diagnostics() throws {
        let result = ConfigValidator.validate([Self.fixtures + "/jobs", Self.fixtures + "/mappings"])
        let printed = result.diagnostics.map { $0.description.replacingOccurrences(of: Self.fixtures + "/", with: "") }
        let expected = try String(contentsOfFile: Self.fixtures + "/expected.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(printed == expected)
        #expect(result.files.count == 7 && result.jobs.map(\.id) == ["twin", "twin"])
    }

    @Test("the repository's own jobs and mappings validate; the nightly job fires at 02:30 Tashkent time")
    func repositoryFiles() throws {
        let result = ConfigValidator.validate([Self.repository + "/jobs", Self.repository + "/mappings"])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let nightly = try #require(result.jobs.first { $0.id == "nightly" })
        let schedule = try #require(nightly.schedule)
        #expect(schedule.timeZone.identifier == "Asia/Tashkent")
        let after = ISO8601DateFormatter().date(from: "2026-11-22T12:00:00Z")!
        #expect(schedule.cron.nextFire(after: after, in: schedule.timeZone)
                    == ISO8601DateFormatter().date(from: "2026-11-22T21:30:00Z"))
        #expect(nightly.steps.first as? ImportStep == ImportStep(
            sourceKind: "1c-enterprisedata", path: "samples/1c/Message_BP_CRM*.xml",
            options: SourceOptionValues(["our_node": "CRM"])))
        #expect(nightly.catchUp == .latestOnly && nightly.overlap == .skip && nightly.retry.attempts == 3)
        #expect(result.qualityTests.map(\.name).contains("invoice-lines-have-invoices"))
        #expect(result.qualityTests.first { $0.name == "invoice-lines-have-invoices" }?.kind
                    == .relationships(table: "core.invoices", column: "id"))
    }

    @Test("a job's settings and their defaults")
    func settings() {
        let (job, diagnostics) = JobFileLoader.load("""
            version: 1
            id: hourly-bank
            schedule:
              cron: "0 * * * 1-5"
              timezone: Asia/Tashkent
            catch_up: {policy: all, max: 4}
            overlap: queue
            concurrency_key: warehouse
            timeout: 45m
            retry: {attempts: 5, backoff: 30s, max_backoff: 10m, jitter: 0.5}
            steps:
              - import: {kind: bank-1c, path: "/srv/bank/*.txt"}
            """, file: "jobs/hourly-bank.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(job?.catchUp == .all(max: 4) && job?.overlap == .queue && job?.concurrencyKey == "warehouse")
        #expect(job?.timeout == .seconds(2_700) && job?.retry.backoff == .seconds(30) && job?.retry.jitter == 0.5)
        #expect(job?.pauseAfterFailures == 3)
        let (minimal, _) = JobFileLoader.load("""
            version: 1
            id: by-hand
            steps: [{import: {kind: 1c-commerceml, path: "x.xml"}}]
            """, file: "jobs/by-hand.yaml")
        #expect(minimal?.schedule == nil && minimal?.concurrencyKey == "by-hand" && minimal?.catchUp == .latestOnly)
        #expect(minimal?.timeout == .seconds(14_400) && minimal?.retry.attempts == 1)
    }

    @Test("secrets are references: ${env:NAME} and ${file:path} pass, literals do not", arguments: [
        ("token: ${env:MANGO_TOKEN}", true),
        ("token: ${file:/etc/crmhub/mango.token}", true),
        ("token: abc123", false),
        ("database_url: postgresql://crmhub@db/crm", false),
        ("note: postgresql://crmhub:pa55@db/crm", false),
        ("note: https://example.org/path", true),
    ])
    func secrets(line: String, passes: Bool) {
        var reader = ConfigReader(file: "x.yaml")
        if let root = reader.root(of: line) { Secrets.check(root, reader: &reader) }
        #expect(reader.diagnostics.isEmpty == passes, "\(reader.diagnostics)")
    }

    @Test("report files: CSV quoting, and the output pattern's date in the job's zone")
    func reportText() {
        #expect(ReportWriter.csvLine(["ООО «Ромашка», Ташкент", "say \"hi\"", "plain"])
                    == "\"ООО «Ромашка», Ташкент\",\"say \"\"hi\"\"\",plain\r\n")
        let time = ISO8601DateFormatter().date(from: "2026-11-21T21:30:00Z")!
        #expect(ReportStep.path("reports/{date}/{job}.csv", job: "nightly", scheduledFor: time,
                                  zone: TimeZone(identifier: "Asia/Tashkent")!) == "reports/2026-11-22/nightly.csv")
    }

    @Test("suggestions: a misspelling or a shortened word, not a distant one")
    func suggestions() {
        #expect(Suggestion.closest(to: "schedul", in: JobFileLoader.topLevelKeys) == "schedule")
        #expect(Suggestion.closest(to: "latest", in: ["latest_only", "none", "all"]) == "latest_only")
        #expect(Suggestion.closest(to: "colour", in: JobFileLoader.topLevelKeys) == nil)
    }
}
