import Foundation
import HubCore
import Logging
import PostgresNIO

/// The envelope facts of one 1C file, read before its objects are loaded.
package struct OneCMessageFacts: Sendable {
    /// `enterprisedata` or `commerceml`.
    package var format: String
    package var version: String?
    /// Sender and receiver node codes (EnterpriseData `Confirmation/From`, `To`).
    package var from: String?
    package var to: String?
    package var messageNo: Int?
    package var receivedNo: Int?
    package var createdAt: String?
    package var headerJSON: String
    /// PostgreSQL's name for the file's encoding (`UTF8`, `WIN1251`), to decode the stored message; nil when
    /// PostgreSQL has none for it.
    package var encoding: String?

    package init(format: String, version: String?, from: String? = nil, to: String? = nil, messageNo: Int? = nil,
                receivedNo: Int? = nil, createdAt: String?, headerJSON: String, encoding: String? = "UTF8") {
        self.encoding = encoding
        self.format = format
        self.version = version
        self.from = from
        self.to = to
        self.messageNo = messageNo
        self.receivedNo = receivedNo
        self.createdAt = createdAt
        self.headerJSON = headerJSON
    }
}

/// What loading one 1C file changed, per kind of object.
package struct OneCLoadSummary: Sendable, Equatable {
    package struct Changes: Sendable, Equatable {
        package var inserted = 0
        package var updated = 0
        package var unchanged = 0
        package var total: Int { inserted + updated + unchanged }
    }

    package var batchID: Int64 = 0
    package var objects = 0
    package var counterparties = Changes()
    package var invoices = Changes()
    package var payments = Changes()
    package var shipments = Changes()
    /// Supplier invoices and receipts of goods and services (`core.supplier_invoices`).
    package var supplierInvoices = Changes()
    /// 1C:ZUP's persons, departments, positions and employees.
    package var staff = Changes()
    /// HR history objects (each replaces its records as a whole).
    package var history = Changes()
    package var deletionsApplied = 0
    /// Deletions of objects the warehouse never had: nothing to mark (1C sends them for objects it deleted).
    package var deletionsUnknown = 0
    /// Objects of types CRMHub does not map: kept in `raw`.
    package var skipped = 0
    package var quarantined = 0

    package var loaded: Int {
        [counterparties, invoices, payments, shipments, supplierInvoices, staff, history]
            .reduce(0) { $0 + $1.inserted + $1.updated } + deletionsApplied
    }
    package var unchanged: Int {
        [invoices, payments, shipments, supplierInvoices, staff, history].reduce(0) { $0 + $1.unchanged }
    }

    /// Adds what another part of the same load changed.
    mutating func add(_ other: OneCLoadSummary) {
        func sum(_ total: inout Changes, _ part: Changes) {
            total.inserted += part.inserted
            total.updated += part.updated
            total.unchanged += part.unchanged
        }
        sum(&counterparties, other.counterparties)
        sum(&invoices, other.invoices)
        sum(&payments, other.payments)
        sum(&shipments, other.shipments)
        sum(&supplierInvoices, other.supplierInvoices)
        sum(&staff, other.staff)
        sum(&history, other.history)
        deletionsApplied += other.deletionsApplied
        deletionsUnknown += other.deletionsUnknown
        skipped += other.skipped
        quarantined += other.quarantined
    }
}

package enum OneCLoadOutcome: Sendable {
    case loaded(OneCLoadSummary)
    /// The same bytes were loaded before; nothing changed.
    case alreadyLoaded(batchID: Int64, finishedAt: Date?)
    /// An EnterpriseData message numbered at or below the last one accepted from its sender: 1C resends
    /// unacknowledged messages, and this one was applied before. Recorded as an `ignored` batch.
    case alreadyAccepted(batchID: Int64, messageNo: Int, lastReceived: Int)
}

