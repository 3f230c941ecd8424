import HubCore
import Logging
import NIOCore
import PostgresNIO

/// An open connection pool to the CRM warehouse, alive for the duration of `Warehouse.open`.
public struct Warehouse: Sendable {
    public let settings: DatabaseSettings
    public let client: PostgresClient
    public let logger: Logger

    /// Opens a pool, runs `body`, and shuts the pool down however `body` ends.
    public static func open<Result: Sendable>(
        _ settings: DatabaseSettings, logger: Logger, _ body: (Warehouse) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: settings.clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // Let run() start before the first lease, or the client logs a warning about it.
            await Task.yield()
            let warehouse = Warehouse(settings: settings, client: client, logger: logger)
            do {
                try await warehouse.checkReachable()
                return try await body(warehouse)
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Fails fast, with a message a person can act on, when the server is not there.
    func checkReachable() async throws {
        do {
            _ = try await client.query("SELECT 1", logger: logger).collect()
        } catch {
            // The pool only reports that it gave up; one direct attempt tells why (refused, no such socket,
            // authentication failed, no such database).
            var reason = Self.describe(error)
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: settings.connectionConfiguration(), id: 0, logger: logger)
                try await connection.close()
            } catch {
                reason = Self.describe(error)
            }
            throw HubError(.database, "cannot reach PostgreSQL at \(settings): \(reason)", isRetryable: true)
        }
    }

    /// PSQLError's own description hides the server's message; this brings it out.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                var text = message
                if let detail = error.serverInfo?[.detail] { text += " (\(detail))" }
                if let code = error.serverInfo?[.sqlState] { text += " [SQLSTATE \(code)]" }
                return text
            }
            if let underlying = error.underlying {
                if let channel = underlying as? ChannelError, case .connectTimeout = channel { return "connection timed out" }
                if let io = underlying as? IOError { return io.description }
                return String(describing: underlying)
            }
            return String(reflecting: error.code)
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.commitError ?? error.beginError { return describe(inner) }
        }
        return String(describing: error)
    }

    /// The SQLSTATE of a server error, if the error is one.
    public static func sqlState(of error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError, let inner = error.closureError ?? error.commitError {
            return sqlState(of: inner)
        }
        return nil
    }
}
