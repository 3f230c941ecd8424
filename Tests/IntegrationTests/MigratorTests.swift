import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

@Suite("migrations against a real PostgreSQL")
struct MigratorTests {
    @Test("the bundled migrations create the four schemas and record their checksums")
    func bundledMigrations() async throws {
        try await TestDatabase.withFreshWarehouse(migrate: false) { warehouse in
            let migrator = try Migrator.bundled()
            let applied = try await migrator.migrate(warehouse)
            #expect(applied.map(\.name) == ["0001_foundation.sql", "0002_1c_exchange.sql", "0003_1c_volume.sql", "0004_jobs.sql",
                                           "0005_reconciliation.sql", "0006_invoice_summary_by_currency.sql",
                                           "0007_cross_format_payments.sql", "0008_bank_day_amount_index.sql",
                                           "0009_hr_attendance.sql", "0010_zup_staff.sql", "0011_calls.sql",
                                           "0012_calendars.sql", "0013_exchange.sql", "0014_client_interactions.sql",
                                           "0015_meeting_clients_by_contact.sql", "0016_advance_offsets.sql",
                                           "0017_supplier_side.sql", "0018_foreign_currency.sql",
                                           "0019_payment_registries.sql", "0020_reconciliation_set_wise_keys.sql",
                                           "0021_invoice_summary_incoming.sql", "0022_loans.sql", "0023_credit_bureau.sql",
                                           "0024_bank_line_name_key.sql"])
            #expect(try await migrator.migrate(warehouse).isEmpty)
            let schemas = try await warehouse.client.query("""
                SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
                WHERE nspname IN ('raw', 'core', 'mart', 'ops')
                """, logger: warehouse.logger).collect().first!.decode(String.self)
            #expect(schemas == "core,mart,ops,raw")
            let recorded = try await migrator.applied(warehouse)
            #expect(recorded.first?.checksum == migrator.migrations.first?.checksum)
            #expect(recorded.first?.checksum.count == 64)
        }
    }

    @Test("an applied migration that was edited is refused")
    func editedMigrationIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "CREATE TABLE ops.first (id int);".write(toFile: directory + "/0001_first.sql", atomically: true, encoding: .utf8)
        try await TestDatabase.withFreshWarehouse(migrate: false) { warehouse in
            #expect(try await Migrator(directory: directory).migrate(warehouse).count == 1)
            try "CREATE TABLE ops.first (id bigint);".write(
                toFile: directory + "/0001_first.sql", atomically: true, encoding: .utf8)
            try "CREATE TABLE ops.second (id int);".write(
                toFile: directory + "/0002_second.sql", atomically: true, encoding: .utf8)
            do {
                try await Migrator(directory: directory).migrate(warehouse)
                Issue.record("an edited migration was accepted")
            } catch let error as HubError {
                #expect(error.code == .migrationChecksumMismatch)
                #expect(error.message.contains("0001_first.sql was edited"))
            }
            // Nothing after the refusal was applied.
            let second = try await warehouse.client.query(
                "SELECT to_regclass('ops.second') IS NULL", logger: warehouse.logger).collect().first!.decode(Bool.self)
            #expect(second)
        }
    }

    @Test("a failing migration is rolled back whole")
    func failingMigrationRollsBack() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "CREATE TABLE ops.half (id int);\nSELECT * FROM no_such_table;".write(
            toFile: directory + "/0001_broken.sql", atomically: true, encoding: .utf8)
        try await TestDatabase.withFreshWarehouse(migrate: false) { warehouse in
            await #expect(throws: HubError.self) { try await Migrator(directory: directory).migrate(warehouse) }
            let half = try await warehouse.client.query(
                "SELECT to_regclass('ops.half') IS NULL", logger: warehouse.logger).collect().first!.decode(Bool.self)
            #expect(half)
            #expect(try await Migrator(directory: directory).applied(warehouse).isEmpty)
        }
    }
}
