import Attendance
import CRMWarehouse
import HubConfiguration
import Foundation
import HubCore
import Yams

/// `- attendance: {months: 2, settings: mappings/attendance.yaml}`: builds the attendance days of the run's
/// month and the `months - 1` before it (default 2: punches that arrive late for last month still count), by the
/// settings file; only the days that changed are written.
struct AttendanceStepKind: StepKind {
    let id = "attendance"
    let summary = "builds attendance days from punches, shifts and absences for the last months"
    let keys = ["months", "settings"]

    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)? {
        guard let entries = reader.mapping(node, known: keys, in: place) else { return nil }
        let months = reader.integer(entries["months"]?.value, "\(place) months", atLeast: 1) ?? 2
        let settings = reader.string(entries["settings"]?.value, "\(place) settings")
            ?? AttendanceSettingsLoader.defaultPath
        if months > 12, let node = entries["months"]?.value {
            reader.error(at: node, "\(place) months must be at most 12")
            return nil
        }
        return AttendanceStep(months: months, settings: settings)
    }
}

struct AttendanceStep: JobStep, Equatable {
    var months: Int
    var settings: String

    var kind: String { "attendance" }
    var target: String { "last \(months) month(s) by \(settings)" }

    func run(_ run: StepRun) async -> StepOutcome {
        var outcome = StepOutcome()
        let day = run.day
        let current = CalendarDate(year: day.year, month: day.month, day: 1)!
        for back in stride(from: months - 1, through: 0, by: -1) {
            let first = current.adding(months: -back)
            let month = first...first.adding(months: 1).adding(days: -1)
            outcome.counts.files += 1
            do {
                let summary = try await AttendanceRun.build(warehouse: run.warehouse, month: month,
                                                            settingsPath: settings)
                outcome.counts.filesLoaded += 1
                outcome.counts.recordsLoaded += summary.changed
                run.report("  \(first.iso.prefix(7)): \(summary.employees) employee(s), \(summary.days) day(s), "
                           + "\(summary.changed) changed (build \(summary.buildID))")
            } catch {
                outcome.counts.filesFailed += 1
                outcome.fail(error, "attendance \(first.iso.prefix(7)): \(Warehouse.hubError(for: error).description)")
            }
        }
        return outcome
    }
}
