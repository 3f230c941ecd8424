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
                   coalesce((SELECT array_agg(p.local_time || ' ' || p.direction || ' @' || p.device
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
}
