import Foundation
import HubCore
import Logging
import PostgresNIO
import Synchronization

/// What one calendar import changed.
package struct CalendarChanges: Sendable, Equatable {
    /// Occurrences of this calendar's view added, changed, and gone from the window.
    package var added = 0
    package var changed = 0
    package var removed = 0
    /// Events (VEVENTs, items) new or changed.
    package var events = 0

    package init() {}
}

package struct CalendarLoadOutcome: Sendable {
    package enum Result: Sendable {
        case loaded(BatchCounts)
        case alreadyLoaded(batchID: Int64, finishedAt: Date?)
    }

    package var result: Result
    package var samples: [QuarantinedRecord] = []
    package var changes = CalendarChanges()
}

/// Loads one calendar's events and its occurrences over a window, in one transaction under `crmhub:calendars`:
///
/// 1. the calendar (`core.calendars`) and its events (`core.calendar_events`, one row per VEVENT; unchanged
///    ones untouched; rows made in the CRM are never overwritten by a file);
/// 2. the calendar's view of the window (`core.calendar_occurrence_views`) replaced: occurrences gone from it
///    (cancelled, moved, deleted) are deleted, new ones added, changed ones updated, the rest untouched;
/// 3. every occurrence key the view touched is rebuilt in `core.calendar_occurrences` from all calendars' views:
///    one row per UID and start, with the calendars that hold it; a key no calendar holds any more is deleted.
package struct CalendarStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    package func load(
        _ source: BatchSource, calendar: CalendarIdentity, window: Range<Int64>, events: [CalendarEventRow],
        occurrences: [CalendarOccurrenceRow], quarantined: [QuarantinedRecord], beforeCommit: LoadCommitHook? = nil
    ) async throws -> CalendarLoadOutcome {
        let changes = Mutex(CalendarChanges())
        let result = try await BatchLoad(warehouse: warehouse).run(source, lock: .serialised("crmhub:calendars"),
                                                                   beforeCommit: beforeCommit) { batch in
            let (written, counted) = try await Self.write(batch, calendar: calendar, window: window, events: events,
                                                          occurrences: occurrences, quarantined: quarantined)
            changes.withLock { $0 = counted }
            return written
        }
        switch result {
        case .loaded(let counts, let samples):
            return CalendarLoadOutcome(result: .loaded(counts), samples: samples, changes: changes.withLock { $0 })
        case .alreadyLoaded(let id, let at):
            return CalendarLoadOutcome(result: .alreadyLoaded(batchID: id, finishedAt: at))
        }
    }

    static let eventColumns = [
        "uid text", "recurrence_id text", "origin text", "summary text", "location text", "body_summary text",
        "organizer_email text", "organizer_name text", "attendees jsonb", "starts_at timestamptz",
        "ends_at timestamptz", "all_day boolean", "time_zone text", "source_tzid text", "rrule text", "status text",
        "sequence integer", "stamped_at timestamptz", "vevent text", "ews_item_id text", "ews_change_key text",
    ]
    static let occurrenceColumns = [
        "event_uid text", "starts_at timestamptz", "ends_at timestamptz", "subject text", "location text",
        "all_day boolean", "status text", "organizer_email text", "recurrence_id text", "sequence integer",
        "stamped_at timestamptz",
    ]

    private static func write(
        _ batch: OpenBatch, calendar: CalendarIdentity, window: Range<Int64>, events: [CalendarEventRow],
        occurrences: [CalendarOccurrenceRow], quarantined: [QuarantinedRecord]
    ) async throws -> (BatchWritten<[QuarantinedRecord]>, CalendarChanges) {
        let connection = batch.connection
        let logger = batch.logger
        // A load is not an edit in the CRM: core.count_crm_edit leaves these writes uncounted.
        try await connection.query("SET LOCAL crmhub.sync = 'on'", logger: logger)
        try await connection.query("""
            INSERT INTO core.calendars AS c (calendar, time_zone, owner) VALUES (\(calendar.name), \(calendar.timeZone),
                \(calendar.owner))
            ON CONFLICT (calendar) DO UPDATE SET time_zone = EXCLUDED.time_zone,
                owner = coalesce(EXCLUDED.owner, c.owner), updated_at = now()
            WHERE (c.time_zone, c.owner) IS DISTINCT FROM (EXCLUDED.time_zone, coalesce(EXCLUDED.owner, c.owner))
            """, logger: logger)
        let staged = try await batch.stage("stage_calendar_events", payload: eventColumns) { stage in
            for event in events {
                try await stage.append(line: event.sourceLine ?? 0) { encoder in encode(event, into: &encoder) }
            }
            for record in quarantined { try await stage.quarantine(record) }
        }
        _ = try await batch.stage("stage_calendar_occurrences", payload: occurrenceColumns) { stage in
            for occurrence in occurrences {
                try await stage.append(line: occurrence.sourceLine ?? 0) { encoder in encode(occurrence, into: &encoder) }
            }
        }
        // Statistics of what was staged: without them the planner takes a few rows for thousands (measured:
        // the merges below take half as long again without).
        try await connection.query("ANALYZE stage_calendar_events, stage_calendar_occurrences", logger: logger)
        var changes = CalendarChanges()
        changes.events = try await count(connection, logger, """
            WITH latest AS (
                SELECT DISTINCT ON (uid, recurrence_id) * FROM stage_calendar_events WHERE kind = 'r'
                ORDER BY uid, recurrence_id, sequence DESC, stamped_at DESC NULLS LAST, line DESC
            ), changed AS (
                INSERT INTO core.calendar_events AS e (calendar, uid, recurrence_id, origin, summary, location,
                    body_summary, organizer_email, organizer_name, attendees, starts_at, ends_at, all_day, time_zone,
                    source_tzid, rrule, status, sequence, stamped_at, vevent, ews_item_id, ews_change_key,
                    synced_version, batch_id, source_line)
                SELECT $1, uid, recurrence_id, origin, summary, location, body_summary, organizer_email,
                    organizer_name, attendees, starts_at, ends_at, all_day, time_zone, source_tzid, rrule, status,
                    sequence, stamped_at, vevent, ews_item_id, ews_change_key, 1, $2, line
                FROM latest
                ON CONFLICT (calendar, uid, recurrence_id) DO UPDATE SET summary = EXCLUDED.summary,
                    location = EXCLUDED.location, body_summary = EXCLUDED.body_summary,
                    organizer_email = EXCLUDED.organizer_email, organizer_name = EXCLUDED.organizer_name,
                    attendees = EXCLUDED.attendees, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
                    all_day = EXCLUDED.all_day, time_zone = EXCLUDED.time_zone, source_tzid = EXCLUDED.source_tzid,
                    rrule = EXCLUDED.rrule, status = EXCLUDED.status, sequence = EXCLUDED.sequence,
                    stamped_at = EXCLUDED.stamped_at, vevent = EXCLUDED.vevent,
                    ews_item_id = coalesce(EXCLUDED.ews_item_id, e.ews_item_id),
                    ews_change_key = coalesce(EXCLUDED.ews_change_key, e.ews_change_key),
                    deleted_at = NULL, modified_at = now(), batch_id = EXCLUDED.batch_id,
                    source_line = EXCLUDED.source_line
                WHERE e.origin <> 'crm' AND (e.summary, e.location, e.body_summary, e.organizer_email,
                    e.organizer_name, e.attendees, e.starts_at, e.ends_at, e.all_day, e.time_zone, e.source_tzid,
                    e.rrule, e.status, e.sequence, e.stamped_at, e.vevent, e.ews_change_key, e.deleted_at)
                    IS DISTINCT FROM (EXCLUDED.summary, EXCLUDED.location, EXCLUDED.body_summary,
                    EXCLUDED.organizer_email, EXCLUDED.organizer_name, EXCLUDED.attendees, EXCLUDED.starts_at,
                    EXCLUDED.ends_at, EXCLUDED.all_day, EXCLUDED.time_zone, EXCLUDED.source_tzid, EXCLUDED.rrule,
                    EXCLUDED.status, EXCLUDED.sequence, EXCLUDED.stamped_at, EXCLUDED.vevent,
                    coalesce(EXCLUDED.ews_change_key, e.ews_change_key), NULL::timestamptz)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM changed
            """, calendar.name, batch.id)
        // The calendar's view of the window: what is gone, what is new or changed.
        try await connection.query("""
            CREATE TEMP TABLE calendar_touched (event_uid text, starts_at timestamptz, change "char") ON COMMIT DROP
            """, logger: logger)
        let from = HRRowWriter.timestamp(window.lowerBound)
        let to = HRRowWriter.timestamp(window.upperBound)
        changes.removed = try await count(connection, logger, """
            WITH gone AS (
                DELETE FROM core.calendar_occurrence_views v
                WHERE v.calendar = $1 AND v.starts_at >= $2::timestamptz AND v.starts_at < $3::timestamptz
                  AND NOT EXISTS (SELECT 1 FROM stage_calendar_occurrences s
                                  WHERE s.event_uid = v.event_uid AND s.starts_at = v.starts_at)
                RETURNING v.event_uid, v.starts_at
            ), noted AS (
                INSERT INTO calendar_touched SELECT event_uid, starts_at, 'd' FROM gone RETURNING 1
            )
            SELECT count(*)::bigint FROM noted
            """, calendar.name, from, to)
        let upserted = try await connection.query(PostgresQuery(unsafeSQL: """
            WITH latest AS (
                SELECT DISTINCT ON (event_uid, starts_at) * FROM stage_calendar_occurrences WHERE kind = 'r'
                ORDER BY event_uid, starts_at, sequence DESC, line DESC
            ), changed AS (
                INSERT INTO core.calendar_occurrence_views AS v (calendar, event_uid, starts_at, ends_at, subject,
                    location, all_day, status, organizer_email, recurrence_id, sequence, stamped_at, batch_id,
                    source_line)
                SELECT $1, event_uid, starts_at, ends_at, subject, location, all_day, status, organizer_email,
                    recurrence_id, sequence, stamped_at, $2, line FROM latest
                ON CONFLICT (calendar, event_uid, starts_at) DO UPDATE SET ends_at = EXCLUDED.ends_at,
                    subject = EXCLUDED.subject, location = EXCLUDED.location, all_day = EXCLUDED.all_day,
                    status = EXCLUDED.status, organizer_email = EXCLUDED.organizer_email,
                    recurrence_id = EXCLUDED.recurrence_id, sequence = EXCLUDED.sequence,
                    stamped_at = EXCLUDED.stamped_at, batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line
                WHERE (v.ends_at, v.subject, v.location, v.all_day, v.status, v.organizer_email, v.recurrence_id,
                       v.sequence, v.stamped_at)
                      IS DISTINCT FROM (EXCLUDED.ends_at, EXCLUDED.subject, EXCLUDED.location, EXCLUDED.all_day,
                       EXCLUDED.status, EXCLUDED.organizer_email, EXCLUDED.recurrence_id, EXCLUDED.sequence,
                       EXCLUDED.stamped_at)
                RETURNING v.event_uid, v.starts_at, (xmax = 0) AS inserted
            ), noted AS (
                INSERT INTO calendar_touched SELECT event_uid, starts_at, CASE WHEN inserted THEN 'a' ELSE 'c' END
                FROM changed RETURNING change
            )
            SELECT count(*) FILTER (WHERE change = 'a')::bigint, count(*) FILTER (WHERE change = 'c')::bigint FROM noted
            """, binds: binds(calendar.name, batch.id)), logger: logger).collect().first!.decode((Int64, Int64).self)
        changes.added = Int(upserted.0)
        changes.changed = Int(upserted.1)
        try await rebuildOccurrences(connection, logger, batchID: batch.id)
        try await connection.query("""
            INSERT INTO ops.calendar_imports AS i (calendar, source_kind, window_from, window_to, batch_id)
            VALUES (\(calendar.name), \(batch.source.sourceKind), \(from)::timestamptz, \(to)::timestamptz, \(batch.id))
            ON CONFLICT (calendar, source_kind) DO UPDATE SET window_from = EXCLUDED.window_from,
                window_to = EXCLUDED.window_to, batch_id = EXCLUDED.batch_id, imported_at = now()
            """, logger: logger)
        let counts = BatchCounts(batchID: batch.id, read: staged.rows + staged.quarantined + occurrences.count,
                                 loaded: changes.added + changes.changed + changes.events,
                                 duplicate: staged.rows + occurrences.count - changes.added - changes.changed
                                     - changes.events,
                                 quarantined: staged.quarantined)
        return (BatchWritten(counts: counts, detail: staged.samples), changes)
    }

    /// One row per UID and start from every calendar's view, for the keys this load touched: the version of the
    /// highest SEQUENCE, then the latest DTSTAMP, then the first calendar by name; unchanged rows untouched.
    static func rebuildOccurrences(_ connection: LoadConnection, _ logger: Logger, batchID: Int64) async throws {
        // Statistics of the touched keys: few are deletions, usually.
        try await connection.query("ANALYZE calendar_touched", logger: logger)
        try await connection.query("""
            DELETE FROM core.calendar_occurrences o
            USING (SELECT DISTINCT event_uid, starts_at FROM calendar_touched WHERE change = 'd') t
            WHERE o.event_uid = t.event_uid AND o.starts_at = t.starts_at
              AND NOT EXISTS (SELECT 1 FROM core.calendar_occurrence_views v
                              WHERE v.event_uid = t.event_uid AND v.starts_at = t.starts_at)
            """, logger: logger)
        try await connection.query("""
            WITH keys AS (SELECT DISTINCT event_uid, starts_at FROM calendar_touched)
            INSERT INTO core.calendar_occurrences AS o (event_uid, starts_at, ends_at, subject, location, all_day,
                status, organizer_email, recurrence_id, calendars, batch_id)
            SELECT k.event_uid, k.starts_at, (m.w).ends_at, (m.w).subject, (m.w).location, (m.w).all_day,
                (m.w).status, (m.w).organizer_email, (m.w).recurrence_id, m.calendars, \(batchID)
            -- Each key looked up by its index (LATERAL keeps the planner from reading every calendar's view,
            -- which grows with each calendar loaded).
            FROM keys k CROSS JOIN LATERAL (
                SELECT (array_agg(v ORDER BY v.sequence DESC, v.stamped_at DESC NULLS LAST, v.calendar))[1] AS w,
                    array_agg(v.calendar ORDER BY v.calendar) AS calendars
                FROM core.calendar_occurrence_views v WHERE v.event_uid = k.event_uid AND v.starts_at = k.starts_at
            ) m
            -- Not `m.w IS NOT NULL`: a row value with any NULL field is not "NOT NULL" in SQL.
            WHERE m.calendars IS NOT NULL
            ON CONFLICT (event_uid, starts_at) DO UPDATE SET ends_at = EXCLUDED.ends_at, subject = EXCLUDED.subject,
                location = EXCLUDED.location, all_day = EXCLUDED.all_day, status = EXCLUDED.status,
                organizer_email = EXCLUDED.organizer_email, recurrence_id = EXCLUDED.recurrence_id,
                calendars = EXCLUDED.calendars, batch_id = EXCLUDED.batch_id, updated_at = now()
            WHERE (o.ends_at, o.subject, o.location, o.all_day, o.status, o.organizer_email, o.recurrence_id,
                   o.calendars)
                  IS DISTINCT FROM (EXCLUDED.ends_at, EXCLUDED.subject, EXCLUDED.location, EXCLUDED.all_day,
                   EXCLUDED.status, EXCLUDED.organizer_email, EXCLUDED.recurrence_id, EXCLUDED.calendars)
            """, logger: logger)
    }

    private static func count(_ connection: LoadConnection, _ logger: Logger, _ sql: String, _ text: String,
                              _ batchID: Int64) async throws -> Int {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds(text, batchID)),
                                              logger: logger).collect()
        return Int(try rows.first!.decode(Int64.self))
    }

    private static func count(_ connection: LoadConnection, _ logger: Logger, _ sql: String, _ text: String,
                              _ from: String, _ to: String) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(text)
        binds.append(from)
        binds.append(to)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
        return Int(try rows.first!.decode(Int64.self))
    }

    private static func binds(_ text: String, _ batchID: Int64) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(text)
        binds.append(batchID)
        return binds
    }

    static func encode(_ event: CalendarEventRow, into encoder: inout CopyTextEncoder) {
        encoder.field(event.uid)
        encoder.field(event.recurrenceID)
        encoder.field(event.origin)
        encoder.field(event.summary)
        encoder.field(event.location)
        encoder.field(event.bodySummary)
        encoder.field(event.organizerEmail)
        encoder.field(event.organizerName)
        encoder.field(attendeesJSON(event.attendees))
        encoder.field(event.startsAt.map(HRRowWriter.timestamp))
        encoder.field(event.endsAt.map(HRRowWriter.timestamp))
        encoder.field(event.allDay ? "t" : "f")
        encoder.field(event.timeZone)
        encoder.field(event.sourceTZID)
        encoder.field(event.rrule)
        encoder.field(event.status)
        encoder.field(event.sequence)
        encoder.field(event.stampedAt.map(HRRowWriter.timestamp))
        encoder.field(event.vevent)
        encoder.field(event.ewsItemID)
        encoder.field(event.ewsChangeKey)
    }

    static func encode(_ occurrence: CalendarOccurrenceRow, into encoder: inout CopyTextEncoder) {
        encoder.field(occurrence.eventUID)
        encoder.field(HRRowWriter.timestamp(occurrence.startsAt))
        encoder.field(HRRowWriter.timestamp(occurrence.endsAt))
        encoder.field(occurrence.subject)
        encoder.field(occurrence.location)
        encoder.field(occurrence.allDay ? "t" : "f")
        encoder.field(occurrence.status)
        encoder.field(occurrence.organizerEmail)
        encoder.field(occurrence.recurrenceID)
        encoder.field(occurrence.sequence)
        encoder.field(occurrence.stampedAt.map(HRRowWriter.timestamp))
    }

    /// `[{"email":…,"name":…,"role":…,"status":…}]`, keys in that order, absent values left out.
    static func attendeesJSON(_ attendees: [CalendarAttendee]) -> String {
        "[" + attendees.map { attendee in
            JSONText.object([("email", attendee.email), ("name", attendee.name), ("role", attendee.role),
                             ("status", attendee.status)].compactMap { pair in pair.1.map { (key: pair.0, value: $0) } })
        }.joined(separator: ",") + "]"
    }
}
