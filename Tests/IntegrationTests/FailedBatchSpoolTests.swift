@testable import CRMWarehouse
import Foundation
import HubCore
import Logging
import PostgresNIO
import Testing

/// A failed batch that cannot be recorded because the database is what failed: kept, and recorded later.
@Suite("failed batches kept while the database is down", .serialized)
struct FailedBatchSpoolTests {
    @Test("recording a failure against an unreachable server returns within its deadline and keeps the row; the next open records it")
    func spoolAndReplay() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        setenv("CRMHUB_STATE_DIR", files.directory, 1)
        defer { unsetenv("CRMHUB_STATE_DIR") }
        let source = BatchSource(sourceKind: "bank-1c", sourceName: "statements/cut.txt",
                                 sha256: String(repeating: "ab", count: 32), byteCount: 1_234, encoding: "cp1251")
        let lost = HubError(.database, "the connection to PostgreSQL was lost in the middle of the load", isRetryable: true)

        // A pool that is never run answers nothing: the failure must not wait for it.
        let nowhere = try DatabaseSettings(url: "postgres://crmhub@127.0.0.1:9/none?sslmode=disable")
        let dead = Warehouse(settings: nowhere, client: PostgresClient(configuration: nowhere.clientConfiguration()),
                             logger: TestDatabase.logger)
        let started = ContinuousClock.now
        await BatchFailure.record(source, error: lost, warehouse: dead)
        // The bound proves "does not hang", not a latency: on two busy cores with the whole suite running, CI
        // measured 16 s for this 5 s deadline.
        #expect(ContinuousClock.now - started < BatchFailure.recordTimeout + .seconds(40))
        let kept = try String(contentsOf: FailedBatchSpool.file, encoding: .utf8)
        #expect(kept.split(separator: "\n").count == 1)
        #expect(kept.contains("statements/cut.txt") && kept.contains(nowhere.url))

        try await TestDatabase.withFreshWarehouse { warehouse in
            // The same failure, against this warehouse: recorded when it is next opened, then gone from the file.
            FailedBatchSpool.append(.init(source: source, message: BatchFailure.message(for: lost), failedAt: Date(),
                                          warehouse: nil),
                                    warehouse: warehouse.settings.url, logger: warehouse.logger)
            try await Warehouse.open(warehouse.settings, logger: warehouse.logger) { _ in }
            let rows = try await warehouse.client.query("""
                SELECT count(*)::int FROM ops.batches
                WHERE status = 'failed' AND source_name = 'statements/cut.txt' AND error LIKE '%lost in the middle%'
                """, logger: warehouse.logger).collect().first!.decode(Int.self)
            #expect(rows == 1)
            // The entry for the unreachable server stays for that server.
            let left = try String(contentsOf: FailedBatchSpool.file, encoding: .utf8)
            #expect(left.split(separator: "\n").count == 1 && !left.contains(warehouse.settings.database))
        }
    }
}
