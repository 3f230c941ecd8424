import Foundation
import HubCore
import Logging
import PostgresNIO

/// Decides which PostgreSQL the warehouse is: `DATABASE_URL` when set, otherwise the embedded cluster,
/// started (and created) on demand.
public enum WarehouseLocator {
    /// - Parameters:
    ///   - url: an explicit URL (from `--database-url` or `DATABASE_URL`); nil means the embedded default.
    ///   - workingDirectory: where `.crmhub/postgres` lives for the embedded default.
    public static func settings(
        url: String?, workingDirectory: String = FileManager.default.currentDirectoryPath, logger: Logger
    ) async throws -> DatabaseSettings {
        if let url, !url.isEmpty { return try DatabaseSettings(url: url) }
        let embedded = EmbeddedPostgres(workingDirectory: workingDirectory)
        if try embedded.start() {
            logger.info("started the embedded PostgreSQL", metadata: ["db.socket": "\(embedded.socketDirectory)"])
        }
        try await ensureDatabase(embedded.settings, logger: logger)
        return embedded.settings
    }

    /// Creates the target database when the server has none of that name (connecting to `postgres` to do so).
    public static func ensureDatabase(_ settings: DatabaseSettings, logger: Logger) async throws {
        try await Warehouse.open(settings.with(database: "postgres"), logger: logger) { warehouse in
            let exists = try await warehouse.client.query(
                "SELECT 1 FROM pg_database WHERE datname = \(settings.database)", logger: logger
            ).collect().isEmpty == false
            if exists { return }
            do {
                // Identifiers cannot be bound as parameters; the name is quoted as an identifier instead.
                let quoted = "\"" + settings.database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                try await warehouse.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted)"), logger: logger)
            } catch where Warehouse.sqlState(of: error) == "42P04" {
                // Another process created it a moment ago.
            }
        }
    }
}
