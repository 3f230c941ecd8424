import Foundation
import HubCore
import Logging
import PostgresNIO
import Synchronization

/// Loads HR's own files (shifts, absences, the person map) and punches, one transaction per file through the
/// batch lifecycle (`BatchLoad`).
///
/// - Shifts and person keys: a later file replaces what an earlier one said for the same employee (or key);
///   within a file the last line wins. An unchanged line changes nothing (counted as duplicate).
/// - Absences: stored per day, so a later file replaces exactly the days it names.
/// - Punches: each punch once, whatever files overlap (the natural key: source, device, person key, instant,
///   direction, event); denied and other events are kept with their kind.
package struct HRFileStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// The rows a producer hands over, one at a time.
    package enum Row: Sendable {
        case shift(WorkShiftRow)
        case absenceDay(AbsenceDayRow)
        case personKey(PersonKeyRow)
        case punch(PunchRow)

        var content: Content {
            switch self {
            case .shift: .shifts
            case .absenceDay: .absences
            case .personKey: .personKeys
            case .punch: .punches
            }
        }
    }

    /// What a file holds: one kind of row.
    package enum Content: String, Sendable {
        case shifts, absences, personKeys, punches
    }

    /// Streams one file's rows into the warehouse. `produce` is called only when the content is new; it hands
    /// each row, or each record it could not read, to the writer.
    package func load(
        _ source: BatchSource, content: Content, beforeCommit: LoadCommitHook? = nil,
        produce: @Sendable (inout HRRowWriter) async throws -> Void
    ) async throws -> FileLoadOutcome {
        let result = try await BatchLoad(warehouse: warehouse).run(source, lock: .perContent,
                                                                   beforeCommit: beforeCommit) { batch in
            try await Self.write(batch, content: content, produce: produce)
        }
        return FileLoadOutcome(result)
    }

    static let stageTable = "stage_hr_rows"

    static func payload(_ content: Content) -> [String] {
        switch content {
        case .shifts:
            ["personnel_number text", "shift_start text", "shift_end text", "workdays text", "weekdays smallint[]",
             "late_grace_minutes integer", "window_before_minutes integer", "window_after_minutes integer"]
        case .absences: ["personnel_number text", "day date", "absence_kind text"]
        case .personKeys: ["source text", "person_key text", "personnel_number text"]
        case .punches:
            ["source text", "device text", "person_key text", "person_name text", "punched_at timestamptz",
             "local_time text", "time_zone text", "direction text", "event_kind text", "event_text text",
             "punch_raw text"]
        }
    }

    private static func write(
        _ batch: OpenBatch, content: Content, produce: @Sendable (inout HRRowWriter) async throws -> Void
    ) async throws -> BatchWritten<[QuarantinedRecord]> {
        if content == .punches {
            // Punches are tried straight into core.punches by COPY: the nightly file is mostly new punches, and a
            // COPY into the table is half the server's work of stage-and-merge. A punch already stored (or twice
            // in the file) violates the natural key; everything since the savepoint is then redone staged.
            try await batch.connection.query("SAVEPOINT direct_punches", logger: batch.logger)
            do {
                let written = try await writeDirectly(batch, produce: produce)
                try await batch.connection.query("RELEASE SAVEPOINT direct_punches", logger: batch.logger)
                return written
            } catch where Warehouse.sqlState(of: error) == "23505" || error is DirectRowWriter.Abandoned {
                batch.logger.debug("punches already stored or repeated: staged load",
                                   metadata: ["source.file": "\(batch.source.sourceName)"])
                try await batch.connection.query("ROLLBACK TO SAVEPOINT direct_punches", logger: batch.logger)
            }
        }
        // The stage of a large file outgrows the default 8 MB of temporary buffers; the memory is used only as
        // needed, and only by this load's session.
        try await batch.connection.query("SET LOCAL temp_buffers = '256MB'", logger: batch.logger)
        let skipped = Mutex(0)
        let staged = try await batch.stage(stageTable, payload: payload(content)) { stage in
            var writer = HRRowWriter(stage: stage, content: content)
            try await produce(&writer)
            stage = writer.stage!
            skipped.withLock { $0 = writer.skipped }
        }
        let (loaded, duplicate) = try await merge(content, batch: batch, staged: staged.rows)
        let notRows = skipped.withLock { $0 }
        let counts = BatchCounts(batchID: batch.id, read: staged.rows + staged.quarantined + notRows, loaded: loaded,
                                 duplicate: duplicate, quarantined: staged.quarantined, skipped: notRows)
        return BatchWritten(counts: counts, detail: staged.samples)
    }

    static let punchColumns = ["source", "device", "person_key", "person_name", "punched_at", "local_time",
                               "time_zone", "direction", "event_kind", "event_text", "raw", "source_line", "batch_id"]

    private static func writeDirectly(
        _ batch: OpenBatch, produce: @Sendable (inout HRRowWriter) async throws -> Void
    ) async throws -> BatchWritten<[QuarantinedRecord]> {
        // postgres-nio quotes the table name as one identifier, so the schema comes from the search path.
        try await batch.connection.query("SET LOCAL search_path TO core, pg_temp", logger: batch.logger)
        var held: DirectRowWriter?
        try await batch.connection.copyFrom(table: "punches", columns: punchColumns, logger: batch.logger) { copy in
            var writer = HRRowWriter(direct: DirectRowWriter(writer: copy, batchID: batch.id))
            try await produce(&writer)
            try await writer.direct!.flush()
            held = writer.direct
        }
        try await batch.connection.query("RESET search_path", logger: batch.logger)
        guard let held else { throw HubError(.io, "the punch reader handed nothing over") }
        let quarantined = held.heldBack
        if !quarantined.isEmpty {
            _ = try await batch.stage(stageTable, payload: payload(.punches)) { stage in
                for record in quarantined { try await stage.quarantine(record) }
            }
        }
        let counts = BatchCounts(batchID: batch.id, read: held.rows + quarantined.count, loaded: held.rows,
                                 duplicate: 0, quarantined: quarantined.count)
        return BatchWritten(counts: counts, detail: Array(quarantined.prefix(StageRowWriter.sampleLimit)))
    }

    /// Moves the staged rows into `core`; (rows changed or added, rows that changed nothing).
    private static func merge(_ content: Content, batch: OpenBatch, staged: Int) async throws -> (Int, Int) {
        let id = batch.id
        let sql: PostgresQuery
        switch content {
        case .shifts:
            sql = """
                WITH latest AS (
                    SELECT DISTINCT ON (personnel_number) * FROM stage_hr_rows WHERE kind = 'r'
                    ORDER BY personnel_number, line DESC
                ), changed AS (
                    INSERT INTO core.work_shifts AS w (personnel_number, shift_start, shift_end, workdays, weekdays,
                        late_grace_minutes, window_before_minutes, window_after_minutes, batch_id, source_line)
                    SELECT personnel_number, shift_start, shift_end, workdays, weekdays, late_grace_minutes,
                           window_before_minutes, window_after_minutes, \(id), line
                    FROM latest
                    ON CONFLICT (personnel_number) DO UPDATE
                    SET shift_start = EXCLUDED.shift_start, shift_end = EXCLUDED.shift_end,
                        workdays = EXCLUDED.workdays, weekdays = EXCLUDED.weekdays,
                        late_grace_minutes = EXCLUDED.late_grace_minutes,
                        window_before_minutes = EXCLUDED.window_before_minutes,
                        window_after_minutes = EXCLUDED.window_after_minutes,
                        batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line, updated_at = now()
                    WHERE (w.shift_start, w.shift_end, w.workdays, w.weekdays, w.late_grace_minutes,
                           w.window_before_minutes, w.window_after_minutes)
                          IS DISTINCT FROM (EXCLUDED.shift_start, EXCLUDED.shift_end, EXCLUDED.workdays,
                                            EXCLUDED.weekdays, EXCLUDED.late_grace_minutes,
                                            EXCLUDED.window_before_minutes, EXCLUDED.window_after_minutes)
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """
        case .absences:
            sql = """
                WITH latest AS (
                    SELECT DISTINCT ON (personnel_number, day) * FROM stage_hr_rows WHERE kind = 'r'
                    ORDER BY personnel_number, day, line DESC
                ), changed AS (
                    INSERT INTO core.absence_days AS a (personnel_number, day, kind, batch_id, source_line)
                    SELECT personnel_number, day, absence_kind, \(id), line FROM latest
                    ON CONFLICT (personnel_number, day) DO UPDATE
                    SET kind = EXCLUDED.kind, batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line
                    WHERE a.kind IS DISTINCT FROM EXCLUDED.kind
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """
        case .personKeys:
            sql = """
                WITH latest AS (
                    SELECT DISTINCT ON (source, person_key) * FROM stage_hr_rows WHERE kind = 'r'
                    ORDER BY source, person_key, line DESC
                ), changed AS (
                    INSERT INTO core.person_keys AS k (source, person_key, personnel_number, batch_id, source_line)
                    SELECT source, person_key, personnel_number, \(id), line FROM latest
                    ON CONFLICT (source, person_key) DO UPDATE
                    SET personnel_number = EXCLUDED.personnel_number, batch_id = EXCLUDED.batch_id,
                        source_line = EXCLUDED.source_line
                    WHERE k.personnel_number IS DISTINCT FROM EXCLUDED.personnel_number
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """
        case .punches:
            sql = """
                WITH inserted AS (
                    INSERT INTO core.punches (source, device, person_key, person_name, punched_at, local_time,
                        time_zone, direction, event_kind, event_text, batch_id, source_line, raw)
                    SELECT source, device, person_key, person_name, punched_at, local_time, time_zone, direction,
                           event_kind, event_text, \(id), line, punch_raw
                    FROM stage_hr_rows WHERE kind = 'r'
                    ON CONFLICT ON CONSTRAINT punches_natural_key DO NOTHING
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM inserted
                """
        }
        let changed = Int(try await batch.connection.query(sql, logger: batch.logger).collect().first!
            .decode(Int64.self))
        return (changed, staged - changed)
    }
}