/// Loads 1C objects (EnterpriseData and CommerceML) into `core`, with `raw` history and quarantine.
///
/// Guarantees, per file:
/// - **one transaction**: everything the file changes, its raw objects, quarantine rows, the batch row and
///   the exchange node's received number commit together or not at all;
/// - **in order, once**: 1C loads are serialised by an advisory lock; the same bytes load once; a message
///   whose number was already accepted from that node is not applied again;
/// - **upserts by identity**: objects are matched by UUID, documents without one by (type, number, date,
///   organisation), counterparties by UUID, then INN, then name; an unchanged resend changes nothing;
/// - **deletions are marks** (`deleted = true`), applied after the whole message, never physical deletes.
package struct OneCExchangeStore: Sendable {
    package let warehouse: Warehouse
    /// Staged rows are applied in chunks of about this many bytes while the file is still being read.
    package let chunkBytes: Int

    package init(warehouse: Warehouse, chunkBytes: Int = OneCStageWriter.defaultChunkBytes) {
        self.warehouse = warehouse
        self.chunkBytes = chunkBytes
    }

    /// Loads one file in one transaction. `produce` parses it into the writer, chunk by chunk.
    ///
    /// - Parameter rehash: given when the file's hash is computed while it is parsed (the producer sets
    ///   `writer.contentSHA256`) rather than before: `source.sha256` is then unused, a file loaded before is
    ///   recognised at the end (and everything rolled back), and a failed attempt is recorded with the hash
    ///   this closure computes.
    package func load(
        _ source: BatchSource, facts: OneCMessageFacts, rehash: (@Sendable () -> String?)? = nil,
        beforeCommit: LoadCommitHook? = nil,
        produce: @Sendable (inout OneCStageWriter) async throws -> Void
    ) async throws -> (OneCLoadOutcome, [QuarantinedRecord]) {
        let chunkBytes = self.chunkBytes
        let result = try await BatchLoad(warehouse: warehouse).run(
            source,
            // Messages from one node must apply in order, and two files may name the same new counterparty.
            lock: .serialised("crmhub:onec"),
            hash: rehash.map(BatchHash.computedWhileReading) ?? .known,
            beforeCommit: beforeCommit,
            admit: { connection, logger in try await Self.admit(facts, connection: connection, logger: logger) },
            write: { batch in try await Self.write(batch, facts: facts, chunkBytes: chunkBytes, produce: produce) })
        switch result {
        case .loaded(_, let (summary, samples)): return (.loaded(summary), samples)
        case .alreadyLoaded(let id, let finishedAt): return (.alreadyLoaded(batchID: id, finishedAt: finishedAt), [])
        case .refused(let id, let (number, received)):
            return (.alreadyAccepted(batchID: id, messageNo: number, lastReceived: received), [])
        }
    }

    /// Stands in `ops.batches.content_sha256` until a hash computed while reading is known.
    package static let unknownHash = BatchLoad.unknownHash

    /// Records a failed attempt (a file that could not be read as a message at all) in `ops.batches`.
    package func recordFailure(_ source: BatchSource, error: any Error) async {
        await BatchFailure.record(source, error: error, warehouse: warehouse)
    }

    /// Declines an EnterpriseData message numbered at or below the last one accepted from its sender (1C
    /// resends unacknowledged messages, and this one was applied before); its confirmation of our messages
    /// still counts, as acknowledgements only move forward.
    private static func admit(_ facts: OneCMessageFacts, connection: LoadConnection,
                              logger: Logger) async throws -> BatchRefusal<(Int, Int)>? {
        guard let peer = facts.from, let our = facts.to, facts.format == "enterprisedata" else { return nil }
        try await connection.query("""
            INSERT INTO ops.exchange_nodes (peer_node, our_node) VALUES (\(peer), \(our))
            ON CONFLICT (peer_node) DO NOTHING
            """, logger: logger)
        let received = try await connection.query("""
            SELECT received_no FROM ops.exchange_nodes WHERE peer_node = \(peer) FOR UPDATE
            """, logger: logger).collect().first!.decode(Int64.self)
        guard let number = facts.messageNo, number > 0, Int64(number) <= received else { return nil }
        try await connection.query("""
            UPDATE ops.exchange_nodes
            SET acknowledged_no = greatest(acknowledged_no,
                                           least(coalesce(\(facts.receivedNo.map(Int64.init)), 0), sent_no))
            WHERE peer_node = \(peer)
            """, logger: logger)
        return BatchRefusal(note: "message \(number) from node \(peer) was already accepted (last received: \(received))",
                            reason: (number, Int(received)))
    }

    /// Writes the message into the open batch: its raw envelope and objects, the merged rows, and the exchange
    /// node's numbers.
    private static func write(
        _ batch: OpenBatch, facts: OneCMessageFacts, chunkBytes: Int,
        produce: @Sendable (inout OneCStageWriter) async throws -> Void
    ) async throws -> BatchWritten<(OneCLoadSummary, [QuarantinedRecord])> {
        let (batchID, source, connection, logger) = (batch.id, batch.source, batch.connection, batch.logger)
        // Changes made by this load are 1C's, not the CRM's: the trigger keeps their export position.
        try await connection.query("SET LOCAL crmhub.loading = 'on'", logger: logger)
        try await connection.query("""
            INSERT INTO raw.onec_messages (batch_id, format, format_version, from_node, to_node, message_no,
                                           received_no, created_at, header, encoding)
            VALUES (\(batchID), \(facts.format), \(facts.version), \(facts.from), \(facts.to),
                    \(facts.messageNo.map(Int64.init)), \(facts.receivedNo.map(Int64.init)), \(facts.createdAt),
                    \(facts.headerJSON)::jsonb, \(facts.encoding))
            """, logger: logger)
        let merge = OneCMerge(batchID: batchID, source: source, connection: connection, logger: logger)
        try await merge.prepare()
        var writer = OneCStageWriter(batchID: batchID, chunkBytes: chunkBytes) { chunk in try await merge.applyChunk(chunk) }
        do {
            try await produce(&writer)
            try await writer.finish()
        } catch {
            await writer.abandon()
            throw error
        }
        var summary = writer.merged
        summary.add(try await merge.finish(staged: writer.stagedLater, stagedStaff: writer.stagedStaff))
        let counters = writer.counters
        var samples = writer.samples
        summary.objects = counters.objects
        summary.skipped = counters.skipped
        summary.quarantined += counters.quarantined
        if summary.quarantined > counters.quarantined {
            samples += try await OneCMerge.unresolvedSamples(batchID: batchID, connection: connection, logger: logger)
                .prefix(max(0, OneCStageWriter.sampleLimit - samples.count))
        }

        let organization = writer.organization.flatMap { $0.inn != nil || $0.name != nil ? $0 : nil }
        if let peer = facts.from, facts.format == "enterprisedata" {
            // Our organisation as the peer names it: the default for the invoices CRMHub sends back.
            try await connection.query("""
                UPDATE ops.exchange_nodes n
                SET received_no = greatest(n.received_no, coalesce(\(facts.messageNo.map(Int64.init)), 0)),
                    acknowledged_no = greatest(n.acknowledged_no,
                                               least(coalesce(\(facts.receivedNo.map(Int64.init)), 0), n.sent_no)),
                    format_version = coalesce(\(facts.version), n.format_version),
                    organization_ref = coalesce(\(organization?.ref), n.organization_ref),
                    organization_inn = coalesce(\(organization?.inn), n.organization_inn),
                    organization_name = coalesce(\(organization?.name), n.organization_name),
                    updated_at = now()
                WHERE n.peer_node = \(peer)
                """, logger: logger)
        }
        summary.batchID = batchID
        let counts = BatchCounts(batchID: batchID, read: summary.objects, loaded: summary.loaded,
                                 duplicate: summary.unchanged, quarantined: summary.quarantined,
                                 skipped: summary.skipped)
        return BatchWritten(counts: counts, detail: (summary, samples), contentSHA256: writer.contentSHA256)
    }
}

