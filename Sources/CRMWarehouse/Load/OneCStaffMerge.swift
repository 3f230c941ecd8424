import HubCore
import Logging
import PostgresNIO

/// Applies 1C:ZUP's staged staff objects (`stage_staff`) to `core`, set-wise, once every chunk of the message
/// is in: persons, departments and positions by reference; employees by personnel number; each HR history
/// object's records replaced together when they differ from what is stored. Then every employee the message
/// touched is brought up to date from the history: hired and dismissed on, department and position now.
///
/// The latest version of an object in the message wins (1C may send one twice); an unchanged resend changes
/// nothing.
struct OneCStaffMerge: Sendable {
    let batchID: Int64
    let connection: LoadConnection
    let logger: Logger

    /// What changed: persons, units and employees together; history objects.
    func merge() async throws -> (staff: OneCLoadSummary.Changes, history: OneCLoadSummary.Changes) {
        try await exec("""
            CREATE TEMP TABLE stage_staff_touched (personnel_number text PRIMARY KEY) ON COMMIT DROP
            """)
        var staff = try await mergeIndividuals()
        let units = try await mergeUnits()
        let employees = try await mergeEmployees()
        let history = try await mergeHistory()
        // An employee whose derived columns alone changed (a new history record moved them) counts as updated.
        let derived = try await refreshTouched()
        try await exec("TRUNCATE stage_staff_touched")
        let updated = employees.updated.union(derived).subtracting(employees.inserted)
        staff.inserted += units.inserted + employees.inserted.count
        staff.updated += units.updated + updated.count
        staff.unchanged += units.unchanged + max(0, employees.total - employees.inserted.count - updated.count)
        return (staff, history)
    }

    /// `УдалениеОбъекта` of a history object or an employee: marked deleted (their records stop counting),
    /// never removed. The number marked.
    func applyDeletions() async throws -> Int {
        try await exec("""
            CREATE TEMP TABLE IF NOT EXISTS stage_staff_touched (personnel_number text PRIMARY KEY) ON COMMIT DROP
            """)
        let row = try await connection.query("""
            WITH wanted AS (
                SELECT DISTINCT d.ref FROM stage_later d
                WHERE d.kind = 'd'
                  AND NOT EXISTS (SELECT 1 FROM raw.onec_objects o
                                  WHERE o.source_ref = d.ref AND o.batch_id = \(batchID) AND o.disposition = 'mapped')
            ), history AS (
                UPDATE core.employee_history h SET deleted = true, batch_id = \(batchID)
                FROM wanted w WHERE h.registrar_ref = w.ref AND NOT h.deleted
                RETURNING h.personnel_number, w.ref
            ), employees AS (
                UPDATE core.employees e SET deleted = true, batch_id = \(batchID), updated_at = now()
                FROM wanted w WHERE e.source_ref = w.ref AND NOT e.deleted
                RETURNING e.personnel_number, w.ref
            ), touched AS (
                INSERT INTO stage_staff_touched SELECT personnel_number FROM history
                ON CONFLICT DO NOTHING RETURNING 1
            )
            SELECT (SELECT count(DISTINCT ref) FROM history) + (SELECT count(*) FROM employees),
                   (SELECT count(*) FROM touched)
            """, logger: logger).collect().first!
        let (marked, touched) = try row.decode((Int64, Int64).self)
        if touched > 0 { _ = try await refreshTouched() }
        try await exec("TRUNCATE stage_staff_touched")
        return Int(marked)
    }

