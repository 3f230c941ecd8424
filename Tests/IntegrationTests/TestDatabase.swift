import CRMWarehouse
import Foundation
import HubCore
import Logging

/// A fresh, migrated database on a real PostgreSQL server for one test.
///
/// The server is `DATABASE_URL` when set (the test command starts a private cluster and sets it), otherwise
/// CRMHub's own embedded cluster under the temporary folder, started on first use. Each test gets its own
/// database, so tests run in parallel without seeing each other's rows.
enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "crmhub-tests")
        logger.logLevel = .warning
        return logger
    }()

    static func server() async throws -> DatabaseSettings {
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            return try DatabaseSettings(url: url)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-tests").path
        return try await WarehouseLocator.settings(url: nil, workingDirectory: folder, logger: logger)
    }

    /// Creates `crmhub_test_<random>`, migrates it, runs `body`, and drops it afterwards.
    static func withFreshWarehouse<T: Sendable>(
        migrate: Bool = true, _ body: (Warehouse) async throws -> T
    ) async throws -> T {
        let server = try await server()
        let name = "crmhub_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let settings = server.with(database: String(name))
        do {
            try await WarehouseLocator.ensureDatabase(settings, logger: logger)
        } catch {
            throw TestDatabaseError(message: "cannot create \(name) on \(server): \(Warehouse.describe(error))")
        }
        do {
            let result = try await Warehouse.open(settings, logger: logger) { warehouse in
                if migrate { try await Migrator.bundled().migrate(warehouse) }
                return try await body(warehouse)
            }
            try await drop(settings)
            return result
        } catch {
            try? await drop(settings)
            throw error
        }
    }

    static func drop(_ settings: DatabaseSettings) async throws {
        _ = try await Warehouse.open(settings.with(database: "postgres"), logger: logger) { warehouse in
            try await warehouse.client.query(
                .init(unsafeSQL: "DROP DATABASE IF EXISTS \"\(settings.database)\" WITH (FORCE)"), logger: logger)
        }
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Files written for a test, in their own temporary folder.
struct TemporaryFiles {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("crmhub-test-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ data: Data) throws -> String {
        let path = directory + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
