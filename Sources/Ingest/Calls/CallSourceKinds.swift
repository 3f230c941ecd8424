import CRMWarehouse
import Calls
import Connectors
import Foundation
import HubCore

/// `--settings`, shared by every calls command.
extension CallSettingsLoader {
    package static let option = SourceOption(
        key: "settings", defaultValue: defaultPath, valueName: "file",
        help: "The call-centre settings: which calls create clients, who is responsible, how each PBX's logs are "
            + "read (default: mappings/calls.yaml, or built-in defaults when there is none).")

    static let callTables = [
        WarehouseTable("core.call_legs", testableColumns: ["pbx", "entry_id", "leg_source", "started_at", "batch_id"]),
        WarehouseTable("core.calls", testableColumns: ["pbx", "entry_id", "started_at", "direction", "outcome",
                                                       "client_phone", "employee_extension", "talk_seconds", "batch_id"]),
        WarehouseTable("core.clients", testableColumns: ["name", "phone", "responsible_extension", "created_by",
                                                         "batch_id"]),
        WarehouseTable("core.client_phones"),
    ]
}

/// `calls-mango` and `calls-asterisk`: a PBX's call log from files, through `CallLogImporter`.
struct CallLogSourceKind: SourceKind {
    let format: CallLogImporter.Format

    var id: String { format.rawValue }

    var summary: String {
        format == .mangoStats ? "MANGO OFFICE call statistics (the stats/result CSV): calls classified, clients created."
            : "Asterisk call detail records (Master.csv): calls classified, clients created."
    }

    var help: String {
        let rules = """
            The legs of one call are classified together (answered, transferred, missed, queue_missed, \
            ivr_missed, outgoing_answered, outgoing_unanswered), and a number not yet known becomes a client by \
            the settings' rules (auto_create_client, responsibles): see docs/calls.md. Safe to repeat: a leg is \
            stored once, a call unchanged changes nothing, a known number never makes another client. A line \
            that cannot be read is set aside in ops.quarantine with its line number and the rest loads (exit code 3).
            """
        switch format {
        case .mangoStats: return """
            Reads MANGO OFFICE's basic call statistics as stats/result returns them: one leg per line, \
            ;-separated, no header, the columns those of mango.stats_fields in the settings (entry_id, start, \
            finish and answer among them), times in epoch seconds. To fetch them from the PBX instead: crmhub \
            sync calls-mango --from --to.

            \(rules)
            """
        case .asteriskCDR: return """
            Reads an Asterisk cdr_csv log (/var/log/asterisk/cdr-csv/Master.csv): comma-separated, quoted, the \
            columns those of asterisk.cdr_columns in the settings (uniqueid logged; linkedid when the PBX logs \
            it). The rows of one call share linkedid, else uniqueid; times are read in asterisk.timezone; \
            employees are the extensions of their channels (PJSIP/101-… is 101), the trunk is the channel \
            prefix asterisk.trunk_channel_prefix.

            \(rules)
            """
        }
    }

    var example: String {
        format == .mangoStats ? "crmhub import calls-mango pbx/mango-stats-2026-07.csv"
            : "crmhub import calls-asterisk /var/log/asterisk/cdr-csv/Master.csv"
    }

    var options: [SourceOption] { [CallSettingsLoader.option] }
    var units: UnitDiscovery { .files("call logs") }
    var tables: [WarehouseTable] { CallSettingsLoader.callTables }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let settings = try CallSettingsLoader.load(path: options.value(of: CallSettingsLoader.option)
                                                   ?? CallSettingsLoader.defaultPath)
        return try await CallLogImporter(format: format, warehouse: context.warehouse, settings: settings,
                                         progress: context.progress)
            .importFile(unit, kind: id, beforeCommit: context.beforeCommit)
    }
}

