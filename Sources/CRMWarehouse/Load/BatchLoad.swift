import Foundation
import HubCore
import Logging
import PostgresNIO

/// Work done inside a file's load transaction, after its data and just before the commit, with the new
/// batch's id: what must commit with the data or not at all (a job's cursor, `ops.job_cursors`).
package typealias LoadCommitHook = @Sendable (PostgresConnection, Int64) async throws -> Void

/// A source unit about to be loaded: its identity, computed before any parsing.
package struct BatchSource: Sendable, Codable {
    package var sourceKind: String
    /// How the user named the source (the path as given): shown in messages and kept in lineage.
    package var sourceName: String
    package var sha256: String
    package var byteCount: Int64
    package var encoding: String?

    package init(sourceKind: String, sourceName: String, sha256: String, byteCount: Int64, encoding: String?) {
        self.sourceKind = sourceKind
        self.sourceName = sourceName
        self.sha256 = sha256
        self.byteCount = byteCount
        self.encoding = encoding
    }
}

/// What one batch read and did, as `ops.batches` records it.
package struct BatchCounts: Sendable, Equatable {
    package var batchID: Int64
    package var read: Int
    package var loaded: Int
    package var duplicate: Int
    package var quarantined: Int
    /// Records of kinds CRMHub does not map (kept in `raw` where the kind has one).
    package var skipped: Int

    package init(batchID: Int64, read: Int, loaded: Int, duplicate: Int, quarantined: Int, skipped: Int = 0) {
        self.batchID = batchID
        self.read = read
        self.loaded = loaded
        self.duplicate = duplicate
        self.quarantined = quarantined
        self.skipped = skipped
    }
}

/// How one batch is kept apart from other loads while it runs.
enum BatchLock: Sendable {
    /// Loads of the same content wait for each other (one of them finds the other's batch); the rest run side
    /// by side. Their rows' keys keep them apart.
    case perContent
    /// Every load under this name waits for the one before: 1C messages must apply in their order.
    case serialised(String)
}

/// When a unit's content hash is known.
enum BatchHash: Sendable {
    /// Computed before the load (`BatchSource.sha256`): a unit loaded before is found before anything is read.
    case known
    /// Computed while the unit is read, to read it once: a unit loaded before is found at the end, and its
    /// load rolled back. The closure computes it on its own, to record a failed attempt.
    case computedWhileReading(@Sendable () -> String?)
}

/// A batch opened for a kind to write into: its `ops.batches` row exists, with status `loading`.
struct OpenBatch {
    let id: Int64
    let source: BatchSource
    let connection: LoadConnection
    let logger: Logger
}

/// What a kind wrote into its batch.
struct BatchWritten<Detail> {
    /// `batchID` is the open batch's.
    var counts: BatchCounts
    /// The kind's own account of the load (per object type, samples of what was quarantined).
    var detail: Detail
    /// The content's hash, when it was computed while reading (`BatchHash.computedWhileReading`).
    var contentSHA256: String?

    init(counts: BatchCounts, detail: Detail, contentSHA256: String? = nil) {
        self.counts = counts
        self.detail = detail
        self.contentSHA256 = contentSHA256
    }
}

/// Why a kind declined a unit before loading it (recorded as an `ignored` batch with `note`).
struct BatchRefusal<Reason: Sendable>: Sendable {
    var note: String
    var reason: Reason

    init(note: String, reason: Reason) {
        self.note = note
        self.reason = reason
    }
}

/// How a batch ended.
enum BatchResult<Detail, Reason: Sendable> {
    case loaded(BatchCounts, Detail)
    /// The same content was loaded before as batch `batchID`; nothing changed.
    case alreadyLoaded(batchID: Int64, finishedAt: Date?)
    /// The kind declined it (`BatchRefusal`); batch `batchID` records that.
    case refused(batchID: Int64, Reason)
}