    private func exec(_ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger)
    }

    private func changes(_ query: PostgresQuery) async throws -> OneCLoadSummary.Changes {
        try await connection.changes(query, logger: logger)
    }

    private func mergeIndividuals() async throws -> OneCLoadSummary.Changes {
        try await changes("""
            WITH latest AS (
                SELECT DISTINCT ON (ref) * FROM stage_staff WHERE kind = 'i' ORDER BY ref, seq DESC
            ), upserted AS (
                INSERT INTO core.individuals AS t (source_ref, full_name, last_name, first_name, middle_name,
                                                   birth_date, inn, pinfl, batch_id, source_line, source_path)
                SELECT ref, name, last_name, first_name, middle_name, birth_date, inn, pinfl, \(batchID),
                       source_line, source_path
                FROM latest
                ON CONFLICT (source_ref) DO UPDATE SET
                    full_name = EXCLUDED.full_name, last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name,
                    middle_name = EXCLUDED.middle_name, birth_date = EXCLUDED.birth_date, inn = EXCLUDED.inn,
                    pinfl = EXCLUDED.pinfl, batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line,
                    source_path = EXCLUDED.source_path, updated_at = now()
                WHERE (t.full_name, t.last_name, t.first_name, t.middle_name, t.birth_date, t.inn, t.pinfl)
                      IS DISTINCT FROM (EXCLUDED.full_name, EXCLUDED.last_name, EXCLUDED.first_name,
                                        EXCLUDED.middle_name, EXCLUDED.birth_date, EXCLUDED.inn, EXCLUDED.pinfl)
                RETURNING t.source_ref, (xmax = 0) AS inserted
            ), touched AS (
                INSERT INTO stage_staff_touched
                SELECT e.personnel_number FROM core.employees e JOIN upserted u ON u.source_ref = e.individual_ref
                ON CONFLICT DO NOTHING
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint,
                   (SELECT count(*) FROM latest)::bigint
            FROM upserted
            """)
    }

    private func mergeUnits() async throws -> OneCLoadSummary.Changes {
        try await changes("""
            WITH latest AS (
                SELECT DISTINCT ON (kind, ref) * FROM stage_staff WHERE kind IN ('d', 'j') ORDER BY kind, ref, seq DESC
            ), upserted AS (
                INSERT INTO core.staff_units AS t (kind, source_ref, name, batch_id, source_line, source_path)
                SELECT CASE kind WHEN 'd' THEN 'department' ELSE 'position' END, ref, name, \(batchID), source_line,
                       source_path
                FROM latest
                ON CONFLICT (kind, source_ref) DO UPDATE SET
                    name = EXCLUDED.name, batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line,
                    source_path = EXCLUDED.source_path, updated_at = now()
                WHERE t.name IS DISTINCT FROM EXCLUDED.name
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint,
                   (SELECT count(*) FROM latest)::bigint
            FROM upserted
            """)
    }

    /// Catalogue entries (`e`) create or update their employee; a history record's employee (`h`) is created
    /// when the warehouse does not know them yet, from what the record says of them. The personnel numbers
    /// inserted and updated, and how many the message names.
    private func mergeEmployees() async throws -> (inserted: Set<String>, updated: Set<String>, total: Int) {
        var inserted: Set<String> = [], updated: Set<String> = [], total = 0
        for try await (number, isNew, count) in try await connection.query("""
            WITH latest AS (
                SELECT DISTINCT ON (personnel_number) * FROM stage_staff
                WHERE kind IN ('e', 'h')
                ORDER BY personnel_number, (kind = 'e') DESC, seq DESC
            ), upserted AS (
                INSERT INTO core.employees AS t (personnel_number, full_name, source_ref, individual_ref, organization,
                                                 archived, batch_id, source_line, source_path)
                SELECT l.personnel_number, coalesce(i.full_name, l.name), l.employee_ref, l.individual_ref,
                       l.organization, coalesce(l.archived, false), \(batchID), l.source_line, l.source_path
                FROM latest l LEFT JOIN core.individuals i ON i.source_ref = l.individual_ref
                ON CONFLICT (personnel_number) DO UPDATE SET
                    full_name = coalesce(EXCLUDED.full_name, t.full_name),
                    source_ref = coalesce(EXCLUDED.source_ref, t.source_ref),
                    individual_ref = coalesce(EXCLUDED.individual_ref, t.individual_ref),
                    organization = coalesce(EXCLUDED.organization, t.organization),
                    archived = EXCLUDED.archived, deleted = false, batch_id = EXCLUDED.batch_id,
                    source_line = EXCLUDED.source_line, source_path = EXCLUDED.source_path, updated_at = now()
                WHERE EXISTS (SELECT 1 FROM latest x WHERE x.personnel_number = t.personnel_number AND x.kind = 'e')
                  AND ((t.full_name, t.source_ref, t.individual_ref, t.organization, t.archived, t.deleted)
                       IS DISTINCT FROM (coalesce(EXCLUDED.full_name, t.full_name),
                                         coalesce(EXCLUDED.source_ref, t.source_ref),
                                         coalesce(EXCLUDED.individual_ref, t.individual_ref),
                                         coalesce(EXCLUDED.organization, t.organization), EXCLUDED.archived, false))
                RETURNING t.personnel_number, (xmax = 0) AS inserted
            ), touched AS (
                INSERT INTO stage_staff_touched SELECT personnel_number FROM latest ON CONFLICT DO NOTHING
            )
            SELECT personnel_number, inserted, (SELECT count(*) FROM latest)::bigint FROM upserted
            UNION ALL SELECT NULL, NULL, (SELECT count(*) FROM latest)::bigint
            """, logger: logger).decode((String?, Bool?, Int64).self) {
            total = Int(count)
            guard let number, let isNew else { continue }
            if isNew { inserted.insert(number) } else { updated.insert(number) }
        }
        return (inserted, updated, total)
    }

    /// Each history object in the message whose records differ from the stored ones replaces them all; its
    /// department and position names come from the catalogues when a record gives only references.
    private func mergeHistory() async throws -> OneCLoadSummary.Changes {
        try await exec("""
            CREATE TEMP TABLE stage_history ON COMMIT DROP AS
            WITH last_version AS (
                -- 1C may send an object twice: its last version's records are those staged from the last row
                -- that starts one (record 1, or an object with no records).
                SELECT ref, max(seq) AS first_seq FROM stage_staff
                WHERE (kind = 'h' AND record_no = 1) OR kind = 'c'
                GROUP BY ref
            )
            SELECT s.ref AS registrar_ref, s.record_no, s.personnel_number, s.effective_on, s.event, s.event_text,
                   s.employee_ref, s.department_ref, coalesce(s.department, d.name) AS department, s.position_ref,
                   coalesce(s.job_title, p.name) AS position, s.contract_kind, s.rate, s.valid_until,
                   s.source_line, s.source_path
            FROM stage_staff s
            JOIN last_version v ON v.ref = s.ref AND s.seq >= v.first_seq
            LEFT JOIN core.staff_units d ON d.kind = 'department' AND d.source_ref = s.department_ref
            LEFT JOIN core.staff_units p ON p.kind = 'position' AND p.source_ref = s.position_ref
            WHERE s.kind = 'h'
            """)
        // Compared and joined per registrar below: thousands of them in a first full message.
        try await exec("CREATE INDEX ON stage_history (registrar_ref)")
        return try await changes("""
            WITH objects AS (
                SELECT DISTINCT ref FROM stage_staff WHERE kind IN ('h', 'c')
            ), differing AS (
                SELECT o.ref FROM objects o
                WHERE (SELECT coalesce(array_agg(ROW(h.record_no, h.personnel_number, h.effective_on, h.event,
                                                     h.event_text, h.department, h.position, h.contract_kind, h.rate,
                                                     h.valid_until, h.deleted)::text ORDER BY h.record_no), '{}')
                       FROM core.employee_history h WHERE h.registrar_ref = o.ref)
                      IS DISTINCT FROM
                      (SELECT coalesce(array_agg(ROW(s.record_no, s.personnel_number, s.effective_on, s.event,
                                                     s.event_text, s.department, s.position, s.contract_kind,
                                                     s.rate::numeric(10, 3), s.valid_until, false)::text
                                                 ORDER BY s.record_no), '{}')
                       FROM stage_history s WHERE s.registrar_ref = o.ref)
            ), existed AS (
                SELECT DISTINCT h.registrar_ref FROM core.employee_history h JOIN differing d ON d.ref = h.registrar_ref
            ), removed AS (
                DELETE FROM core.employee_history h USING differing d WHERE h.registrar_ref = d.ref
                RETURNING h.personnel_number
            ), inserted AS (
                INSERT INTO core.employee_history (registrar_ref, record_no, personnel_number, effective_on, event,
                                                   event_text, employee_ref, department_ref, department, position_ref,
                                                   position, contract_kind, rate, valid_until, batch_id, source_line,
                                                   source_path)
                SELECT s.registrar_ref, s.record_no, s.personnel_number, s.effective_on, s.event, s.event_text,
                       s.employee_ref, s.department_ref, s.department, s.position_ref, s.position, s.contract_kind,
                       s.rate, s.valid_until, \(batchID), s.source_line, s.source_path
                FROM stage_history s JOIN differing d ON d.ref = s.registrar_ref
                RETURNING personnel_number
            ), touched AS (
                INSERT INTO stage_staff_touched
                SELECT personnel_number FROM removed UNION SELECT personnel_number FROM inserted
                ON CONFLICT DO NOTHING
            )
            SELECT (SELECT count(*) FROM differing WHERE ref NOT IN (SELECT registrar_ref FROM existed))::bigint,
                   (SELECT count(*) FROM existed)::bigint, (SELECT count(*) FROM objects)::bigint
            """)
    }

    /// Brings every touched employee up to date from their history (records not deleted): hired on the latest
    /// hire, dismissed on a dismissal after it, department and position from the latest hire or transfer, the
    /// person's identifiers. The personnel numbers changed.
    @discardableResult
    private func refreshTouched() async throws -> Set<String> {
        var changed: Set<String> = []
        for try await number in try await connection.query("""
            WITH derived AS (
                SELECT e.personnel_number,
                       coalesce(i.full_name, e.full_name) AS full_name, coalesce(i.inn, e.inn) AS inn,
                       coalesce(i.pinfl, e.pinfl) AS pinfl, hire.effective_on AS hired_on,
                       CASE WHEN dismissal.effective_on >= coalesce(hire.effective_on, dismissal.effective_on)
                            THEN dismissal.effective_on END AS dismissed_on,
                       coalesce(placed.department, e.department) AS department,
                       coalesce(placed.position, e.position) AS position
                FROM core.employees e
                JOIN stage_staff_touched t ON t.personnel_number = e.personnel_number
                LEFT JOIN core.individuals i ON i.source_ref = e.individual_ref
                LEFT JOIN LATERAL (SELECT max(h.effective_on) AS effective_on FROM core.employee_history h
                                   WHERE h.personnel_number = e.personnel_number AND h.event = 'hire' AND NOT h.deleted
                                  ) hire ON true
                LEFT JOIN LATERAL (SELECT max(h.effective_on) AS effective_on FROM core.employee_history h
                                   WHERE h.personnel_number = e.personnel_number AND h.event = 'dismissal'
                                     AND NOT h.deleted) dismissal ON true
                LEFT JOIN LATERAL (SELECT h.department, h.position FROM core.employee_history h
                                   WHERE h.personnel_number = e.personnel_number AND h.event IN ('hire', 'transfer')
                                     AND NOT h.deleted
                                   ORDER BY h.effective_on DESC, h.registrar_ref DESC, h.record_no DESC LIMIT 1
                                  ) placed ON true
            ), updated AS (
                UPDATE core.employees e SET full_name = d.full_name, inn = d.inn, pinfl = d.pinfl,
                       hired_on = d.hired_on, dismissed_on = d.dismissed_on, department = d.department,
                       position = d.position, batch_id = \(batchID), updated_at = now()
                FROM derived d
                WHERE e.personnel_number = d.personnel_number
                  AND (e.full_name, e.inn, e.pinfl, e.hired_on, e.dismissed_on, e.department, e.position)
                      IS DISTINCT FROM (d.full_name, d.inn, d.pinfl, d.hired_on, d.dismissed_on, d.department,
                                        d.position)
                RETURNING e.personnel_number
            )
            SELECT personnel_number FROM updated
            """, logger: logger).decode(String.self) {
            changed.insert(number)
        }
        return changed
    }
}
