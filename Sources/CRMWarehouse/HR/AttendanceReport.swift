import Foundation
import HubCore
import PostgresNIO

/// What HR reads after a build: the days to fix at the source, with their punches, and the device persons no
/// employee stands for.
package enum AttendanceReport {
    package struct IncompleteDay: Sendable {
        package var personnelNumber: String
        package var fullName: String?
        package var department: String?
        package var workDate: CalendarDate
        package var explanation: [String]
        /// Each punch of the day: local time, direction, device.
        package var punches: [String]
    }

    package struct UnmappedKey: Sendable {
        package var source: String
        package var personKey: String
        package var personName: String?
        package var punches: Int
        package var firstPunchAt: Date
        package var lastPunchAt: Date
    }

    /// The month's `incomplete` days, by employee and date.
    package static func incompleteDays(_ warehouse: Warehouse, month: ClosedRange<CalendarDate>) async throws
        -> [IncompleteDay]
    {
        var days: [IncompleteDay] = []
        let rows = try await warehouse.client.query("""
            SELECT d.personnel_number, e.full_name, d.department, d.work_date::text, d.explanation,
                   coalesce((SELECT array_agg(p.local_time || ' ' || p.direction || ' @' || p.source || ':' || p.device
                                              ORDER BY p.punched_at, p.id)
                             FROM core.punches p WHERE p.id = ANY(d.punch_ids)), '{}')
            FROM core.attendance_days d LEFT JOIN core.employees e ON e.personnel_number = d.personnel_number
            WHERE d.status = 'incomplete'
              AND d.work_date BETWEEN \(month.lowerBound.iso)::date AND \(month.upperBound.iso)::date
            ORDER BY d.personnel_number, d.work_date
            """, logger: warehouse.logger)
        for try await (number, name, department, date, explanation, punches) in rows.decode(
            (String, String?, String?, String, [String], [String]).self)
        {
            guard let day = CalendarDate(isoDate: date) else { continue }
            days.append(IncompleteDay(personnelNumber: number, fullName: name, department: department, workDate: day,
                                      explanation: explanation, punches: punches))
        }
        return days
    }

    /// Passages whose person no employee stands for (`mart.unmapped_person_keys`), most punches first.
    package static func unmappedKeys(_ warehouse: Warehouse) async throws -> [UnmappedKey] {
        var keys: [UnmappedKey] = []
        let rows = try await warehouse.client.query("""
            SELECT source, person_key, person_name, punches::bigint, first_punch_at, last_punch_at
            FROM mart.unmapped_person_keys ORDER BY punches DESC, source, person_key
            """, logger: warehouse.logger)
        for try await (source, key, name, punches, first, last) in rows.decode(
            (String, String, String?, Int64, Date, Date).self)
        {
            keys.append(UnmappedKey(source: source, personKey: key, personName: name, punches: Int(punches),
                                    firstPunchAt: first, lastPunchAt: last))
        }
        return keys
    }

    /// The month of the latest passage stored, if any: what the demo builds.
    package static func latestPunchMonth(_ warehouse: Warehouse) async throws -> String? {
        try await warehouse.client.query("""
            SELECT to_char(max(punched_at) AT TIME ZONE 'Asia/Tashkent', 'YYYY-MM') FROM core.punches
            WHERE event_kind = 'pass'
            """, logger: warehouse.logger).collect().first?.decode(String?.self)
    }

    /// `mart.attendance_month` for one month: per employee and department, days by status and hours worked.
    package static func month(_ warehouse: Warehouse, first: CalendarDate) async throws -> [[String]] {
        var rows: [[String]] = []
        for try await (number, department, present, late, incomplete, absent, leave, minutes, provisional)
            in try await warehouse.client.query("""
            SELECT personnel_number || coalesce(' ' || full_name, ''), coalesce(department, ''), days_present::int,
                   days_late::int,
                   days_incomplete::int, days_absent::int, days_leave::int, minutes_worked::int, provisional
            FROM mart.attendance_month WHERE month = \(first.iso)::date ORDER BY department, personnel_number
            """, logger: warehouse.logger).decode((String, String, Int, Int, Int, Int, Int, Int, Bool).self)
        {
            rows.append([number, department, String(present), String(late), String(incomplete), String(absent),
                         String(leave), String(format: "%.2f", Double(minutes) / 60), provisional ? "yes" : "no"])
        }
        return rows
    }

    /// 1C:ZUP's hires, transfers and dismissals in `month` (from `core.employee_history`), one row each: personnel
    /// number and name, event, date, department and position from then on.
    package static func staffChanges(_ warehouse: Warehouse, month: ClosedRange<CalendarDate>) async throws
        -> [[String]]
    {
        var rows: [[String]] = []
        for try await (number, event, date, department, position) in try await warehouse.client.query("""
            SELECT h.personnel_number || coalesce(' ' || e.full_name, ''), h.event, h.effective_on::text,
                   coalesce(h.department, ''), coalesce(h.position, '')
            FROM core.employee_history h LEFT JOIN core.employees e ON e.personnel_number = h.personnel_number
            WHERE NOT h.deleted AND h.effective_on BETWEEN \(month.lowerBound.iso)::date AND \(month.upperBound.iso)::date
            ORDER BY h.effective_on, h.personnel_number, h.record_no
            """, logger: warehouse.logger).decode((String, String, String, String, String).self) {
            rows.append([number, event, date, department, position])
        }
        return rows
    }

    /// How many employees the warehouse knows, and how many of them came from 1C:ZUP.
    package static func staffCount(_ warehouse: Warehouse) async throws -> (all: Int, fromZUP: Int) {
        let row = try await warehouse.client.query("""
            SELECT count(*)::int, count(*) FILTER (WHERE source_ref IS NOT NULL)::int FROM core.employees WHERE NOT deleted
            """, logger: warehouse.logger).collect().first!
        return try row.decode((Int, Int).self)
    }
}
