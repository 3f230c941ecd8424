import ArgumentParser
import CRMWarehouse
import Foundation
import Logging

/// Options every command that touches the warehouse shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The warehouse, as postgres://user:password@host:5432/database. Default: $DATABASE_URL, or the private PostgreSQL under .crmhub/postgres.",
        valueName: "url"))
    var databaseURL: String?

    @Option(name: .long, help: ArgumentHelp("How much to log: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel: Logger.Level = .notice

    var effectiveDatabaseURL: String? {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
    }

    func makeLogger() -> Logger {
        let level = logLevel
        var logger = Logger(label: "crmhub") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        logger.logLevel = level
        return logger
    }

    /// Resolves the warehouse (starting the embedded one when needed) and runs `body` with it open.
    func withWarehouse<T: Sendable>(_ body: (Warehouse) async throws -> T) async throws -> T {
        let logger = makeLogger()
        let settings = try await WarehouseLocator.settings(url: effectiveDatabaseURL, logger: logger)
        return try await Warehouse.open(settings, logger: logger, body)
    }

    /// Like `withWarehouse`, after bringing the schema up to date.
    func withMigratedWarehouse<T: Sendable>(_ body: (Warehouse) async throws -> T) async throws -> T {
        try await withWarehouse { warehouse in
            let applied = try await Migrator.bundled().migrate(warehouse)
            for migration in applied { Terminal.info("applied migration \(migration.name)") }
            return try await body(warehouse)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