/// `calls-mango-api` (`crmhub sync calls-mango`): the statistics fetched from MANGO OFFICE's VPBX API, a
/// calendar month per request, each month loaded as `calls-mango` loads a file.
struct MangoAPISourceKind: SourceKind {
    var id: String { "calls-mango-api" }
    var summary: String { "MANGO OFFICE call statistics fetched from the VPBX API (crmhub sync calls-mango)." }
    var help: String { """
        Asks the PBX for the basic statistics of --from to --to (stats/request, then stats/result polled while \
        it is not ready), a calendar month per request as MANGO OFFICE allows, and loads each month's CSV as \
        calls-mango loads a file. Requests are signed (sign = SHA-256 of key + json + salt) with mango.api_key \
        and mango.api_salt of the settings, which must be references (${env:MANGO_API_KEY}, ${file:/path}). \
        The service address is mango.api_url (https://app.mango-office.ru/vpbx/ by default), or the one given.

        Safe to repeat: a month fetched again with nothing new changes nothing.
        """ }
    var example: String { "crmhub sync calls-mango --from 2026-07-01 --to 2026-07-31" }
    var options: [SourceOption] { [CallSettingsLoader.option, DateWindow.from, DateWindow.to] }
    var units: UnitDiscovery { .endpoints("VPBX API addresses") }
    var tables: [WarehouseTable] { CallSettingsLoader.callTables }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let settingsPath = options.value(of: CallSettingsLoader.option) ?? CallSettingsLoader.defaultPath
        let settings = try CallSettingsLoader.load(path: settingsPath)
        let client = try MangoAPIClient(settings: settings.mango, root: unit.path, settingsFile: settingsPath)
        let window = try DateWindow.days(options)
        var total: ImportReport?
        for month in Self.months(window) {
            let zone = settings.timeZone
            let from = LocalDateTime(date: month.lowerBound, secondOfDay: 0).instant(in: zone)
            let to = LocalDateTime(date: month.upperBound.adding(days: 1), secondOfDay: 0).instant(in: zone)
            let label = "\(month.lowerBound.iso)..\(month.upperBound.iso)"
            context.progress?(ImportProgress(source: "\(unit.name) \(label)", phase: .loading, bytesDone: 0,
                                             bytesTotal: 0, records: 0,
                                             elapsed: BankStatementImporter.seconds(since: started)))
            let body = try await client.statistics(from: from, to: to, requestID: "crmhub-\(label)")
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("crmhub-mango-\(ProcessInfo.processInfo.processIdentifier)-\(label).csv").path
            guard FileManager.default.createFile(atPath: file, contents: Data(body),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw HubError(.io, "cannot write the statistics to \(file)")
            }
            defer { try? FileManager.default.removeItem(atPath: file) }
            let monthUnit = SourceUnit(path: file, name: "\(unit.name) stats \(label)")
            let report = try await CallLogImporter(format: .mangoStats, warehouse: context.warehouse,
                                                   settings: settings, progress: context.progress)
                .importFile(monthUnit, kind: id, beforeCommit: context.beforeCommit)
            total = total.map { $0.adding(report) } ?? report
        }
        var report = total!
        report.unit = unit
        report.seconds = BankStatementImporter.seconds(since: started)
        return report
    }

    /// The window cut at month ends.
    static func months(_ window: ClosedRange<CalendarDate>) -> [ClosedRange<CalendarDate>] {
        var months: [ClosedRange<CalendarDate>] = []
        var start = window.lowerBound
        while start <= window.upperBound {
            let nextMonth = CalendarDate(year: start.year, month: start.month, day: 1)!.adding(months: 1)
            let end = min(nextMonth.adding(days: -1), window.upperBound)
            months.append(start...end)
            start = nextMonth
        }
        return months
    }
}

extension ImportReport {
    /// Two reports of one unit's parts as one (the months of an API window).
    func adding(_ other: ImportReport) -> ImportReport {
        var sum = self
        if sum.outcome != .loaded, other.outcome == .loaded {
            sum.outcome = .loaded
            sum.batchID = other.batchID
        }
        sum.read += other.read
        sum.loaded += other.loaded
        sum.duplicate += other.duplicate
        sum.quarantined += other.quarantined
        sum.details += other.details
        sum.warnings += other.warnings
        sum.quarantineSamples = Array((sum.quarantineSamples + other.quarantineSamples).prefix(Self.sampleLimit))
        return sum
    }
}
