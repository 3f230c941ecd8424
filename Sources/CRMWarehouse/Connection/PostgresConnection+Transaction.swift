import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT, rolling back if it throws.
    ///
    /// By hand rather than postgres-nio's `withTransaction`, which wants a sendable body: the loaders' bodies
    /// read files through non-sendable parsers, deliberately.
    func inTransaction<T>(logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await query("BEGIN", logger: logger)
        do {
            let result = try await body()
            try await query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
