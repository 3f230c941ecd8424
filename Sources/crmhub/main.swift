import ArgumentParser
#if canImport(CMalloc)
import CMalloc
#endif
import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Scheduler

// Exit codes are part of the interface (docs/architecture.md): 0 ok, 1 failed, 2 usage or configuration,
// 3 completed with quarantined records. ArgumentParser's own usage errors (64) are folded into 2.
/// Calling `run()` on the existential would pick the synchronous requirement (which only prints help);
/// opening it in a generic function selects the async one.
func runAsync<Command: AsyncParsableCommand>(_ command: inout Command) async throws {
    try await command.run()
}

#if canImport(CMalloc)
// glibc gives each thread that allocates its own arena (up to eight per core), and memory freed in one is not
// reused by another: the reconciliation run's engine, its slice reader and the event loop held 40–50 MB more at
// a million lines than with one arena, at no measured cost in speed. MALLOC_ARENA_MAX in the environment wins.
if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil {
    _ = mallopt(M_ARENA_MAX, 1)
}
#endif

do {
    // The input limits come from the environment (docs/operations.md); a bad value stops here, before any work.
    _ = try InputLimits.fromEnvironment()
    // --database-url and --log-level may come before the subcommand too (crmhub --log-level debug status).
    let arguments = GlobalArguments.hoisted(Array(CommandLine.arguments.dropFirst()))
    // `crmhub import <kind> --help` is the kind's own help, written from its declaration (SourceKinds).
    if let help = SourceKindArguments.helpRequested(arguments) {
        print(help)
        exit(0)
    }
    var command = try CRMHubCommand.parseAsRoot(arguments)
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(&asyncCommand)
    } else {
        try command.run()
    }
} catch let error as HubError {
    Terminal.error(error.description)
    exit(error.code == .configuration ? 2 : 1)
} catch let error as ExitCode {
    exit(error.rawValue)
} catch {
    let code = CRMHubCommand.exitCode(for: error)
    if code == .validationFailure {
        var message = CRMHubCommand.fullMessage(for: error)
        if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
        Terminal.error(message)
        exit(2)
    }
    if code == .success {
        CRMHubCommand.exit(withError: error)
    }
    // PostgreSQL errors describe themselves generically; Warehouse.describe gives the server's message.
    Terminal.error(error is PSQLError ? Warehouse.describe(error) : CRMHubCommand.fullMessage(for: error))
    exit(1)
}
