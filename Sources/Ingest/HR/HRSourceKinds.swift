import Attendance
import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `hr-shifts`, `hr-absences`, `skud-person-map`: HR's own files, through `HRFileImporter`.
struct HRFileSourceKind: SourceKind {
    let layout: HRFileLayout

    var id: String {
        switch layout {
        case .shifts: "hr-shifts"
        case .absences: "hr-absences"
        case .personMap: "skud-person-map"
        }
    }

    var summary: String {
        switch layout {
        case .shifts: "HR's shift patterns: one shift per employee (CSV)."
        case .absences: "HR's absences: vacations, sick leave, business trips with their dates (CSV)."
        case .personMap: "Which terminal PIN or card is which employee (CSV)."
        }
    }

    var help: String {
        let header = "The first line must be exactly: " + layout.columns.joined(separator: ",")
            + " (comma-separated, UTF-8 or Windows-1251); an extra or missing column fails the file, naming it."
        switch layout {
        case .shifts: return """
            Reads each employee's shift: start and end as HH:MM (a shift ending at or before its start ends the \
            next day, as a night shift does), the weekdays it is worked (Mon-Fri, or "Mon,Wed,Fri" in quotes, as a list holds commas), the minutes \
            of grace before an arrival counts as late, and how long before the start and after the end a punch \
            still belongs to the shift. \(header)

            A later file replaces what an earlier one said for the same employee. A line that cannot be read is \
            set aside in ops.quarantine with its line number and the rest loads (exit code 3).
            """
        case .absences: return """
            Reads absences: personnel number, first and last day (YYYY-MM-DD, both included) and the kind \
            (vacation, sick_leave, business_trip, …). Those days become "leave" in attendance, weekends \
            included. \(header)

            A later file replaces what an earlier one said for the same employee and days. A line that cannot be \
            read is set aside in ops.quarantine with its line number and the rest loads (exit code 3).
            """
        case .personMap: return """
            Says who is who on the access-control devices: source (zkteco for terminal PINs, card for turnstile \
            cards, as mappings/attendance.yaml names them), the device's key, and the employee's personnel \
            number. Punches whose key is in no map are listed for review (mart.unmapped_person_keys), never \
            counted; a map loaded later applies to punches loaded before at the next attendance build. \(header)
            """
        }
    }

    var example: String {
        switch layout {
        case .shifts: "crmhub import hr-shifts hr/shifts-2026-07.csv"
        case .absences: "crmhub import hr-absences hr/absences-2026-07.csv"
        case .personMap: "crmhub import skud-person-map hr/person-map.csv"
        }
    }

    var options: [SourceOption] { [] }
    var units: UnitDiscovery { .files("HR files") }

    var tables: [WarehouseTable] {
        switch layout {
        case .shifts: [WarehouseTable("core.work_shifts", testableColumns: [
            "personnel_number", "shift_start", "shift_end", "workdays", "late_grace_minutes", "window_before_minutes",
            "window_after_minutes", "batch_id"])]
        case .absences: [WarehouseTable("core.absence_days", testableColumns: ["personnel_number", "day", "kind",
                                                                                 "batch_id"])]
        case .personMap: [WarehouseTable("core.person_keys", testableColumns: ["source", "person_key",
                                                                                 "personnel_number", "batch_id"])]
        }
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        try await HRFileImporter(format: .hr(layout), warehouse: context.warehouse, settings: AttendanceSettings(),
                                 progress: context.progress)
            .importFile(unit, kind: id, beforeCommit: context.beforeCommit)
    }
}

/// `skud-zkteco` and `skud-csv`: punches from terminals and turnstiles, through `HRFileImporter`.
struct PunchSourceKind: SourceKind {
    enum Device: Sendable {
        case zkteco, turnstile
    }

    let device: Device

    var id: String { device == .zkteco ? "skud-zkteco" : "skud-csv" }