/// One batch lifecycle for every store (`BatchLifecycle` is its state machine): the load connection and its
/// transaction, the advisory lock, "already loaded" by content hash, the `ops.batches` row from `loading` to
/// `loaded`, the commit hook that moves a job's cursor inside the load transaction, a new attempt when a
/// concurrent load deadlocked this one, and the failure record written after the rollback (`BatchFailure`).
/// A kind supplies only what it writes.
struct BatchLoad: Sendable {
    let warehouse: Warehouse

    init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// Loads one unit. `admit` runs under the lock once the unit is known to be new, and may decline it;
    /// `write` writes its rows into the open batch. Both may run again, from the top, after a deadlock.
    func run<Detail, Reason: Sendable>(
        _ source: BatchSource, lock: BatchLock, hash: BatchHash = .known, beforeCommit: LoadCommitHook? = nil,
        admit: (LoadConnection, Logger) async throws -> BatchRefusal<Reason>?,
        write: (OpenBatch) async throws -> BatchWritten<Detail>
    ) async throws -> BatchResult<Detail, Reason> {
        let logger = warehouse.logger
        var lifecycle = BatchLifecycle()
        while true {
            do {
                let result: BatchResult<Detail, Reason> = try await warehouse.withLoadConnection { connection in
                    try await connection.inTransaction(logger: logger) {
                        try await attempt(source, lock: lock, hash: hash, beforeCommit: beforeCommit, admit: admit,
                                          write: write, lifecycle: &lifecycle, connection: connection, logger: logger)
                    }
                }
                // The final events come after the transaction ended, so that a failed COMMIT is a failure.
                switch result {
                case .loaded: try lifecycle.handle(.committed)
                case .refused(let id, _): try lifecycle.handle(.refused(batchID: id))
                case .alreadyLoaded(let id, _): try lifecycle.handle(.foundLoaded(batchID: id))
                }
                return result
            } catch let loadedBefore as LoadedBefore {
                // Rolled back on purpose: the content, hashed while it was read, was loaded before.
                try lifecycle.handle(.foundLoadedAfterReading(batchID: loadedBefore.batchID))
                return .alreadyLoaded(batchID: loadedBefore.batchID, finishedAt: loadedBefore.finishedAt)
            } catch let invalid as BatchLifecycle.InvalidTransition {
                throw invalid
            } catch {
                let conflict = ["40P01", "40001"].contains(Warehouse.sqlState(of: error))
                try lifecycle.handle(.failed(message: BatchFailure.message(for: error), conflict: conflict))
                if let delay = lifecycle.retryDelay {
                    logger.info("load aborted by a concurrent load; retrying",
                                metadata: ["source.file": "\(source.sourceName)", "batch.state": "\(lifecycle.state)"])
                    try await Task.sleep(for: delay)
                    continue
                }
                var recorded = source
                if case .computedWhileReading(let rehash) = hash { recorded.sha256 = rehash() ?? Self.unknownHash }
                await BatchFailure.record(recorded, error: error, warehouse: warehouse)
                throw error
            }
        }
    }

    /// Stands in `ops.batches.content_sha256` until a hash computed while reading is known.
    static let unknownHash = String(repeating: "0", count: 64)

    /// Thrown inside the transaction to roll back a load whose content turned out to be loaded already.
    private struct LoadedBefore: Error {
        var batchID: Int64
        var finishedAt: Date?
    }

