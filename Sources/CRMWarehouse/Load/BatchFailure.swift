import Foundation
import HubCore
import Logging
import PostgresNIO
import Synchronization

/// A failed load leaves no data, but operations should see that it was tried and why.
///
/// Written after the load's transaction has rolled back, on a pooled connection, within `recordTimeout`: when
/// the database itself is what failed (stopped, unreachable), the row goes to `FailedBatchSpool` instead and is
/// written the next time CRMHub reaches the warehouse. Recording a failure never hangs the command.
enum BatchFailure {
    static let recordTimeout = Duration.seconds(5)

    static func record(_ source: BatchSource, error: any Error, warehouse: Warehouse) async {
        let failure = FailedBatchSpool.Entry(source: source, message: message(for: error), failedAt: Date(), warehouse: nil)
        do {
            try await withDeadline(recordTimeout) {
                try await insert(failure, client: warehouse.client, logger: warehouse.logger)
            }
        } catch {
            warehouse.logger.warning("the failed batch could not be recorded now; it is kept to be recorded later",
                                     metadata: ["source.file": "\(source.sourceName)",
                                                "error": "\(Warehouse.describe(error))"])
            FailedBatchSpool.append(failure, warehouse: warehouse.settings.url, logger: warehouse.logger)
        }
    }

    static func message(for error: any Error) -> String {
        (error as? HubError)?.description ?? Warehouse.describe(error)
    }

    static func insert(_ failure: FailedBatchSpool.Entry, client: PostgresClient, logger: Logger) async throws {
        let source = failure.source
        try await client.query("""
            INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, encoding, status,
                                     started_at, finished_at, error)
            VALUES (\(source.sourceKind), \(source.sourceName), \(source.sha256), \(source.byteCount),
                    \(source.encoding), 'failed', \(failure.failedAt), \(failure.failedAt), \(failure.message))
            """, logger: logger)
    }
}

/// Runs `operation`, or throws `DeadlineExceeded` once `duration` has passed (the operation is then cancelled
/// and left to end by itself).
///
/// Unstructured on purpose, against the rule: the operation may wait on a promise postgres-nio never completes
/// (a query sent on a connection that has just closed) and so ignore cancellation, and a task group would wait
/// for such a child for ever. Only for small bookkeeping writes whose loss is survivable (the caller spools).
func withDeadline<T: Sendable>(_ duration: Duration, _ operation: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    let pending = PendingContinuation<T>()
    return try await withCheckedThrowingContinuation { continuation in
        pending.continuation.withLock { $0 = continuation }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            pending.take()?.resume(with: result)
        }
        Task {
            try? await Task.sleep(for: duration)
            if let waiting = pending.take() {
                work.cancel()
                waiting.resume(throwing: DeadlineExceeded(duration: duration))
            }
        }
    }
}

/// A continuation resumed once, by whichever of two tasks comes first.
final class PendingContinuation<T: Sendable>: Sendable {
    let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func take() -> CheckedContinuation<T, any Error>? { continuation.withLock { $0.take() } }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    var duration: Duration
    var description: String { "no answer within \(duration)" }
}
