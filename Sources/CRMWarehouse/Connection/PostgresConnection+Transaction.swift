import Logging
import PostgresNIO

/// A connection statements can be sent on: postgres-nio's own, or a load's (`LoadConnection`, which refuses a
/// statement at once on a closed connection). Both share one `inTransaction`.
protocol StatementConnection {
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger, file: String, line: Int) async throws -> PostgresRowSequence
}

extension PostgresConnection: StatementConnection {}

extension StatementConnection {
    /// Runs `body` between BEGIN and COMMIT, rolling back if it throws.
    ///
    /// By hand rather than postgres-nio's `withTransaction`, which wants a sendable body: the loaders' bodies
    /// read files through non-sendable parsers, deliberately.
    func inTransaction<T>(logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await query("BEGIN", logger: logger, file: #fileID, line: #line)
        do {
            let result = try await body()
            try await query("COMMIT", logger: logger, file: #fileID, line: #line)
            return result
        } catch {
            _ = try? await query("ROLLBACK", logger: logger, file: #fileID, line: #line)
            throw error
        }
    }
}
