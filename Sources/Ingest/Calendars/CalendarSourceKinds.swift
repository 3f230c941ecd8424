import CRMWarehouse
import Foundation
import HubCore

/// `calendar-ics`: Outlook and Exchange iCalendar files, one per mailbox or folder, through `CalendarFileImporter`.
struct CalendarICSSourceKind: SourceKind {
    static let calendar = SourceOption(key: "calendar", valueName: "name", help:
        "The calendar's name in the warehouse (default: the file's X-WR-CALNAME, else its file name).")
    static let owner = SourceOption(key: "owner", valueName: "address", help:
        "Whose calendar it is, an e-mail address (the employee of mart.client_interactions).")
    static let timeZone = SourceOption(key: "time_zone", defaultValue: "Asia/Tashkent", environment: "CRMHUB_TIME_ZONE",
                                       valueName: "zone", help:
        "The zone all-day events start in and floating times are read in, unless the file names one "
            + "(X-WR-TIMEZONE); an IANA name (default: Asia/Tashkent).")
    static let region = SourceOption(key: "zone_region", valueName: "territory", help:
        "The territory Windows zone names are mapped for (CLDR; e.g. UZ); default: each name's main zone.")

    static let tables = [
        WarehouseTable("core.calendar_events", testableColumns: ["calendar", "uid", "recurrence_id", "summary",
                                                                 "starts_at", "batch_id"]),
        WarehouseTable("core.calendar_occurrences", testableColumns: ["event_uid", "starts_at", "ends_at", "subject",
                                                                      "all_day", "batch_id"]),
        WarehouseTable("core.calendar_occurrence_views", testableColumns: ["calendar", "event_uid", "starts_at",
                                                                           "batch_id"]),
    ]

    var id: String { "calendar-ics" }
    var summary: String { "Outlook/Exchange iCalendar files (.ics): events, and their occurrences over a window." }
    var help: String { """
        Reads an iCalendar file as Outlook or Exchange exports it (one per mailbox or folder) and loads its \
        events (core.calendar_events) and their occurrences starting in [--from, --to) \
        (core.calendar_occurrences). Recurring series are expanded in their own zone, so a daylight-saving change \
        inside a series keeps the local time; Windows zone names (West Asia Standard Time, …) are mapped to IANA \
        zones by CLDR; EXDATE, moved and cancelled occurrences, all-day events (stored at local midnight of the \
        calendar's zone) are read as RFC 5545 says: see docs/connectors/calendar-ics.md. One meeting in two \
        calendars is one occurrence with both calendars.

        Safe to repeat: the same file over the same window changes nothing; a newer export replaces the calendar's \
        view of the window (occurrences gone from it disappear). A VEVENT that cannot be read is set aside in \
        ops.quarantine with its line and the rest loads (exit code 3).
        """ }
    var example: String { "crmhub import calendar-ics exports/karimova.ics --owner d.karimova@acme.uz" }
    var options: [SourceOption] { [Self.calendar, Self.owner, Self.timeZone, Self.region, CalendarWindow.from,
                                   CalendarWindow.to] }
    var units: UnitDiscovery {
        // A folder: every .ics in it, one calendar per file (an Outlook export per mailbox).
        UnitDiscovery(what: "iCalendar files or folders of them") { names, _ in
            names.filter { $0.lowercased().hasSuffix(".ics") }.sorted()
        }
    }
    var tables: [WarehouseTable] { Self.tables }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let zoneName = options.value(of: Self.timeZone) ?? "Asia/Tashkent"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw HubError(.configuration, "--time-zone \(zoneName) is not a time zone; write an IANA name "
                           + "such as Asia/Tashkent")
        }
        let settings = CalendarFileImporter.Settings(
            calendar: options.value(of: Self.calendar), owner: options.value(of: Self.owner)?.lowercased(),
            timeZone: zone, region: options.value(of: Self.region), window: try CalendarWindow.window(options))
        return try await CalendarFileImporter(warehouse: context.warehouse, progress: context.progress)
            .importFile(unit, kind: id, settings: settings, beforeCommit: context.beforeCommit)
    }
}
