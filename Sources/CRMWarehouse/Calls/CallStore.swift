import Foundation
import HubCore
import Logging
import PostgresNIO
import Synchronization

/// What one call log (or one webhook call) changed.
package struct CallLoadOutcome: Sendable {
    package enum Result: Sendable {
        case loaded(BatchCounts)
        case alreadyLoaded(batchID: Int64, finishedAt: Date?)
    }

    package var result: Result
    package var samples: [QuarantinedRecord] = []
    package var calls = CallChanges()
}

/// Calls classified, added or changed, and clients created, by one load.
package struct CallChanges: Sendable, Equatable {
    package var classified = 0
    package var inserted = 0
    package var updated = 0
    package var clientsCreated = 0

    package init() {}
}

/// The call-centre settings the marts read, and who each extension is (`ops.call_center_settings`,
/// `core.phone_extensions`): written in the load's transaction, from mappings/calls.yaml.
package struct CallCenterSettingsRecord: Sendable, Equatable {
    package var timeZone: String
    package var callbackWithinHours: Int
    package var shortTalkSeconds: Int
    /// Extension, personnel number, employee, MANGO login.
    package var extensions: [(String, String?, String?, String?)]

    package init(timeZone: String, callbackWithinHours: Int, shortTalkSeconds: Int,
                 extensions: [(String, String?, String?, String?)]) {
        self.timeZone = timeZone
        self.callbackWithinHours = callbackWithinHours
        self.shortTalkSeconds = shortTalkSeconds
        self.extensions = extensions
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.timeZone == rhs.timeZone && lhs.callbackWithinHours == rhs.callbackWithinHours
            && lhs.shortTalkSeconds == rhs.shortTalkSeconds
            && lhs.extensions.map { "\($0)" } == rhs.extensions.map { "\($0)" }
    }
}

