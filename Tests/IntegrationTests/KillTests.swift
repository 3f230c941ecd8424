import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Synchronization
import Testing

/// `kill -9` in the middle of a load, then the same command again: the warehouse ends exactly as after one
/// clean run (nothing lost, nothing doubled).
@Suite("crmhub killed in the middle of a load")
struct KillTests {
    /// The pid of a child started by `ChildProcess.run`, told to another task.
    final class ChildPID: Sendable {
        let value = Mutex<pid_t>(0)
    }

    /// Runs crmhub and kills it (SIGKILL) as soon as one of its backends is inside a transaction that has
    /// written (a load under way); returns whether it was killed before it ended by itself.
    func runAndKill(_ arguments: [String], warehouse: Warehouse) async throws -> Bool {
        let child = ChildPID()
        async let output = ConnectionFailureTests().crmhub(arguments, database: warehouse.settings) { pid in
            child.value.withLock { $0 = pid }
        }
        var killed = false
        for _ in 0..<1_500 {
            let loading = try await warehouse.client.query("""
                SELECT count(*)::int FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
                """, logger: warehouse.logger).collect().first!.decode(Int.self)
            let pid = child.value.withLock { $0 }
            if loading > 0, pid > 0 {
                kill(pid, SIGKILL)
                killed = true
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let result = try await output
        if killed { #expect(result.status == 128 + SIGKILL, "\(result.text)") }
        return killed
    }

    @Test("a 1C EnterpriseData import killed mid-load, then run again: equal to a clean import")
    func oneCImport() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let message = try OneCExchangeTests().longMessage(files, count: 12_000)
        let arguments = ["import", "1c-enterprisedata", message, "--our-node", "CRM"]
        var clean: [Int] = []
        try await TestDatabase.withFreshWarehouse { warehouse in
            let once = try await ConnectionFailureTests().crmhub(arguments, database: warehouse.settings)
            #expect(once.status == 0 || once.status == 3, "\(once.text)")
            clean = try await JobRunTests().fingerprint(warehouse)
            #expect(clean[2] == 12_000)
        }
        try await TestDatabase.withFreshWarehouse { warehouse in
            #expect(try await runAndKill(arguments, warehouse: warehouse), "the import ended before it could be killed")
            #expect(try await JobRunTests().count(warehouse, "SELECT count(*)::int FROM core.invoices") == 0)
            let again = try await ConnectionFailureTests().crmhub(arguments, database: warehouse.settings)
            #expect(again.status == 0 || again.status == 3, "\(again.text)")
            #expect(try await JobRunTests().fingerprint(warehouse) == clean)
        }
    }

    @Test("the nightly job killed in the middle of a step, then run again: equal to a clean run")
    func nightlyRun() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // A statement big enough that the run is surely caught loading it.
        let big = try ConnectionFailureTests.statement(files, name: "big.txt", count: 20_000)
        let path = try JobRunTests().job(files, extraStatement: try String(contentsOfFile: big, encoding: .windowsCP1251))
        let arguments = ["run", path, "--at", JobRunTests.at]
        var clean: [Int] = []
        try await TestDatabase.withFreshWarehouse { warehouse in
            let once = try await ConnectionFailureTests().crmhub(arguments, database: warehouse.settings)
            #expect(once.status == 0, "\(once.text)")
            clean = try await JobRunTests().fingerprint(warehouse)
            #expect(clean[0] > 20_000)
        }
        try await TestDatabase.withFreshWarehouse { warehouse in
            #expect(try await runAndKill(arguments, warehouse: warehouse), "the run ended before it could be killed")
            let again = try await ConnectionFailureTests().crmhub(arguments, database: warehouse.settings)
            #expect(again.status == 0, "\(again.text)")
            #expect(try await JobRunTests().fingerprint(warehouse) == clean)
        }
    }
}
