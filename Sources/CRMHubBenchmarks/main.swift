import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO

// Exit codes (documented in `--help` and docs/performance.md): 0 done, 1 a benchmark failed or its result did
// not check out, 2 wrong flags or settings, 128 + signal when interrupted. ArgumentParser's own usage errors
// (64) are folded into 2, as the crmhub CLI does. Every way out goes through `Shutdown.exit`, which stops the
// private PostgreSQL this run started.

/// Called on the concrete type, `run()` would pick ParsableCommand's synchronous default (which only prints
/// the help); a generic over AsyncParsableCommand selects the async one.
func runAsync<Command: AsyncParsableCommand>(_ command: inout Command) async throws {
    try await command.run()
}

Shutdown.installSignalHandlers()
do {
    var command = try BenchmarkCommand.parse()
    try await runAsync(&command)
    Shutdown.exit(0)
} catch let error as HubError {
    sayError(error.description)
    Shutdown.exit(error.code == .configuration ? 2 : 1)
} catch let error as ExitCode {
    Shutdown.exit(error.rawValue)
} catch {
    switch BenchmarkCommand.exitCode(for: error) {
    case .success:
        // --help
        say(BenchmarkCommand.fullMessage(for: error))
        Shutdown.exit(0)
    case .validationFailure:
        var message = BenchmarkCommand.fullMessage(for: error)
        if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
        sayError(message)
        Shutdown.exit(2)
    default:
        // PostgreSQL errors describe themselves generically; Warehouse.describe gives the server's message.
        sayError(error is PSQLError ? Warehouse.describe(error) : BenchmarkCommand.fullMessage(for: error))
        Shutdown.exit(1)
    }
}
