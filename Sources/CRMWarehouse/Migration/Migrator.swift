import Crypto
import Foundation
import HubCore
import Logging
import PostgresNIO

/// One versioned SQL file, `NNNN_name.sql`.
package struct Migration: Sendable, Equatable {
    package var version: Int
    package var name: String
    package var sql: String
    /// Lower-case hex SHA-256 of the file's bytes.
    package var checksum: String
}

/// Applies versioned SQL migrations in order, each in its own transaction, recorded in
/// `ops.schema_migrations` with its checksum.
///
/// Refuses to do anything when an already-applied file has been edited (its checksum changed) or when the
/// database has a version this build does not know: a warehouse analysts depend on must never drift silently.
/// Concurrent migrators serialise on an advisory lock.
package struct Migrator: Sendable {
    package let migrations: [Migration]
    package let directory: String

    static let advisoryLockKey: Int64 = 0x4352_4D48_7562_0001  // "CRMHub" + 1

    /// The migrations shipped with this build.
    package static func bundled() throws -> Migrator {
        guard let url = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw HubError(.configuration, "the bundled migrations folder is missing from this build")
        }
        return try Migrator(directory: url.path)
    }

    package init(directory: String) throws {
        self.directory = directory
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var migrations: [Migration] = []
        for name in names {
            let digits = name.prefix(while: { $0.isNumber })
            guard let version = Int(digits), name.dropFirst(digits.count).first == "_" else {
                throw HubError(.configuration, "migration file names must look like 0001_name.sql",
                               location: SourceLocation(source: directory + "/" + name))
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            let checksum = SHA256.hash(data: data).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            if let clash = migrations.first(where: { $0.version == version }) {
                throw HubError(.configuration, "two migrations have version \(version): \(clash.name) and \(name)",
                               location: SourceLocation(source: directory + "/" + name))
            }
            migrations.append(Migration(version: version, name: name, sql: String(decoding: data, as: UTF8.self),
                                        checksum: checksum))
        }
        self.migrations = migrations
    }

    package struct AppliedMigration: Sendable {
        package var version: Int
        package var name: String
        package var checksum: String
        package var appliedAt: Date
    }

    /// Applies every pending migration; returns the ones applied by this call.
    @discardableResult
    package func migrate(_ warehouse: Warehouse) async throws -> [Migration] {
        try await warehouse.client.withConnection { connection in
            let logger = warehouse.logger
            try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
            do {
                try await connection.query("CREATE SCHEMA IF NOT EXISTS ops", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS ops.schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                let applied = try await Self.applied(connection, logger: logger)
                try verify(applied)
                let appliedVersions = Set(applied.map(\.version))
                var done: [Migration] = []
                for migration in migrations where !appliedVersions.contains(migration.version) {
                    logger.info("applying migration", metadata: ["migration.name": "\(migration.name)"])
                    do {
                        try await connection.withTransaction(logger: logger) { connection in
                            for statement in SQLScript.statements(in: migration.sql) {
                                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                            }
                            try await connection.query("""
                                INSERT INTO ops.schema_migrations (version, name, checksum)
                                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                                """, logger: logger)
                        }
                    } catch {
                        throw HubError(.database, "migration \(migration.name) failed and was rolled back: "
                                       + Warehouse.describe(error),
                                       location: SourceLocation(source: directory + "/" + migration.name))
                    }
                    done.append(migration)
                }
                try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                return done
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Checks applied migrations against the files; throws on an edited or unknown migration.
    package func verify(_ applied: [AppliedMigration]) throws {
        for record in applied {
            guard let file = migrations.first(where: { $0.version == record.version }) else {
                throw HubError(.migrationChecksumMismatch,
                               "the database has migration \(record.name) (version \(record.version)), which this "
                               + "build of crmhub does not ship; use the crmhub that applied it, or a newer one")
            }
            guard file.checksum == record.checksum else {
                throw HubError(.migrationChecksumMismatch,
                               "migration \(file.name) was edited after it was applied "
                               + "(recorded checksum \(record.checksum.prefix(12))…, file now \(file.checksum.prefix(12))…). "
                               + "Applied migrations must not change: restore the file and add a new migration instead",
                               location: SourceLocation(source: directory + "/" + file.name))
            }
        }
    }

    /// What `ops.schema_migrations` records; empty when the warehouse was never migrated.
    package func applied(_ warehouse: Warehouse) async throws -> [AppliedMigration] {
        try await warehouse.client.withConnection { try await Self.applied($0, logger: warehouse.logger) }
    }

    static func applied(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        let exists = try await connection.query(
            "SELECT to_regclass('ops.schema_migrations') IS NOT NULL", logger: logger
        ).collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var result: [AppliedMigration] = []
        let rows = try await connection.query(
            "SELECT version, name, checksum, applied_at FROM ops.schema_migrations ORDER BY version", logger: logger)
        for try await (version, name, checksum, appliedAt) in rows.decode((Int, String, String, Date).self) {
            result.append(AppliedMigration(version: version, name: name, checksum: checksum, appliedAt: appliedAt))
        }
        return result
    }
}
