import Foundation
import HubCore
import PostgresNIO

/// What `crmhub db status` shows: the schema version and how much each main table holds.
package struct WarehouseStatus: Sendable {
    package var appliedVersion: Int?
    package var appliedMigrations: [Migrator.AppliedMigration]
    package var pendingMigrations: [String]
    package var tableCounts: [(table: String, rows: Int64)]
    package var lastBatches: [BatchLine]

    package struct BatchLine: Sendable {
        package var id: Int64
        package var sourceKind: String
        package var sourceName: String
        package var status: String
        package var read: Int
        package var loaded: Int
        package var duplicate: Int
        package var quarantined: Int
        package var finishedAt: Date?
    }

    /// - Parameter tables: the tables to count (the source kinds' tables: `SourceKinds.statusTables`); those the
    ///   schema does not have yet are left out.
    package static func read(_ warehouse: Warehouse, migrator: Migrator, tables: [String]) async throws
        -> WarehouseStatus
    {
        let applied = try await migrator.applied(warehouse)
        let appliedVersions = Set(applied.map(\.version))
        var counts: [(String, Int64)] = []
        if !applied.isEmpty {
            for table in tables {
                let exists = try await warehouse.client.query(
                    "SELECT to_regclass(\(table)) IS NOT NULL", logger: warehouse.logger
                ).collect().first?.decode(Bool.self) ?? false
                guard exists else { continue }
                // Table names come from the constant list above, never from input.
                let count = try await warehouse.client.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table)"), logger: warehouse.logger
                ).collect().first!.decode(Int64.self)
                counts.append((table, count))
            }
        }
        var batches: [BatchLine] = []
        if appliedVersions.contains(1) {
            let rows = try await warehouse.client.query("""
                SELECT id, source_kind, source_name, status, records_read, records_loaded, records_duplicate,
                       records_quarantined, finished_at
                FROM ops.batches ORDER BY id DESC LIMIT 5
                """, logger: warehouse.logger)
            for try await (id, kind, name, status, read, loaded, duplicate, quarantined, finished) in rows.decode(
                (Int64, String, String, String, Int, Int, Int, Int, Date?).self) {
                batches.append(BatchLine(id: id, sourceKind: kind, sourceName: name, status: status, read: read,
                                         loaded: loaded, duplicate: duplicate, quarantined: quarantined,
                                         finishedAt: finished))
            }
        }
        return WarehouseStatus(
            appliedVersion: applied.map(\.version).max(), appliedMigrations: applied,
            pendingMigrations: migrator.migrations.filter { !appliedVersions.contains($0.version) }.map(\.name),
            tableCounts: counts, lastBatches: batches)
    }
}
