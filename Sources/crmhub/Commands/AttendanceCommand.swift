import ArgumentParser
import Attendance
import CRMWarehouse
import Foundation
import HubCore

struct AttendanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attendance",
        abstract: "Build attendance days from punches, and show what HR must fix.",
        discussion: reflow("""
            `crmhub attendance build --month 2026-07` turns the month's punches (skud-zkteco, skud-csv) into one
            day per employee and date, by each employee's shift (hr-shifts), absences (hr-absences) and the
            rules in mappings/attendance.yaml: leave, weekend, absent, incomplete, late or present, with the
            minutes worked and the reason. `incomplete` lists the days HR must fix at the source; `unmapped`
            the device persons no employee stands for. See docs/attendance.md.
            """),
        subcommands: [AttendanceBuildCommand.self, AttendanceIncompleteCommand.self, AttendanceUnmappedCommand.self]
    )
}

/// `--month YYYY-MM`.
struct MonthOption: ParsableArguments {
    @Option(help: ArgumentHelp("The month (YYYY-MM).", valueName: "month"))
    var month: String

    func dates() throws -> ClosedRange<CalendarDate> {
        guard let dates = AttendanceMonth.dates(ofMonth: month) else {
            throw ValidationError("--month must be a month such as 2026-07, not '\(month)'")
        }
        return dates
    }
}

struct AttendanceBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build (or rebuild) a month's attendance days.",
        discussion: reflow("""
            Safe to repeat: only days that changed are written, so a rebuild of unchanged data changes nothing,
            and punches that arrived late change only the days they touch. A day stays provisional until every
            device of its employee has sent punches past the end of that day's window.

            Example: crmhub attendance build --month 2026-07
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var month: MonthOption

    @Option(help: ArgumentHelp("The attendance settings.", valueName: "file"))
    var settings = AttendanceSettingsLoader.defaultPath

    func run() async throws {
        let dates = try month.dates()
        let settings = self.settings
        let (summary, incomplete) = try await options.withMigratedWarehouse { warehouse in
            let summary = try await AttendanceRun.build(warehouse: warehouse, month: dates, settingsPath: settings)
            return (summary, try await AttendanceReport.incompleteDays(warehouse, month: dates))
        }
        Terminal.print("\(month.month): \(summary.employees) employee(s), \(summary.days) day(s), \(summary.changed) "
                       + "changed (build \(summary.buildID))"
                       + (incomplete.isEmpty ? "" : "; \(incomplete.count) incomplete day(s): crmhub attendance "
                          + "incomplete --month \(month.month)"))
    }
}

struct AttendanceIncompleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incomplete",
        abstract: "The month's incomplete days with their punches, for HR to fix at the source."
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var month: MonthOption

    func run() async throws {
        let dates = try month.dates()
        let days = try await options.withMigratedWarehouse { warehouse in
            try await AttendanceReport.incompleteDays(warehouse, month: dates)
        }
        if days.isEmpty { Terminal.print("\(month.month): no incomplete days") }
        for day in days {
            Terminal.print("\(day.workDate.iso) \(day.personnelNumber) \(day.fullName ?? "")"
                           + (day.department.map { " (\($0))" } ?? ""))
            for line in day.explanation where line.hasPrefix("incomplete") { Terminal.print("  \(line)") }
            for punch in day.punches { Terminal.print("    \(punch)") }
        }
    }
}

struct AttendanceUnmappedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmapped",
        abstract: "Device persons (PINs, cards) no employee stands for: add them to the person map."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The attendance settings (their zone is the one times are shown in).", valueName: "file"))
    var settings = AttendanceSettingsLoader.defaultPath

    func run() async throws {
        let zone = try AttendanceSettingsLoader.load(path: settings).settings.timeZone
        let keys = try await options.withMigratedWarehouse { warehouse in try await AttendanceReport.unmappedKeys(warehouse) }
        if keys.isEmpty { Terminal.print("every punch's person is an employee") }
        func local(_ date: Date) -> String {
            LocalDateTime(instant: Int64(date.timeIntervalSince1970), offset: zone.secondsFromGMT(for: date)).description
        }
        for key in keys {
            Terminal.print("\(key.source),\(key.personKey)\(key.personName.map { " (\($0))" } ?? ""): \(key.punches) "
                           + "punch(es), \(local(key.firstPunchAt)) – \(local(key.lastPunchAt)) (\(zone.identifier))")
        }
    }
}