/// Hands one HR file's rows to the stage (or, for punches, straight to `core.punches`), each encoded as its
/// content's payload.
package struct HRRowWriter {
    fileprivate(set) var stage: StageRowWriter?
    fileprivate(set) var direct: DirectRowWriter?
    let content: HRFileStore.Content
    /// Records read that are not rows of this content (a ZUP state that is no absence): counted, not stored.
    package private(set) var skipped = 0

    init(stage: StageRowWriter, content: HRFileStore.Content) {
        self.stage = stage
        self.content = content
    }

    init(direct: DirectRowWriter) {
        self.direct = direct
        self.content = .punches
    }

    package mutating func append(_ row: HRFileStore.Row) async throws {
        guard row.content == content else {
            throw HubError(.io, "a \(row.content.rawValue) row handed to a load of \(content.rawValue)")
        }
        if case .punch(let punch) = row, direct != nil {
            try await direct!.append(line: punch.line) { Self.encode(punch, into: &$0) }
            return
        }
        switch row {
        case .shift(let shift):
            try await stage!.append(line: shift.line) { encoder in
                encoder.field(shift.personnelNumber)
                encoder.field(shift.shiftStart)
                encoder.field(shift.shiftEnd)
                encoder.field(shift.workdays)
                encoder.field("{" + shift.weekdays.map(String.init).joined(separator: ",") + "}")
                encoder.field(shift.lateGraceMinutes)
                encoder.field(shift.windowBeforeMinutes)
                encoder.field(shift.windowAfterMinutes)
            }
        case .absenceDay(let absence):
            try await stage!.append(line: absence.line) { encoder in
                encoder.field(absence.personnelNumber)
                encoder.field(absence.day)
                encoder.field(absence.kind)
            }
        case .personKey(let key):
            try await stage!.append(line: key.line) { encoder in
                encoder.field(key.source)
                encoder.field(key.personKey)
                encoder.field(key.personnelNumber)
            }
        case .punch(let punch):
            try await stage!.append(line: punch.line) { encoder in Self.encode(punch, into: &encoder) }
        }
    }

    package mutating func skip() { skipped += 1 }

    package mutating func quarantine(_ record: QuarantinedRecord) async throws {
        if direct != nil { try direct!.holdBack(record) } else { try await stage!.quarantine(record) }
    }

    /// A punch's fields in the order of the stage's punch payload, which is also the start of
    /// `HRFileStore.punchColumns` (the direct COPY adds the line and the batch).
    static func encode(_ punch: PunchRow, into encoder: inout CopyTextEncoder) {
        encoder.field(punch.source)
        encoder.field(punch.device)
        encoder.field(punch.personKey)
        encoder.field(punch.personName)
        encoder.field(timestamp(punch.punchedAt))
        encoder.field(punch.localTime)
        encoder.field(punch.timeZone)
        encoder.field(punch.direction.rawValue)
        encoder.field(punch.eventKind)
        encoder.field(punch.eventText)
        encoder.field(punch.raw)
    }

    /// An instant as PostgreSQL's timestamptz input reads it, in UTC.
    static func timestamp(_ seconds: Int64) -> String {
        LocalDateTime(instant: seconds, offset: 0).description + "+00"
    }
}