    var summary: String {
        device == .zkteco ? "ZKTeco terminals' USB downloads of punches (attlog.dat)."
            : "Turnstile systems' event exports (CSV with Russian headers; Sigur, PERCo, Parsec by settings)."
    }

    var help: String {
        switch device {
        case .zkteco: return """
            Reads the attendance log a ZKTeco terminal writes to a USB stick (<device>_attlog.dat): one punch per \
            line, tab-separated — PIN, local time YYYY-MM-DD HH:MM:SS, device number, state (0 in, 1 out, 2 \
            break-out, 3 break-in, 4/5 overtime in/out), verify mode, work code. The order of the fields and the \
            meaning of the states are settings (zkteco in mappings/attendance.yaml), for models that differ; a \
            state the settings do not name counts as unknown direction.

            The terminal's clock has no zone: its times are read in the device's zone (device_timezones in the \
            settings, else timezone, Asia/Tashkent by default; --timezone overrides). Safe to repeat: the same \
            file adds nothing, and files that overlap add each punch once. A line that cannot be read is set \
            aside in ops.quarantine with its line number and the rest loads (exit code 3).
            """
        case .turnstile: return """
            Reads a turnstile system's event export: ;-separated, UTF-8 (with or without BOM) or Windows-1251, \
            with a header line — by default Дата;Время;Сотрудник;Табельный номер;Подразделение;Точка доступа;\
            Направление;Событие;Карта. Направление is Вход or Выход; only Событие = Проход is a passage: refusals \
            and other events are kept (core.punches, event_kind) and never counted. Column names, words and the \
            person key (card or personnel_number) are settings (turnstile in mappings/attendance.yaml), so that \
            other vendors' exports fit.

            Safe to repeat, like skud-zkteco: each punch is stored once. A line that cannot be read is set aside \
            in ops.quarantine with its line number and the rest loads (exit code 3).
            """
        }
    }

    var example: String {
        device == .zkteco ? "crmhub import skud-zkteco usb/1_attlog.dat"
            : "crmhub import skud-csv exports/turnstiles-2026-07.csv"
    }

    static let settings = SourceOption(
        key: "settings", defaultValue: AttendanceSettingsLoader.defaultPath, valueName: "file",
        help: "The attendance settings: the file's layout, words and zones (default: mappings/attendance.yaml, "
            + "or built-in defaults when there is none).")
    static let timeZone = SourceOption(
        key: "timezone", valueName: "zone",
        help: "The zone the device's clock keeps (an IANA name such as Asia/Tashkent), over the settings.")
    static let device = SourceOption(
        key: "device", valueName: "number",
        help: "The terminal's number, for layouts without a device column (zkteco columns in the settings) and files "
            + "not named <device>_attlog.dat; a device column in the file wins.")

    var options: [SourceOption] { device == .zkteco ? [Self.settings, Self.timeZone, Self.device]
        : [Self.settings, Self.timeZone] }
    var units: UnitDiscovery { .files("punch files") }
    var tables: [WarehouseTable] {
        [WarehouseTable("core.punches", testableColumns: ["source", "device", "person_key", "punched_at", "direction",
                                                          "event_kind", "batch_id"])]
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let path = options.value(of: Self.settings) ?? AttendanceSettingsLoader.defaultPath
        var importer = HRFileImporter(format: device == .zkteco ? .zkteco : .turnstile, warehouse: context.warehouse,
                                      settings: try AttendanceSettingsLoader.load(path: path).settings,
                                      progress: context.progress)
        if let name = options.value(of: Self.timeZone) {
            guard let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" else {
                throw HubError(.configuration, "unknown time zone '\(name)'; use an IANA name such as Asia/Tashkent"
                                   + Suggestion.didYouMean(name, in: TimeZone.knownTimeZoneIdentifiers))
            }
            importer.timeZone = zone
        }
        importer.device = options.value(of: Self.device)
        return try await importer.importFile(unit, kind: id, beforeCommit: context.beforeCommit)
    }
}