/// Loads call logs, one transaction per file (or per call completed by webhooks), through the batch lifecycle:
///
/// 1. legs into `core.call_legs`, each once (a leg stored before adds nothing; a webhook leg is replaced by its
///    later state);
/// 2. every call the batch touched is classified from all its legs in the warehouse (a call whose legs came in
///    two files is classified whole), streamed through a cursor so that memory stays flat;
/// 3. the earliest call of each number not yet known whose rules make a client creates it (`core.clients`,
///    `core.client_phones`): the same as processing the calls in time order, without sorting them all;
/// 4. the calls are merged into `core.calls`: a call unchanged changes nothing.
package struct CallStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    package typealias Classify = @Sendable ([CallLegRow]) -> CallRow?

    package func load(
        _ source: BatchSource, classify: @escaping Classify,
        replaceLegs: Bool = false, beforeCommit: LoadCommitHook? = nil,
        produce: @Sendable (inout CallLegWriter) async throws -> Void
    ) async throws -> CallLoadOutcome {
        let changes = Mutex(CallChanges())
        let result = try await BatchLoad(warehouse: warehouse).run(source, lock: .serialised("crmhub:calls"),
                                                                   beforeCommit: beforeCommit) { batch in
            let started = ContinuousClock.now
            let written = try await Self.writeLegs(batch, replace: replaceLegs, produce: produce)
            batch.logger.info("call legs stored", metadata: ["source.file": "\(source.sourceName)",
                                                             "seconds": "\(started.duration(to: .now))"])
            let calls = try await Self.classifyTouched(batch, classify: classify)
            changes.withLock { $0 = calls }
            return written
        }
        switch result {
        case .loaded(let counts, let samples):
            return CallLoadOutcome(result: .loaded(counts), samples: samples, calls: changes.withLock { $0 })
        case .alreadyLoaded(let id, let at):
            return CallLoadOutcome(result: .alreadyLoaded(batchID: id, finishedAt: at))
        }
    }

    static let stageTable = "stage_call_legs"

    // MARK: Settings

    /// Keeps the settings the marts read, and who each extension is, as the settings file says (before a load
    /// or a report; they are no batch's data). Unchanged values are not rewritten.
    package static func record(_ settings: CallCenterSettingsRecord, warehouse: Warehouse) async throws {
        let client = warehouse.client
        try await client.query("""
            UPDATE ops.call_center_settings SET time_zone = \(settings.timeZone),
                callback_within_hours = \(settings.callbackWithinHours),
                short_talk_seconds = \(settings.shortTalkSeconds)
            WHERE (time_zone, callback_within_hours, short_talk_seconds)
                  IS DISTINCT FROM (\(settings.timeZone)::text, \(settings.callbackWithinHours)::integer,
                                    \(settings.shortTalkSeconds)::integer)
            """, logger: warehouse.logger)
        for (number, personnel, employee, login) in settings.extensions {
            try await client.query("""
                INSERT INTO core.phone_extensions AS e (extension, personnel_number, employee, mango_login)
                VALUES (\(number), \(personnel), \(employee), \(login))
                ON CONFLICT (extension) DO UPDATE SET personnel_number = EXCLUDED.personnel_number,
                    employee = EXCLUDED.employee, mango_login = EXCLUDED.mango_login, updated_at = now()
                WHERE (e.personnel_number, e.employee, e.mango_login)
                      IS DISTINCT FROM (EXCLUDED.personnel_number, EXCLUDED.employee, EXCLUDED.mango_login)
                """, logger: warehouse.logger)
        }
    }

    // MARK: Legs

    private static func writeLegs(
        _ batch: OpenBatch, replace: Bool, produce: @Sendable (inout CallLegWriter) async throws -> Void
    ) async throws -> BatchWritten<[QuarantinedRecord]> {
        if !replace {
            // A new log is COPYed straight into core.call_legs (half the server's work of stage-and-merge). A leg
            // stored before (or twice in the file) violates the key; everything since the savepoint is redone
            // staged.
            try await batch.connection.query("SAVEPOINT direct_legs", logger: batch.logger)
            do {
                let written = try await writeDirectly(batch, produce: produce)
                try await batch.connection.query("RELEASE SAVEPOINT direct_legs", logger: batch.logger)
                return written
            } catch where Warehouse.sqlState(of: error) == "23505" || error is DirectRowWriter.Abandoned {
                batch.logger.debug("legs already stored or repeated: staged load",
                                   metadata: ["source.file": "\(batch.source.sourceName)"])
                try await batch.connection.query("ROLLBACK TO SAVEPOINT direct_legs", logger: batch.logger)
            }
        }
        try await batch.connection.query("SET LOCAL temp_buffers = '256MB'", logger: batch.logger)
        let staged = try await batch.stage(stageTable, payload: CallLegWriter.payload) { stage in
            var writer = CallLegWriter(stage: stage)
            try await produce(&writer)
            stage = writer.stage!
        }
        let columns = CallLegWriter.columns.dropLast().joined(separator: ", ")
        let conflict = replace ? """
            DO UPDATE SET started_at = EXCLUDED.started_at, answered_at = EXCLUDED.answered_at,
                ended_at = EXCLUDED.ended_at, from_extension = EXCLUDED.from_extension,
                from_number = EXCLUDED.from_number, to_extension = EXCLUDED.to_extension,
                to_number = EXCLUDED.to_number, disconnect_reason = EXCLUDED.disconnect_reason,
                location = EXCLUDED.location, line_number = EXCLUDED.line_number,
                transferred = EXCLUDED.transferred, raw = EXCLUDED.raw, batch_id = EXCLUDED.batch_id,
                source_line = EXCLUDED.source_line
            WHERE (l.started_at, l.answered_at, l.ended_at, l.from_extension, l.from_number, l.to_extension,
                   l.to_number, l.disconnect_reason, l.location, l.line_number, l.transferred, l.raw)
                  IS DISTINCT FROM (EXCLUDED.started_at, EXCLUDED.answered_at, EXCLUDED.ended_at,
                   EXCLUDED.from_extension, EXCLUDED.from_number, EXCLUDED.to_extension, EXCLUDED.to_number,
                   EXCLUDED.disconnect_reason, EXCLUDED.location, EXCLUDED.line_number, EXCLUDED.transferred,
                   EXCLUDED.raw)
            """ : "DO NOTHING"
        let inserted = try await batch.connection.query(PostgresQuery(unsafeSQL: """
            WITH latest AS (
                SELECT DISTINCT ON (pbx, entry_id, leg_source, leg_key) * FROM \(stageTable) WHERE kind = 'r'
                ORDER BY pbx, entry_id, leg_source, leg_key, line DESC
            ), changed AS (
                INSERT INTO core.call_legs AS l (\(columns), raw, source_line, batch_id)
                SELECT \(columns), leg_raw, line, \(batch.id) FROM latest
                ON CONFLICT (pbx, entry_id, leg_source, leg_key) \(conflict)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM changed
            """), logger: batch.logger).collect().first!.decode(Int64.self)
        let counts = BatchCounts(batchID: batch.id, read: staged.rows + staged.quarantined, loaded: Int(inserted),
                                 duplicate: staged.rows - Int(inserted), quarantined: staged.quarantined)
        return BatchWritten(counts: counts, detail: staged.samples)
    }

    private static func writeDirectly(
        _ batch: OpenBatch, produce: @Sendable (inout CallLegWriter) async throws -> Void
    ) async throws -> BatchWritten<[QuarantinedRecord]> {
        // postgres-nio quotes the table name as one identifier, so the schema comes from the search path.
        try await batch.connection.query("SET LOCAL search_path TO core, pg_temp", logger: batch.logger)
        var held: DirectRowWriter?
        try await batch.connection.copyFrom(table: "call_legs", columns: CallLegWriter.columns
                                                + ["source_line", "batch_id"], logger: batch.logger) { copy in
            var writer = CallLegWriter(direct: DirectRowWriter(writer: copy, batchID: batch.id))
            try await produce(&writer)
            try await writer.direct!.flush()
            held = writer.direct
        }
        try await batch.connection.query("RESET search_path", logger: batch.logger)
        guard let held else { throw HubError(.io, "the call log reader handed nothing over") }
        let quarantined = held.heldBack
        if !quarantined.isEmpty {
            _ = try await batch.stage(stageTable, payload: CallLegWriter.payload) { stage in
                for record in quarantined { try await stage.quarantine(record) }
            }
        }
        let counts = BatchCounts(batchID: batch.id, read: held.rows + quarantined.count, loaded: held.rows,
                                 duplicate: 0, quarantined: quarantined.count)
        return BatchWritten(counts: counts, detail: Array(quarantined.prefix(StageRowWriter.sampleLimit)))
    }
}
