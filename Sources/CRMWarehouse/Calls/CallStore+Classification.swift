import Foundation
import HubCore
import Logging
import PostgresNIO

extension CallStore {
    /// Legs fetched from the cursor at a time: a few MB of rows.
    static let fetchSize = 20_000

    static let callsStage = "stage_calls"

    static let callColumns = ["pbx", "entry_id", "started_at", "ended_at", "direction", "outcome", "after_hours",
                              "client_phone", "client_phone_raw", "line_number", "line_name", "employee_extension",
                              "first_extension", "answered_extensions", "rang_extensions", "talk_seconds",
                              "wait_seconds", "recordings", "legs", "leg_source"]

    /// Classifies every call the batch added legs to, from all of each call's legs, creates the clients their
    /// rules make, and merges the calls.
    static func classifyTouched(_ batch: OpenBatch, classify: Classify) async throws -> CallChanges {
        let connection = batch.connection
        let logger = batch.logger
        try await connection.query(PostgresQuery(unsafeSQL: """
            CREATE TEMP TABLE \(callsStage) (
                pbx text, entry_id text, started_at timestamptz, ended_at timestamptz, direction text, outcome text,
                after_hours boolean, client_phone text, client_phone_raw text, line_number text, line_name text,
                employee_extension text, first_extension text, answered_extensions text[], rang_extensions text[],
                talk_seconds integer, wait_seconds integer, recordings text[], legs integer, leg_source text,
                candidate_name text, candidate_responsible text, candidate_rule text
            ) ON COMMIT DROP
            """), logger: logger)
        // The batch id is CRMHub's own number, spliced in: DECLARE takes no parameters.
        try await connection.query(PostgresQuery(unsafeSQL: """
            DECLARE call_legs_cursor NO SCROLL CURSOR FOR
            SELECT l.pbx, l.entry_id, l.leg_source, l.leg_key, extract(epoch FROM l.started_at)::bigint,
                   extract(epoch FROM l.answered_at)::bigint, extract(epoch FROM l.ended_at)::bigint,
                   l.from_extension, l.from_number, l.to_extension, l.to_number, l.disconnect_reason, l.disposition,
                   l.location, l.line_number, l.application, l.recordings, l.transferred, l.source_line
            FROM core.call_legs l
            WHERE (l.pbx, l.entry_id) IN (SELECT DISTINCT pbx, entry_id FROM core.call_legs WHERE batch_id = \(batch.id))
            ORDER BY l.pbx, l.entry_id
            """), logger: logger)
        let classifying = ContinuousClock.now
        var changes = CallChanges()
        var group: [CallLegRow] = []
        var encoder = CopyTextEncoder()
        var more = true
        while more {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "FETCH FORWARD \(fetchSize) FROM call_legs_cursor"),
                                                  logger: logger)
            var fetched = 0
            for try await row in rows {
                fetched += 1
                let leg = try decodeLeg(row)
                if let last = group.last, last.pbx != leg.pbx || last.entryID != leg.entryID {
                    if let call = classify(group) { encode(call, into: &encoder); changes.classified += 1 }
                    group.removeAll(keepingCapacity: true)
                }
                group.append(leg)
            }
            more = fetched == fetchSize
            if !more, !group.isEmpty, let call = classify(group) {
                encode(call, into: &encoder)
                changes.classified += 1
            }
            if encoder.count > 0 {
                let chunk = encoder.take()
                try await connection.copyFrom(table: callsStage, logger: logger) { writer in
                    try await writer.write(chunk)
                }
            }
        }
        try await connection.query("CLOSE call_legs_cursor", logger: logger)
        var phase = classifying
        func done(_ what: String) {
            logger.info("\(what)", metadata: ["seconds": "\(phase.duration(to: .now))"])
            phase = .now
        }
        // A temporary table has no statistics until analysed: without them the planner joins a million staged
        // calls by nested loops.
        try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE \(callsStage)"), logger: logger)
        done("calls classified (\(changes.classified))")
        changes.clientsCreated = try await createClients(batch)
        done("clients created (\(changes.clientsCreated))")
        let (inserted, updated) = try await mergeCalls(batch)
        done("calls merged")
        if changes.clientsCreated > 0 {
            // Calls stored before their number became a client (in an earlier load) now point at it.
            try await connection.query(PostgresQuery(unsafeSQL: """
                UPDATE core.calls c SET client_id = n.client_id, updated_at = now()
                FROM core.clients n
                WHERE n.batch_id = \(batch.id) AND c.client_phone = n.phone AND c.client_id IS NULL
                """), logger: logger)
        }
        changes.inserted = inserted
        changes.updated = updated
        return changes
    }

    private static func decodeLeg(_ row: PostgresRow) throws -> CallLegRow {
        let cells = row.makeRandomAccess()
        return CallLegRow(
            pbx: try cells[0].decode(String.self), entryID: try cells[1].decode(String.self),
            legSource: try cells[2].decode(String.self), legKey: try cells[3].decode(Int64.self),
            startedAt: try cells[4].decode(Int64.self), answeredAt: try cells[5].decode(Int64?.self),
            endedAt: try cells[6].decode(Int64.self), fromExtension: try cells[7].decode(String?.self),
            fromNumber: try cells[8].decode(String?.self), toExtension: try cells[9].decode(String?.self),
            toNumber: try cells[10].decode(String?.self), disconnectReason: try cells[11].decode(Int?.self),
            disposition: try cells[12].decode(String?.self), location: try cells[13].decode(String?.self),
            lineNumber: try cells[14].decode(String?.self), application: try cells[15].decode(String?.self),
            recordings: try cells[16].decode([String].self), transferred: try cells[17].decode(Bool.self),
            raw: "", sourceLine: try cells[18].decode(Int.self))
    }

    private static func encode(_ call: CallRow, into encoder: inout CopyTextEncoder) {
        encoder.field(call.pbx)
        encoder.field(call.entryID)
        encoder.field(HRRowWriter.timestamp(call.startedAt))
        encoder.field(HRRowWriter.timestamp(call.endedAt))
        encoder.field(call.direction.rawValue)
        encoder.field(call.outcome.rawValue)
        encoder.field(call.afterHours ? "t" : "f")
        encoder.field(call.clientPhone)
        encoder.field(call.clientPhoneRaw)
        encoder.field(call.lineNumber)
        encoder.field(call.lineName)
        encoder.field(call.employeeExtension)
        encoder.field(call.firstExtension)
        encoder.field(CallLegWriter.arrayLiteral(call.answeredExtensions))
        encoder.field(CallLegWriter.arrayLiteral(call.rangExtensions))
        encoder.field(call.talkSeconds)
        encoder.field(call.waitSeconds)
        encoder.field(CallLegWriter.arrayLiteral(call.recordings))
        encoder.field(call.legCount)
        encoder.field(call.legSource)
        encoder.field(call.candidate?.name)
        encoder.field(call.candidate?.responsibleExtension)
        encoder.field(call.candidate?.rule)
        encoder.endRow()
    }

    /// The earliest candidate call of each number no client has yet creates its client, with the call-tracking
    /// data of that call when it came through a tracking number.
    private static func createClients(_ batch: OpenBatch) async throws -> Int {
        let created = try await batch.connection.query("""
            WITH candidates AS (
                SELECT DISTINCT ON (s.client_phone) s.* FROM stage_calls s
                WHERE s.candidate_name IS NOT NULL AND s.client_phone IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM core.client_phones p WHERE p.phone = s.client_phone)
                ORDER BY s.client_phone, s.started_at, s.entry_id
            ), inserted AS (
                INSERT INTO core.clients (name, phone, responsible_extension, created_by, created_from_pbx,
                    created_from_entry, created_at, source_line_number, source_line_name, tracking_client_id,
                    google_cid, city, country_code, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
                    seconds_on_site, page, context_id, batch_id)
                SELECT c.candidate_name, c.client_phone, c.candidate_responsible, c.candidate_rule, c.pbx, c.entry_id,
                       c.started_at, c.line_number, c.line_name, t.tracking_client_id, t.google_cid, t.city,
                       t.country_code, t.utm_source, t.utm_medium, t.utm_campaign, t.utm_content, t.utm_term,
                       t.seconds_on_site, t.page, t.context_id, \(batch.id)
                FROM candidates c LEFT JOIN core.call_tracking t ON t.pbx = c.pbx AND t.entry_id = c.entry_id
                ORDER BY c.started_at, c.entry_id
                RETURNING client_id, phone, created_from_pbx, created_from_entry
            ), phones AS (
                INSERT INTO core.client_phones (phone, client_id, raw)
                SELECT i.phone, i.client_id, c.client_phone_raw
                FROM inserted i JOIN candidates c ON c.pbx = i.created_from_pbx AND c.entry_id = i.created_from_entry
                RETURNING 1
            )
            SELECT count(*)::bigint FROM phones
            """, logger: batch.logger).collect().first!.decode(Int64.self)
        return Int(created)
    }

    /// (calls added, calls changed).
    private static func mergeCalls(_ batch: OpenBatch) async throws -> (Int, Int) {
        let columns = callColumns.joined(separator: ", ")
        let updates = callColumns.dropFirst(2).map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let compared = (callColumns.dropFirst(2) + ["client_id"])
        let row = try await batch.connection.query(PostgresQuery(unsafeSQL: """
            WITH merged AS (
                INSERT INTO core.calls AS c (\(columns), client_id, batch_id)
                SELECT \(callColumns.map { "s.\($0)" }.joined(separator: ", ")), p.client_id, \(batch.id)
                FROM stage_calls s
                LEFT JOIN (SELECT DISTINCT ON (phone) phone, client_id FROM core.client_phones
                           WHERE phone IN (SELECT client_phone FROM stage_calls)
                           ORDER BY phone, client_id) p ON p.phone = s.client_phone
                ON CONFLICT (pbx, entry_id) DO UPDATE SET \(updates), client_id = EXCLUDED.client_id,
                    batch_id = EXCLUDED.batch_id, updated_at = now()
                WHERE (\(compared.map { "c.\($0)" }.joined(separator: ", ")))
                      IS DISTINCT FROM (\(compared.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint FROM merged
            """), logger: batch.logger).collect().first!
        let (inserted, updated) = try row.decode((Int64, Int64).self)
        return (Int(inserted), Int(updated))
    }
}
