import Foundation
import HubCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// An open connection pool to the CRM warehouse, alive for the duration of `Warehouse.open`.
package struct Warehouse: Sendable {
    package let settings: DatabaseSettings
    package let client: PostgresClient
    package let logger: Logger

    /// Opens a pool, runs `body`, and shuts the pool down however `body` ends.
    package static func open<Result: Sendable>(
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

    /// Fails fast, with a message a person can act on, when the server is not there: one direct attempt
    /// within the connect timeout first (the pool alone retries with backoff and reports only that it gave
    /// up, which cost a minute of silence before a refused connection was reported), then the pool.
    func checkReachable() async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: settings.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw settings.unreachable(error)
        }
        do {
            _ = try await client.query("SELECT 1", logger: logger).collect()
        } catch {
            throw settings.unreachable(error)
        }
        await FailedBatchSpool.replay(into: self)
    }

    /// Any error as the one error type people see, retryable (`HubError.isRetryable`, which the scheduler
    /// reads) when it may go away by itself: the server out of reach or restarting (SQLSTATE classes 08, 53,
    /// 57P), a deadlock or serialisation failure, a connection postgres-nio lost. A malformed file or a wrong
    /// setting needs a person, and is never retried.
    package static func hubError(for error: any Error) -> HubError {
        let transient = sqlState(of: error).map {
            $0.hasPrefix("08") || $0.hasPrefix("53") || $0.hasPrefix("57P") || ["40001", "40P01"].contains($0)
        }
        if var hubError = error as? HubError {
            if transient == true { hubError.isRetryable = true }
            return hubError
        }
        if error is PSQLError { return HubError(.database, describe(error), isRetryable: transient ?? true) }
        return HubError(.io, describe(error))
    }

    /// PSQLError's own description hides the server's message; this brings it out.
    package static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                var text = message
                if let detail = error.serverInfo?[.detail] { text += " (\(detail))" }
                if let code = error.serverInfo?[.sqlState] { text += " [SQLSTATE \(code)]" }
                return text
            }
            if let underlying = error.underlying {
                return describe(underlying)
            }
            return String(reflecting: error.code)
        }
        if let channel = error as? ChannelError, case .connectTimeout(let amount) = channel {
            return "no answer within \(amount.nanoseconds / 1_000_000_000) s (connection timed out)"
        }
        if let connect = error as? NIOConnectionError {
            // One line per address tried; the first says enough (refused, unreachable, no such host).
            if let first = connect.connectionErrors.first { return describe(first.error) }
            if let dns = connect.dnsAAAAError ?? connect.dnsAError { return "cannot resolve \(connect.host): \(dns)" }
            return "cannot connect to \(connect.host):\(connect.port)"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET, EPIPE: return "the server closed the connection"
            case ENOENT: return "no server socket there (no such file)"
            case ETIMEDOUT: return "connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            default: return io.description
            }
        }
        if let error = error as? HubError { return error.message }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.commitError ?? error.beginError { return describe(inner) }
        }
        return String(describing: error)
    }

    /// The SQLSTATE of a server error, if the error is one.
    package static func sqlState(of error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError, let inner = error.closureError ?? error.commitError {
            return sqlState(of: inner)
        }
        if let error = error as? HubError, let cause = error.cause { return sqlState(of: cause) }
        return nil
    }
}
