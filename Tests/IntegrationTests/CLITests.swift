import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// The `crmhub` executable as a user runs it: exit codes, messages, and two processes at once.
@Suite("crmhub command line")
struct CLITests {
    static let binary: String = {
        // Tests run from .build/<configuration>/CRMHubPackageTests.xctest (or beside it); crmhub is built there.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("crmhub").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/crmhub").path
    }()

    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../samples/bank-1c").standardized.path

    /// Runs the real binary; with `timeout`, one that hangs is killed then and reported `timedOut`.
    func crmhub(_ arguments: [String], database: DatabaseSettings, environment extra: [String: String] = [:],
                timeout: Duration? = nil, started: (@Sendable (pid_t) -> Void)? = nil)
        async throws -> ChildProcess.Output
    {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build crmhub first: \(binary)")
        let environment = extra.merging(["DATABASE_URL": database.urlWithCredentials]) { _, url in url }
        return try await withCheckedThrowingContinuation { continuation in
            // A blocking wait belongs on its own thread, not on the concurrency pool.
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try ChildProcess.run(binary, arguments, environment: environment, timeout: timeout, started: started)
                })
            }
        }
    }

    @Test("exit codes: 3 with quarantined records, 0 when already loaded, 2 for usage, 1 for a bad file")
    func exitCodes() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let dos = Self.samples + "/04_kl_to_1c_2024-04-17_dos.txt"
            let first = try await crmhub(["import", "bank-1c", dos], database: warehouse.settings)
            #expect(first.status == 3)
            #expect(first.text.contains("read 3, loaded 2, duplicates 0, quarantined 1"))
            #expect(first.text.contains("04_kl_to_1c_2024-04-17_dos.txt:47: Сумма \"12 500,00\" is not a number"))

            let again = try await crmhub(["import", "bank-1c", dos], database: warehouse.settings)
            #expect(again.status == 0)
            #expect(again.text.contains("already loaded as batch 1"))

            let usage = try await crmhub(["import", "bank-1c"], database: warehouse.settings)
            #expect(usage.status == 2)
            #expect(usage.text.contains("name at least one of the statement files to load"))

            let missing = try await crmhub(["import", "bank-1c", "/no/such/statement.txt"], database: warehouse.settings)
            #expect(missing.status == 2)
            #expect(missing.text.contains("/no/such/statement.txt: no such file"))

            let files = try TemporaryFiles()
            defer { files.remove() }
            let csv = try files.write("export.csv", Data("Дата;Сумма\n15.04.2024;100\n".utf8))
            let wrong = try await crmhub(["import", "bank-1c", csv], database: warehouse.settings)
            #expect(wrong.status == 1)
            #expect(wrong.text.contains("export.csv:1: not a 1CClientBankExchange file"))
        }
    }

    @Test("two crmhub processes importing the same file at the same time load it once")
    func twoProcesses() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let file = Self.samples + "/03_kl_to_1c_2024-04-15_16_utf8.txt"
            async let one = crmhub(["import", "bank-1c", file], database: warehouse.settings)
            async let two = crmhub(["import", "bank-1c", file], database: warehouse.settings)
            let outputs = try await [one, two]
            #expect(outputs.map(\.status) == [0, 0])
            #expect(outputs.filter { $0.text.contains("already loaded as batch") }.count == 1)
            #expect(outputs.filter { $0.text.contains("read 13, loaded 13, duplicates 0") }.count == 1)
            let rows = try await warehouse.client.query(
                "SELECT count(*)::int FROM core.bank_transactions", logger: warehouse.logger
            ).collect().first!.decode(Int.self)
            #expect(rows == 11)
        }
    }

    @Test("crmhub validate: compiler-style lines and exit code 2 for a bad job file, 0 for the nightly job")
    func validate() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let bad = try files.write("bad.yaml", Data("""
            version: 1
            id: nightly
            schedule: {cron: "30 2 * * *", timezone: Asia/Tashkent}
            retry: {attemps: 3}
            steps: [{import: {kind: bank-1c, path: "*.txt"}}]
            """.utf8))
        let database = try DatabaseSettings(url: "postgresql:///unused")
        let failed = try await crmhub(["validate", bad], database: database)
        #expect(failed.status == 2)
        #expect(failed.text.contains("\(bad):4:9: error: unknown key 'attemps' in retry; did you mean 'attempts'?"))
        let nightly = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../jobs/nightly.yaml").standardized.path
        let passed = try await crmhub(["validate", nightly], database: database)
        #expect(passed.status == 0)
        #expect(passed.text.contains("checked 1 file(s): 0 error(s), 0 warning(s)"))
    }
}
