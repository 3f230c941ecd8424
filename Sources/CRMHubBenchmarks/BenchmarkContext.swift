import CRMWarehouse
import Foundation
import HubCore
import Logging

/// What every database benchmark needs: the server, the folder for its inputs, the `crmhub` to time.
struct BenchmarkContext {
    /// The server; each benchmark uses its own `database` on it.
    var server: DatabaseSettings
    /// The benchmark's own database (dropped and re-created, see `--database`).
    var database: String
    var outDirectory: String
    var crmhub: String
    var logger: Logger

    /// The benchmark's database on the server.
    var settings: DatabaseSettings { server.with(database: database) }

    /// `crmhub import KIND path`, timed as the load alone: without the data-quality tests of a `mappings`
    /// folder (they are the user's, and their cost is theirs; docs/performance.md gives the repository's).
    func importArguments(_ kind: String, _ path: String) -> [String] {
        ["import", kind, "--mappings", outDirectory + "/no-mappings", path]
    }

    static func make(out: String, database: String, logger: Logger) async throws -> BenchmarkContext {
        let crmhub = try crmhubBinary()
        let outDirectory = URL(fileURLWithPath: out).standardized.path
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        let server = try await serverSettings(outDirectory: outDirectory, logger: logger)
        return BenchmarkContext(server: server, database: database, outDirectory: outDirectory, crmhub: crmhub,
                                logger: logger)
    }

    /// `DATABASE_URL` when set (its database part is not used: each benchmark makes its own database);
    /// otherwise the private cluster under `<out>/.crmhub/postgres`, started here and stopped when the run
    /// ends — unless it was already running, in which case it is someone else's and stays up.
    static func serverSettings(outDirectory: String, logger: Logger) async throws -> DatabaseSettings {
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            return try DatabaseSettings(url: url)
        }
        let embedded = EmbeddedPostgres(workingDirectory: outDirectory)
        if try embedded.start() {
            Shutdown.stopOnExit(embedded)
            say("started a private PostgreSQL under \(embedded.home) (stopped when the benchmark ends)")
        }
        return embedded.settings
    }

    /// Drops and re-creates the benchmark's database, empty: never one someone keeps (see `--database`).
    func recreateDatabase() async throws {
        try await Warehouse.open(server.with(database: "postgres"), logger: logger) { warehouse in
            // The name was checked to be a plain identifier (BenchmarkCommand.validate); quoted all the same.
            try await warehouse.client.query(
                .init(unsafeSQL: "DROP DATABASE IF EXISTS \"\(database)\" WITH (FORCE)"), logger: logger)
            try await warehouse.client.query(.init(unsafeSQL: "CREATE DATABASE \"\(database)\""), logger: logger)
        }
    }
}
