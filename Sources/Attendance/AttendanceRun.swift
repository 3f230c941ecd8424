import CRMWarehouse
import Foundation
import HubCore

/// `crmhub attendance build` and the `attendance` job step: the settings, the rules engine and the warehouse,
/// wired for one month.
package enum AttendanceRun {
    /// Builds the attendance days of `month` (its dates) by the settings at `settingsPath`.
    package static func build(warehouse: Warehouse, month: ClosedRange<CalendarDate>, settingsPath: String)
        async throws -> AttendanceStore.BuildSummary
    {
        let (settings, sha256) = try AttendanceSettingsLoader.load(path: settingsPath)
        let summary = try await AttendanceStore(warehouse: warehouse).build(month: month, rulesSHA256: sha256) {
            inputs in days(inputs, month: month, settings: settings)
        }
        warehouse.logger.info("attendance built", metadata: [
            "build.id": "\(summary.buildID)", "month": "\(month.lowerBound.iso)", "employees": "\(summary.employees)",
            "days": "\(summary.days)", "days.changed": "\(summary.changed)",
        ])
        return summary
    }

    /// Every employee's days of the month, by the rules (no I/O).
    static func days(_ inputs: AttendanceStore.Inputs, month: ClosedRange<CalendarDate>,
                     settings: AttendanceSettings) -> [AttendanceDayRow] {
        var rows: [AttendanceDayRow] = []
        rows.reserveCapacity(inputs.employees.count * 31)
        for employee in inputs.employees {
            let devices = employee.devices.isEmpty ? Set(inputs.highWater.keys) : employee.devices
            let highWater = inputs.highWater.filter { devices.contains($0.key) }
            let punches = (inputs.punches[employee.personnelNumber] ?? []).map {
                AttendancePunch(id: $0.id, personnelNumber: $0.personnelNumber, at: $0.punchedAt,
                                direction: $0.direction, device: $0.device)
            }
            let days = AttendanceCalculator.days(
                for: employee.personnelNumber, dates: month, shift: employee.shift.flatMap(workShift),
                absences: spans(employee.absences), employment: EmploymentSpan(hiredOn: employee.hiredOn,
                                                                                dismissedOn: employee.dismissedOn),
                punches: punches, zone: settings.timeZone, rules: settings.rules, deviceHighWater: highWater)
            for day in days {
                rows.append(AttendanceDayRow(
                    personnelNumber: day.personnelNumber, workDate: day.workDate,
                    department: employee.department(on: day.workDate), firstIn: day.firstIn, lastOut: day.lastOut,
                    workedMinutes: day.workedMinutes, status: day.status.rawValue, absenceKind: day.absenceKind,
                    shiftStart: day.shiftStart, shiftEnd: day.shiftEnd, provisional: day.provisional,
                    punchIDs: day.punchIDs, explanation: day.explanation))
            }
        }
        return rows
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
