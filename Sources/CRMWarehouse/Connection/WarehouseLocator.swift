import Foundation
import HubCore
import Logging
import PostgresNIO

/// Decides which PostgreSQL the warehouse is: `DATABASE_URL` when set, otherwise the embedded cluster,
/// started (and created) on demand.
package enum WarehouseLocator {
    /// - Parameters:
    ///   - url: an explicit URL (from `--database-url` or `DATABASE_URL`); nil means the embedded default.
    ///   - workingDirectory: where `.crmhub/postgres` lives for the embedded default.
    package static func settings(
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
    /// Safe when several processes do it at once: PostgreSQL refuses to copy `template1` while another
    /// `CREATE DATABASE` is copying it (SQLSTATE 55006), so that is retried, and losing the race to create the
    /// same name (42P04, or 23505 from the catalog index) means it exists.
    package static func ensureDatabase(_ settings: DatabaseSettings, logger: Logger) async throws {
        do {
            try await Warehouse.open(settings.with(database: "postgres"), logger: logger) { warehouse in
                for attempt in 1...20 {
                    let exists = try await warehouse.client.query(
                        "SELECT 1 FROM pg_database WHERE datname = \(settings.database)", logger: logger
                    ).collect().isEmpty == false
                    if exists { return }
                    do {
                        // Identifiers cannot be bound as parameters; the name is quoted as an identifier instead.
                        let quoted = "\"" + settings.database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                        try await warehouse.client.query(
                            PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted)"), logger: logger)
                        return
                    } catch where ["42P04", "23505"].contains(Warehouse.sqlState(of: error)) {
                        return
                    } catch where Warehouse.sqlState(of: error) == "55006" && attempt < 20 {
                        try await Task.sleep(for: .milliseconds(50 * attempt))
                    }
                }
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError(.database, "cannot create the database \(settings.database) on \(settings): "
                           + Warehouse.describe(error), isRetryable: true)
        }
    }
}
