import CRMWarehouse
import Foundation
import HubCore

/// `crmhub attendance build` and the `attendance` job step: the settings, the rules engine and the warehouse,
/// wired for one month.
package enum AttendanceRun {
    /// Builds the attendance days of `month` (its dates) by the settings at `settingsPath`.
    package static func build(warehouse: Warehouse, month: ClosedRange<CalendarDate>, settingsPath: String,
                              fetchRows: Int = AttendanceStore.fetchRows) async throws -> AttendanceStore.BuildSummary
    {
        let (settings, sha256) = try AttendanceSettingsLoader.load(path: settingsPath)
        let summary = try await AttendanceStore(warehouse: warehouse).build(month: month, rulesSHA256: sha256,
                                                                            fetchRows: fetchRows) {
            employee, punches, highWater in days(employee, punches: punches, highWater: highWater, month: month,
                                                 settings: settings)
        }
        warehouse.logger.info("attendance built", metadata: [
            "build.id": "\(summary.buildID)", "month": "\(month.lowerBound.iso)", "employees": "\(summary.employees)",
            "days": "\(summary.days)", "days.changed": "\(summary.changed)",
        ])
        return summary
    }

    /// One employee's days of the month, by the rules (no I/O). The employee's devices decide when a day is
    /// final; one who has never punched waits for every device.
    static func days(_ employee: AttendanceStore.Employee, punches: [AttendanceStore.Punch],
                     highWater: [String: Int64], month: ClosedRange<CalendarDate>,
                     settings: AttendanceSettings) -> [AttendanceDayRow] {
        let devices = employee.devices.isEmpty ? Set(highWater.keys) : employee.devices
        let marks = highWater.filter { devices.contains($0.key) }
        let days = AttendanceCalculator.days(
            for: employee.personnelNumber, dates: month, shift: employee.shift.flatMap(workShift),
            absences: spans(employee.absences),
            employment: EmploymentSpan(hiredOn: employee.hiredOn, dismissedOn: employee.dismissedOn),
            punches: punches.map {
                AttendancePunch(id: $0.id, personnelNumber: $0.personnelNumber, at: $0.punchedAt,
                                direction: $0.direction, device: $0.device)
            },
            zone: settings.timeZone, rules: settings.rules, deviceHighWater: marks)
        return days.map { day in
            AttendanceDayRow(
                personnelNumber: day.personnelNumber, workDate: day.workDate,
                department: employee.department(on: day.workDate), firstIn: day.firstIn, lastOut: day.lastOut,
                workedMinutes: day.workedMinutes, status: day.status.rawValue, absenceKind: day.absenceKind,
                shiftStart: day.shiftStart, shiftEnd: day.shiftEnd, provisional: day.provisional,
                punchIDs: day.punchIDs, explanation: day.explanation)
        }
    }

    static func workShift(_ row: WorkShiftRow) -> WorkShift? {
        guard let start = WorkShift.parseClock(row.shiftStart), let end = WorkShift.parseClock(row.shiftEnd) else {
            return nil
        }
        // nil for a shift outside the ranges the engine accepts (the database's checks keep them out).
        return WorkShift(personnelNumber: row.personnelNumber, startMinute: start, endMinute: end,
                         workdays: Set(row.weekdays), lateGraceMinutes: row.lateGraceMinutes,
                         windowBeforeMinutes: row.windowBeforeMinutes, windowAfterMinutes: row.windowAfterMinutes)
    }

    /// Absence days back into spans: consecutive days of one kind are one absence (for the explanation).
    static func spans(_ days: [AbsenceDayRow]) -> [AbsenceSpan] {
        var spans: [AbsenceSpan] = []
        for day in days.sorted(by: { $0.day < $1.day }) {
            if let last = spans.last, last.kind == day.kind, last.to.adding(days: 1) == day.day {
                spans[spans.count - 1] = AbsenceSpan(personnelNumber: last.personnelNumber, from: last.from, to: day.day,
                                                     kind: last.kind)
            } else {
                spans.append(AbsenceSpan(personnelNumber: day.personnelNumber, from: day.day, to: day.day, kind: day.kind))
            }
        }
        return spans
    }
}
