import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// The month's timesheet as an XLSX workbook laid out like the unified form T-13 (Табель учета рабочего
/// времени) HR already uses: a heading with the period and the department, then per employee two lines — the
/// day's code and the hours worked, day by day — and the employee's totals; a totals line per department.
///
/// Codes as in T-13: Я worked (present or late), В weekend, НН absent without an explanation, ОТ vacation, Б sick
/// leave, К business trip; any other absence kind is written as itself. A day the rules could not decide
/// (`incomplete`) is `?`: HR settles it at the source (docs/attendance.md) before the month is closed.
package enum TimesheetFile {
    static let codes: [String: String] = [
        "present": "Я", "late": "Я", "weekend": "В", "absent": "НН", "incomplete": "?",
    ]
    static let absenceCodes: [String: String] = ["vacation": "ОТ", "sick_leave": "Б", "business_trip": "К"]

    /// The T-13 code of one day.
    static func code(_ day: TimesheetReport.Day?) -> String {
        guard let day else { return "" }
        if day.status == "leave" { return day.absenceKind.map { absenceCodes[$0] ?? $0 } ?? "ОТ" }
        return codes[day.status] ?? day.status
    }

    /// Minutes as hours with two decimals, exactly (`505` → `8.42`).
    static func hours(_ minutes: Int) -> String {
        let hundredths = (minutes * 100 + 30) / 60
        let (whole, fraction) = hundredths.quotientAndRemainder(dividingBy: 100)
        return "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// Writes the timesheet to `path` (`.xlsx`); the number of employee lines.
    package static func write(_ report: TimesheetReport, organization: String?, to path: String) throws -> Int {
        let dayCount = report.month.upperBound.day
        let writer = try XLSXWorkbookWriter(path: path)
        let columns = [SpreadsheetColumn(title: "№", width: 5), SpreadsheetColumn(title: "Сотрудник", width: 28),
                       SpreadsheetColumn(title: "Таб. №", width: 9), SpreadsheetColumn(title: "Строка", width: 8)]
            + (1...dayCount).map { SpreadsheetColumn(title: String($0), width: 5) }
            + [SpreadsheetColumn(title: "Дней", width: 7), SpreadsheetColumn(title: "Часов", width: 9, isAmount: true)]
        let month = String(report.month.lowerBound.iso.prefix(7))
        try writer.beginSheet(name: "Т-13 \(month)", columns: columns)
        func heading(_ text: String) throws {
            try writer.append([.empty, .text(text)] + Array(repeating: SpreadsheetCell.empty, count: columns.count - 2))
        }
        try heading("Табель учета рабочего времени (форма Т-13)" + (organization.map { ", \($0)" } ?? ""))
        try heading("Отчетный период: \(report.month.lowerBound.dottedDMY) – \(report.month.upperBound.dottedDMY)"
                    + (report.provisional ? " (предварительно: не все устройства передали данные)" : ""))
        var number = 0
        // The department whose lines are being written; nil before the first.
        var department: (name: String?, days: Int, minutes: Int)?
        func closeDepartment() throws {
            guard let department else { return }
            try writer.appendTotals(label: "Итого по подразделению \(department.name ?? "без подразделения")",
                                    [.empty] + Array(repeating: SpreadsheetCell.empty, count: 3 + dayCount)
                                        + [.number(String(department.days)), .number(hours(department.minutes))])
        }
        for employee in report.employees {
            if department == nil || department?.name != employee.department {
                try closeDepartment()
                department = (employee.department, 0, 0)
                try heading("Подразделение: \(employee.department ?? "без подразделения")")
            }
            number += 1
            let days = (1...dayCount).map { employee.days[$0] }
            let worked = days.compactMap { $0 }.filter { $0.status == "present" || $0.status == "late" }
            let minutes = worked.reduce(0) { $0 + $1.workedMinutes }
            let name = [employee.fullName, employee.position].compactMap { $0 }.joined(separator: ", ")
            try writer.append([.number(String(number)), .text(name.isEmpty ? employee.personnelNumber : name),
                               .text(employee.personnelNumber), .text("код")]
                              + days.map { .text(code($0)) }
                              + [.number(String(worked.count)), .number(hours(minutes))])
            try writer.append([.empty, .empty, .empty, .text("часы")]
                              + days.map { day in
                                  guard let day, day.status == "present" || day.status == "late" else { return .empty }
                                  return .number(hours(day.workedMinutes))
                              }
                              + [.empty, .empty])
            department?.days += worked.count
            department?.minutes += minutes
        }
        try closeDepartment()
        try writer.endSheet()
        try writer.close()
        return number
    }
}
