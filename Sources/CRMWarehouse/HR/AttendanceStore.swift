import Foundation
import HubCore
import Logging
import PostgresNIO

/// Reads what attendance is built from and writes the days built, for one month.
///
/// A build is one transaction under the advisory lock `crmhub:attendance`: it reads every employee's shift,
/// absences, employment and department history, the passages in the month (with a margin of two days either
/// side, for night shifts and windows), resolved to personnel numbers through `core.person_keys`, and how far
/// each device has reported; it writes only the days that changed, so rebuilding unchanged data changes no
/// row, and punches that arrive late change only the days they touch.
package struct AttendanceStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// One employee as a build sees them.
    package struct Employee: Sendable {
        package var personnelNumber: String
        package var hiredOn: CalendarDate?
        package var dismissedOn: CalendarDate?
        package var department: String?
        package var shift: WorkShiftRow?
        package var absences: [AbsenceDayRow] = []
        /// Department changes in date order: from that day on, that department.
        package var departments: [(from: CalendarDate, department: String?)] = []
        /// The devices (`source:device`) that recorded this employee's passages in the five weeks up to the month's
        /// end (none: every device holds their days back).
        package var devices: Set<String> = []

        /// The department on `day`: the latest change on or before it, else the employee's own.
        package func department(on day: CalendarDate) -> String? {
            departments.last { $0.from <= day }?.department ?? department
        }
    }

    /// A passage resolved to an employee.
    package struct Punch: Sendable {
        package var id: Int64
        package var personnelNumber: String
        package var punchedAt: Int64
        package var direction: PunchDirection
        /// `source:device`.
        package var device: String
    }

    /// What one month's build reads besides the punches (which stream, employee by employee).
    package struct Inputs: Sendable {
        /// In byte order of their personnel numbers (the order the punches arrive in).
        package var employees: [Employee] = []
        /// `source:device` → the latest punch it has sent (seconds since 1970 UTC).
        package var highWater: [String: Int64] = [:]
    }

    /// What a build wrote.
    package struct BuildSummary: Sendable, Equatable {
        package var buildID: Int64
        package var employees: Int
        package var days: Int
        package var changed: Int
    }

    /// Builds one month: reads the inputs, then streams the month's passages in employee order through a cursor,
    /// handing each employee with their punches to `days` (the rules; no I/O) as soon as all their punches have
    /// arrived, and COPYs the days to a stage a slice at a time — so memory holds one slice of punches and days,
    /// not the month. Then writes the days that changed.
    package func build(
        month: ClosedRange<CalendarDate>, rulesSHA256: String, fetchRows: Int = AttendanceStore.fetchRows,
        days: @Sendable (Employee, [Punch], _ highWater: [String: Int64]) -> [AttendanceDayRow]
    ) async throws -> BuildSummary {
        let logger = warehouse.logger
        return try await warehouse.withLoadConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('crmhub:attendance', 0))",
                                           logger: logger)
                let buildID = try await connection.query("""
                    INSERT INTO ops.attendance_builds (month, rules_sha256) VALUES (\(month.lowerBound.iso)::date,
                        \(rulesSHA256)) RETURNING id
                    """, logger: logger).collect().first!.decode(Int64.self)
                let inputs = try await Self.read(month, connection: connection, logger: logger)
                try await connection.query("""
                    CREATE TEMP TABLE stage_attendance (LIKE core.attendance_days INCLUDING DEFAULTS) ON COMMIT DROP
                    """, logger: logger)
                let count = try await Self.streamDays(inputs, month: month, buildID: buildID, fetchRows: fetchRows,
                                                      connection: connection, logger: logger, days: days)
                let changed = try await Self.merge(month: month, connection: connection, logger: logger)
                try await connection.query("""
                    UPDATE ops.attendance_builds SET employees = \(inputs.employees.count), days = \(count),
                        days_changed = \(changed), finished_at = clock_timestamp()
                    WHERE id = \(buildID)
                    """, logger: logger)
                return BuildSummary(buildID: buildID, employees: inputs.employees.count, days: count, changed: changed)
            }
        }
    }

    /// How many passages one FETCH brings: memory for about this many punches and the days they complete.
    package static let fetchRows = 50_000

    /// Resolves a punch's person: its person-map line, else its own key when the source's keys are personnel
    /// numbers. A map loaded after the punches applies to them, as keys are resolved here, not at import.
    static let resolvedPerson = """
        coalesce(k.personnel_number, CASE WHEN p.source = 'personnel_number' THEN p.person_key END)
        """

    private static func streamDays(
        _ inputs: Inputs, month: ClosedRange<CalendarDate>, buildID: Int64, fetchRows: Int, connection: LoadConnection,
        logger: Logger, days: @Sendable (Employee, [Punch], [String: Int64]) -> [AttendanceDayRow]
    ) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(month.lowerBound.adding(days: -2).iso)
        binds.append(month.upperBound.adding(days: 3).iso)
        try await connection.query(PostgresQuery(unsafeSQL: """
            DECLARE month_punches NO SCROLL CURSOR FOR
            SELECT p.id, \(resolvedPerson) COLLATE "C" AS person, extract(epoch FROM p.punched_at)::bigint,
                   p.direction, p.source || ':' || p.device
            FROM core.punches p LEFT JOIN core.person_keys k ON k.source = p.source AND k.person_key = p.person_key
            WHERE p.event_kind = 'pass' AND \(resolvedPerson) IS NOT NULL
              AND p.punched_at >= $1::date::timestamptz - interval '14 hours'
              AND p.punched_at < $2::date::timestamptz + interval '14 hours'
            ORDER BY 2, 3, 1
            """, binds: binds), logger: logger)
        var next = 0, written = 0
        var pending: [String: [Punch]] = [:]
        let known = Set(inputs.employees.map(\.personnelNumber))
        while true {
            var last: String?
            var fetched = 0
            for try await (id, number, at, direction, device) in try await connection.query(PostgresQuery(
                unsafeSQL: "FETCH \(fetchRows) FROM month_punches"), logger: logger)
                .decode((Int64, String, Int64, String, String).self)
            {
                fetched += 1
                last = number
                guard known.contains(number) else { continue }
                pending[number, default: []].append(Punch(
                    id: id, personnelNumber: number, punchedAt: at,
                    direction: PunchDirection(rawValue: direction) ?? .unknown, device: device))
            }
            let finished = fetched < fetchRows
            // Every employee before the last one fetched has all their punches (they arrive in byte order).
            var slice: [AttendanceDayRow] = []
            while next < inputs.employees.count {
                let employee = inputs.employees[next]
                if !finished, let last, !employee.personnelNumber.utf8.lexicographicallyPrecedes(last.utf8) { break }
                slice += days(employee, pending.removeValue(forKey: employee.personnelNumber) ?? [], inputs.highWater)
                next += 1
            }
            try await stage(slice, buildID: buildID, connection: connection, logger: logger)
            written += slice.count
            if finished { break }
        }
        try await connection.query("CLOSE month_punches", logger: logger)
        return written
    }

    private static func read(_ month: ClosedRange<CalendarDate>, connection: LoadConnection,
                             logger: Logger) async throws -> Inputs {
        var inputs = Inputs()
        var byNumber: [String: Employee] = [:]
        for try await (number, hired, dismissed, department) in try await connection.query("""
            SELECT personnel_number, hired_on::text, dismissed_on::text, department FROM core.employees
            WHERE NOT deleted
            """, logger: logger).decode((String, String?, String?, String?).self) {
            byNumber[number] = Employee(personnelNumber: number, hiredOn: hired.flatMap(CalendarDate.init(isoDate:)),
                                        dismissedOn: dismissed.flatMap(CalendarDate.init(isoDate:)),
                                        department: department)
        }
        for try await (number, start, end, workdays, weekdays, grace, before, after, line) in try await connection.query("""
            SELECT personnel_number, shift_start, shift_end, workdays, weekdays::int8[], late_grace_minutes,
                   window_before_minutes, window_after_minutes, source_line
            FROM core.work_shifts
            """, logger: logger).decode((String, String, String, String, [Int], Int, Int, Int, Int).self) {
            byNumber[number, default: Employee(personnelNumber: number)].shift = WorkShiftRow(
                personnelNumber: number, shiftStart: start, shiftEnd: end, workdays: workdays, weekdays: weekdays,
                lateGraceMinutes: grace, windowBeforeMinutes: before, windowAfterMinutes: after, line: line)
        }
        for try await (number, day, kind, line) in try await connection.query("""
            SELECT personnel_number, day::text, kind, source_line FROM core.absence_days
            WHERE day BETWEEN \(month.lowerBound.iso)::date AND \(month.upperBound.iso)::date
            ORDER BY personnel_number, day
            """, logger: logger).decode((String, String, String, Int).self) {
            guard let date = CalendarDate(isoDate: day), byNumber[number] != nil else { continue }
            byNumber[number]?.absences.append(AbsenceDayRow(personnelNumber: number, day: date, kind: kind, line: line))
        }
        for try await (number, effective, department) in try await connection.query("""
            SELECT personnel_number, effective_on::text, department FROM core.employee_history
            WHERE event IN ('hire', 'transfer') AND NOT deleted ORDER BY personnel_number, effective_on
            """, logger: logger).decode((String, String, String?).self) {
            guard let date = CalendarDate(isoDate: effective), byNumber[number] != nil else { continue }
            byNumber[number]?.departments.append((from: date, department: department))
        }
        let resolved = resolvedPerson
        // An employee's devices: those that recorded their passages in the five weeks up to the month's end. A
        // terminal taken out of service stops holding their later days back once it has been silent that long.
        var recent = PostgresBindings()
        recent.append(month.lowerBound.adding(days: -35).iso)
        recent.append(month.upperBound.adding(days: 1).iso)
        for try await (number, device) in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT DISTINCT \(resolved), p.source || ':' || p.device
            FROM core.punches p LEFT JOIN core.person_keys k ON k.source = p.source AND k.person_key = p.person_key
            WHERE p.event_kind = 'pass' AND \(resolved) IS NOT NULL
              AND p.punched_at >= $1::date::timestamptz AND p.punched_at < $2::date::timestamptz
            """, binds: recent), logger: logger).decode((String, String).self) {
            byNumber[number]?.devices.insert(device)
        }
        for try await (device, last) in try await connection.query("""
            SELECT source || ':' || device, extract(epoch FROM last_punch_at)::bigint FROM ops.device_high_water
            """, logger: logger).decode((String, Int64).self) {
            inputs.highWater[device] = last
        }
        // Byte order, as PostgreSQL's "C" collation sorts the punches.
        inputs.employees = byNumber.values.sorted { $0.personnelNumber.utf8.lexicographicallyPrecedes($1.personnelNumber.utf8) }
        return inputs
    }

    static let columns = [
        "personnel_number", "work_date", "department", "first_in", "last_out", "worked_minutes", "status",
        "absence_kind", "shift_start", "shift_end", "provisional", "punch_ids", "explanation",
    ]

    /// COPYs one slice of built days into the stage.
    private static func stage(_ days: [AttendanceDayRow], buildID: Int64, connection: LoadConnection,
                              logger: Logger) async throws {
        guard !days.isEmpty else { return }
        try await connection.copyFrom(table: "stage_attendance", columns: columns + ["build_id"], logger: logger) {
            writer in
            var encoder = CopyTextEncoder()
            for day in days {
                encoder.field(day.personnelNumber)
                encoder.field(day.workDate)
                encoder.field(day.department)
                encoder.field(day.firstIn.map(HRRowWriter.timestamp))
                encoder.field(day.lastOut.map(HRRowWriter.timestamp))
                encoder.field(day.workedMinutes)
                encoder.field(day.status)
                encoder.field(day.absenceKind)
                encoder.field(day.shiftStart.map(HRRowWriter.timestamp))
                encoder.field(day.shiftEnd.map(HRRowWriter.timestamp))
                encoder.field(day.provisional ? "t" : "f")
                encoder.field(arrayLiteral(day.punchIDs.map(String.init)))
                encoder.field(arrayLiteral(day.explanation))
                encoder.field(Int(buildID))
                encoder.endRow()
                if encoder.count > 256 * 1024 { try await writer.write(encoder.take()) }
            }
            if encoder.count > 0 { try await writer.write(encoder.take()) }
        }
    }

    /// Upserts the staged days that differ from what is stored and removes the month's days no longer built (an
    /// employee's dismissal moved earlier); the number of days changed.
    private static func merge(month: ClosedRange<CalendarDate>, connection: LoadConnection,
                              logger: Logger) async throws -> Int {
        let compared = columns.dropFirst(2).map { "d.\($0)" }.joined(separator: ", ")
        let incoming = columns.dropFirst(2).map { "EXCLUDED.\($0)" }.joined(separator: ", ")
        let assignments = (columns.dropFirst(2) + ["build_id"]).map { "\($0) = EXCLUDED.\($0)" }
            .joined(separator: ", ")
        let changed = try await connection.query(PostgresQuery(unsafeSQL: """
            WITH upserted AS (
                INSERT INTO core.attendance_days AS d (\((columns + ["build_id"]).joined(separator: ", ")))
                SELECT \((columns + ["build_id"]).joined(separator: ", ")) FROM stage_attendance
                ON CONFLICT (personnel_number, work_date) DO UPDATE SET \(assignments), built_at = now()
                WHERE (\(compared)) IS DISTINCT FROM (\(incoming))
                RETURNING 1
            )
            SELECT count(*)::bigint FROM upserted
            """), logger: logger).collect().first!.decode(Int64.self)
        let removed = try await connection.query("""
            WITH removed AS (
                DELETE FROM core.attendance_days d
                WHERE d.work_date BETWEEN \(month.lowerBound.iso)::date AND \(month.upperBound.iso)::date
                  AND NOT EXISTS (SELECT 1 FROM stage_attendance s
                                  WHERE s.personnel_number = d.personnel_number AND s.work_date = d.work_date)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM removed
            """, logger: logger).collect().first!.decode(Int64.self)
        return Int(changed + removed)
    }

    /// A PostgreSQL array literal of text values, each quoted (`{"a","b \"c\""}`).
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }
}