    private func attempt<Detail, Reason: Sendable>(
        _ source: BatchSource, lock: BatchLock, hash: BatchHash, beforeCommit: LoadCommitHook?,
        admit: (LoadConnection, Logger) async throws -> BatchRefusal<Reason>?,
        write: (OpenBatch) async throws -> BatchWritten<Detail>,
        lifecycle: inout BatchLifecycle, connection: LoadConnection, logger: Logger
    ) async throws -> BatchResult<Detail, Reason> {
        let lockKey = switch lock {
        case .perContent: "crmhub:batch:\(source.sourceKind):\(source.sha256)"
        case .serialised(let name): name
        }
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey), 0))", logger: logger)
        try lifecycle.handle(.lockAcquired)
        let hashedWhileReading: Bool
        if case .computedWhileReading = hash { hashedWhileReading = true } else { hashedWhileReading = false }
        if !hashedWhileReading, let earlier = try await loadedBatch(source.sha256, source: source,
                                                                     connection: connection, logger: logger) {
            return .alreadyLoaded(batchID: earlier.batchID, finishedAt: earlier.finishedAt)
        }
        if let refusal = try await admit(connection, logger) {
            var sha256 = source.sha256
            if case .computedWhileReading(let rehash) = hash { sha256 = rehash() ?? Self.unknownHash }
            let id = try await connection.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, encoding,
                                         status, finished_at, error)
                VALUES (\(source.sourceKind), \(source.sourceName), \(sha256), \(source.byteCount),
                        \(source.encoding), 'ignored', clock_timestamp(), \(refusal.note))
                RETURNING id
                """, logger: logger).collect().first!.decode(Int64.self)
            return .refused(batchID: id, refusal.reason)
        }
        let batchID = try await connection.query("""
            INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, encoding, status)
            VALUES (\(source.sourceKind), \(source.sourceName), \(hashedWhileReading ? Self.unknownHash : source.sha256),
                    \(source.byteCount), \(source.encoding), 'loading')
            RETURNING id
            """, logger: logger).collect().first!.decode(Int64.self)
        try lifecycle.handle(.opened(batchID: batchID))

        var written = try await write(OpenBatch(id: batchID, source: source, connection: connection, logger: logger))
        written.counts.batchID = batchID
        if hashedWhileReading {
            guard let digest = written.contentSHA256 else {
                throw HubError(.io, "the file's hash was not computed while reading it",
                               location: SourceLocation(source: source.sourceName))
            }
            // Loads under a `serialised` lock cannot race each other here; a `perContent` lock on a hash not yet
            // known would not keep them apart, which is why 1C (the one kind hashing while reading) serialises.
            if let earlier = try await loadedBatch(digest, source: source, connection: connection, logger: logger) {
                throw earlier
            }
            try await connection.query("UPDATE ops.batches SET content_sha256 = \(digest) WHERE id = \(batchID)",
                                       logger: logger)
        }
        let counts = written.counts
        try await connection.query("""
            UPDATE ops.batches
            SET status = 'loaded', records_read = \(counts.read), records_loaded = \(counts.loaded),
                records_duplicate = \(counts.duplicate), records_quarantined = \(counts.quarantined),
                records_skipped = \(counts.skipped), finished_at = clock_timestamp()
            WHERE id = \(batchID)
            """, logger: logger)
        try lifecycle.handle(.wrote(counts))
        if let beforeCommit { try await beforeCommit(connection.underlying, batchID) }
        return .loaded(counts, written.detail)
    }

    private func loadedBatch(_ sha256: String, source: BatchSource, connection: LoadConnection,
                             logger: Logger) async throws -> LoadedBefore? {
        let existing = try await connection.query("""
            SELECT id, finished_at FROM ops.batches
            WHERE source_kind = \(source.sourceKind) AND content_sha256 = \(sha256) AND status = 'loaded'
            """, logger: logger).collect()
        guard let row = existing.first else { return nil }
        let (id, finishedAt) = try row.decode((Int64, Date?).self)
        return LoadedBefore(batchID: id, finishedAt: finishedAt)
    }
}

extension BatchLoad {
    /// For kinds that never decline a unit.
    func run<Detail>(
        _ source: BatchSource, lock: BatchLock, hash: BatchHash = .known, beforeCommit: LoadCommitHook? = nil,
        write: (OpenBatch) async throws -> BatchWritten<Detail>
    ) async throws -> BatchResult<Detail, Never> {
        try await run(source, lock: lock, hash: hash, beforeCommit: beforeCommit,
                      admit: { _, _ -> BatchRefusal<Never>? in nil }, write: write)
    }
}
