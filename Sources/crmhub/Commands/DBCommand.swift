import ArgumentParser
import CRMWarehouse
import Foundation
import Ingest
import HubCore

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the warehouse database: schema migrations and the private PostgreSQL.",
        subcommands: [Migrate.self, Status.self, Start.self, Stop.self, URL.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the warehouse schema up to date.",
            discussion: reflow("""
                Applies the versioned SQL migrations this crmhub ships, in order, each in its own transaction,
                and records them in ops.schema_migrations. Refuses to run when a migration that was already
                applied has been edited since.
                """))
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await options.withWarehouse { warehouse in
                let migrator = try Migrator.bundled()
                let applied = try await migrator.migrate(warehouse)
                for migration in applied { Terminal.print("applied \(migration.name)") }
                let version = migrator.migrations.map(\.version).max() ?? 0
                Terminal.print(applied.isEmpty ? "the warehouse is up to date (version \(version))"
                                               : "the warehouse is at version \(version)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the schema version, row counts of the main tables and the latest batches.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await options.withWarehouse { warehouse in
                let migrator = try Migrator.bundled()
                let status = try await WarehouseStatus.read(warehouse, migrator: migrator, tables: SourceKinds.statusTables)
                Terminal.print("database: \(warehouse.settings)")
                if options.effectiveDatabaseURL == nil {
                    Terminal.print("embedded PostgreSQL: \(EmbeddedPostgres().home) (\(try EmbeddedPostgres().state()))")
                }
                Terminal.print("schema version: \(status.appliedVersion.map(String.init) ?? "none (run: crmhub db migrate)")")
                if !status.pendingMigrations.isEmpty {
                    Terminal.print("pending migrations: \(status.pendingMigrations.joined(separator: ", "))")
                }
                do {
                    try migrator.verify(status.appliedMigrations)
                } catch let error as HubError {
                    Terminal.warning(error.description)
                }
                if !status.tableCounts.isEmpty {
                    Terminal.print("rows:")
                    for (table, rows) in status.tableCounts {
                        Terminal.print("  " + table.padding(toLength: 26, withPad: " ", startingAt: 0)
                                       + Terminal.grouped(Int(rows)))
                    }
                }
                if !status.lastBatches.isEmpty {
                    Terminal.print("latest batches:")
                    for batch in status.lastBatches {
                        Terminal.print("  #\(batch.id) \(batch.sourceKind) \(batch.status) \(batch.sourceName): "
                                       + "read \(batch.read), loaded \(batch.loaded), duplicates \(batch.duplicate), "
                                       + "quarantined \(batch.quarantined)")
                    }
                }
            }
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the private PostgreSQL under .crmhub/postgres (creating it on first use).")

        func run() throws {
            let embedded = EmbeddedPostgres()
            let started = try embedded.start()
            Terminal.print(started ? "started: \(embedded.settings)" : "already running: \(embedded.settings)")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the private PostgreSQL.")

        func run() throws {
            let embedded = EmbeddedPostgres()
            try embedded.stop()
            Terminal.print("stopped")
        }
    }

    struct URL: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the connection URL of the warehouse (for psql and BI tools).",
            discussion: "Example: psql \"$(crmhub db url)\"")

        func run() throws {
            if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
                Terminal.print(try DatabaseSettings(url: url).url)
            } else {
                Terminal.print(EmbeddedPostgres().settings.url)
            }
        }
    }
}
