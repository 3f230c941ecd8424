import Foundation
import HubCore
import PostgresNIO

/// A month's attendance days laid out for the timesheet (`crmhub report timesheet`): employees by department
/// and name, each with one entry per day of the month.
package struct TimesheetReport: Sendable {
    package struct Day: Sendable, Equatable {
        package var status: String
        package var workedMinutes: Int
        package var absenceKind: String?
        package var provisional: Bool
    }

    package struct Employee: Sendable {
        package var personnelNumber: String
        package var fullName: String?
        package var position: String?
        package var department: String?
        /// Day of the month (1-based) → the day; a day with no row (before hire, after dismissal) is absent.
        package var days: [Int: Day]
    }

    package var month: ClosedRange<CalendarDate>
    package var employees: [Employee]
    /// Whether any day of the month is still provisional (a device has not reported past it).
    package var provisional: Bool { employees.contains { $0.days.values.contains(where: \.provisional) } }

    /// The days of `month`, one employee per department they were in (a transfer mid-month gives two lines).
    package static func read(_ warehouse: Warehouse, month: ClosedRange<CalendarDate>) async throws -> TimesheetReport {
        var employees: [Employee] = []
        let rows = try await warehouse.client.query("""
            SELECT d.personnel_number, e.full_name, e.position, coalesce(d.department, e.department),
                   extract(day FROM d.work_date)::int, d.status, d.worked_minutes, d.absence_kind, d.provisional
            FROM core.attendance_days d LEFT JOIN core.employees e ON e.personnel_number = d.personnel_number
            WHERE d.work_date BETWEEN \(month.lowerBound.iso)::date AND \(month.upperBound.iso)::date
            ORDER BY coalesce(d.department, e.department) NULLS LAST, e.full_name NULLS LAST, d.personnel_number,
                     d.work_date
            """, logger: warehouse.logger)
        for try await (number, name, position, department, day, status, minutes, absence, provisional) in rows.decode(
            (String, String?, String?, String?, Int, String, Int, String?, Bool).self)
        {
            let entry = Day(status: status, workedMinutes: minutes, absenceKind: absence, provisional: provisional)
            if let last = employees.last, last.personnelNumber == number, last.department == department {
                employees[employees.count - 1].days[day] = entry
            } else {
                employees.append(Employee(personnelNumber: number, fullName: name, position: position,
                                          department: department, days: [day: entry]))
            }
        }
        return TimesheetReport(month: month, employees: employees)
    }
}
