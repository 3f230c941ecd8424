import ArgumentParser
import CRMWarehouse
import Calls
import Foundation
import HubCore
import Ingest
import Reports
import ServiceLifecycle

/// `--settings FILE`: every calls command's settings.
struct CallSettingsOption: ParsableArguments {
    @Option(help: ArgumentHelp("The call-centre settings.", valueName: "file"))
    var settings = CallSettingsLoader.defaultPath

    func load() throws -> CallSettings { try CallSettingsLoader.load(path: settings) }
}

/// `crmhub sync calls-mango|exchange`: fetch from a system's API and load (`calls-mango-api`, `calendar-ews`).
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch from a system's API and load: calls-mango (MANGO OFFICE's call statistics), exchange "
            + "(Outlook calendars, contacts and tasks, both ways).",
        discussion: reflow("""
            `crmhub sync calls-mango --from 2026-07-01 --to 2026-07-31` asks MANGO OFFICE for the statistics of
            those days (a calendar month per request), signed with mango.api_key and mango.api_salt of the
            settings (references to the environment or a secrets file), and loads them as
            `crmhub import calls-mango` loads a file. The same as the job step kind calls-mango-api. See
            docs/connectors/calls-mango.md.

            `crmhub sync exchange [--mailbox ADDRESS] [--from DATE --to DATE]` syncs each mailbox of
            mappings/exchange.yaml with Exchange Web Services both ways: contacts, tasks and meetings changed on
            either side since the last sync, and the calendar's occurrences over the window (default: a month ago
            to a year ahead). The same as the job step kind calendar-ews. See docs/connectors/exchange-ews.md.

            Both are safe to repeat.
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("What to sync: calls-mango or exchange.", valueName: "system"))
    var system: String

    @Option(help: ArgumentHelp("The first day, YYYY-MM-DD (calls-mango: default the previous month's first; "
                               + "exchange: a month ago).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("The last day, YYYY-MM-DD (calls-mango: inclusive, default the current month's "
                               + "last; exchange: exclusive, default a year ahead).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("The settings (default: mappings/calls.yaml, or mappings/exchange.yaml).",
                               valueName: "file"))
    var settings: String?

    @Option(help: ArgumentHelp("exchange: sync this mailbox only.", valueName: "address"))
    var mailbox: String?

    @Option(help: ArgumentHelp("The service's address, over the settings' (mango.api_url, or url).",
                               valueName: "url"))
    var url: String?

    static let systems = ["calls-mango": "calls-mango-api", "exchange": "calendar-ews"]

    func run() async throws {
        let kindID = Self.systems[system] ?? (Self.systems.values.contains(system) ? system : nil)
        guard let kindID, SourceKinds.named(kindID) != nil else {
            throw ValidationError("unknown system '\(system)'" + Suggestion.didYouMean(system, in: Array(Self.systems.keys))
                                  + "; crmhub sync knows calls-mango and exchange")
        }
        var values: [String: String] = [:]
        if let from { values["from"] = from }
        if let to { values["to"] = to }
        let address: String
        if kindID == "calendar-ews" {
            let path = settings ?? ExchangeSettingsLoader.defaultPath
            values["settings"] = path
            if let mailbox { values["mailbox"] = mailbox }
            guard let given = try url ?? ExchangeSettingsLoader.load(path: path).url else {
                throw ValidationError("no EWS address: set url in \(path), or give --url")
            }
            address = given
        } else {
            let path = settings ?? CallSettingsLoader.defaultPath
            values["settings"] = path
            address = try url ?? CallSettingsLoader.load(path: path).mango.apiURL
        }
        let outcome = try await options.withMigratedWarehouse { warehouse in
            try await Self.sync(kindID, address: address, values: values, warehouse: warehouse)
        }
        if let code = outcome.exitCode { throw code }
    }

    /// Fetches from the service at `address` with the kind's options and loads, with progress.
    static func sync(_ kindID: String, address: String, values: [String: String], warehouse: Warehouse)
        async throws -> ImportRun.Outcome
    {
        guard let kind = SourceKinds.named(kindID) else { throw ValidationError("no source kind \(kindID)") }
        let units = try SourceUnits.expand([address], kind: kind, options: SourceOptionValues(values))
        let progress = ProgressLine()
        return await ImportRun.run(units, kind: kind, options: SourceOptionValues(values),
                                   context: ImportContext(warehouse: warehouse, progress: progress.handler()))
    }
}

/// `crmhub serve webhooks`: MANGO OFFICE's notifications and routing lookups, until SIGTERM or Ctrl-C.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve what other systems call: webhooks (MANGO OFFICE's call notifications).",
        subcommands: [ServeWebhooksCommand.self]
    )
}

struct ServeWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Receive MANGO OFFICE's call notifications and answer its routing lookups.",
        discussion: reflow("""
            Listens for POST …/events/call and …/events/summary (register this server's address in the PBX's
            API settings) and …/routing/responsible. Every request's signature is checked with mango.api_key
            and mango.api_salt before anything is read (403 when wrong, nothing stored); each notification is
            stored once and answered at once; a call is classified when its summary arrives, as the stats are.
            GET /health answers ok. Put it behind the company's HTTPS proxy: it speaks plain HTTP.

            Example: crmhub serve webhooks --listen 127.0.0.1:8080
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @OptionGroup var settings: CallSettingsOption

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65_535).contains(port), colon > listen.startIndex else {
            throw ValidationError("--listen must be host:port, such as 127.0.0.1:8080, not '\(listen)'")
        }
        let host = String(listen[..<colon])
        let callSettings = try settings.load()
        let settingsFile = settings.settings
        let logger = options.makeLogger()
        try await options.withMigratedWarehouse { warehouse in
            let server = try MangoWebhookServer(warehouse: warehouse, settings: callSettings, settingsFile: settingsFile)
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: WebhookService(server: server, host: host, port: port),
                                 successTerminationBehavior: .gracefullyShutdownGroup,
                                 failureTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
        Terminal.print("webhook server stopped")
    }
}

struct WebhookService: Service {
    let server: MangoWebhookServer
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await server.run(host: host, port: port) { bound in
                    Terminal.print("listening on http://\(host):\(bound) (events/call, events/summary, "
                                   + "routing/responsible); stop with SIGTERM or Ctrl-C")
                }
            }
        } catch is CancellationError {
            // Stopping is the expected way out.
        }
    }
}

/// `--from --to`: local days of a calls report.
struct CallReportWindow: ParsableArguments {
    @Option(help: ArgumentHelp("The first day, YYYY-MM-DD.", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("The last day, YYYY-MM-DD.", valueName: "date"))
    var to: String

    @Option(help: ArgumentHelp("Where to write it: FILE.xlsx or FILE.csv.", valueName: "path"))
    var out: String

    func days() throws -> ClosedRange<CalendarDate> {
        guard let first = CalendarDate(isoDate: from), from.count == 10 else {
            throw ValidationError("--from must be a date such as 2026-07-01, not '\(from)'")
        }
        guard let last = CalendarDate(isoDate: to), to.count == 10 else {
            throw ValidationError("--to must be a date such as 2026-07-31, not '\(to)'")
        }
        guard first <= last else { throw ValidationError("--from \(from) is after --to \(to)") }
        let lower = out.lowercased()
        guard lower.hasSuffix(".xlsx") || lower.hasSuffix(".csv") else {
            throw ValidationError("--out must name a .xlsx or .csv file, not '\(out)'")
        }
        return first...last
    }
}

struct MissedCallsReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "missed-calls",
        abstract: "The missed-calls report: missed incoming calls nobody called back in time (XLSX or CSV).",
        discussion: reflow("""
            Every incoming call missed — an employee's phone rang unanswered, it ended in a queue or in the voice
            menu — that was not followed, within callback_within_hours of the settings, by an answered call to
            or from the same number. From mart.missed_calls; days in the settings' zone.

            Example: crmhub report missed-calls --from 2026-07-01 --to 2026-07-31 --out missed-2026-07.xlsx
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var window: CallReportWindow
    @OptionGroup var settings: CallSettingsOption

    func run() async throws {
        let days = try window.days()
        let callSettings = try settings.load()
        let format = callSettings.phoneFormat
        let rows = try await options.withMigratedWarehouse { warehouse in
            try await CallSettingsRecorder.record(callSettings, warehouse: warehouse)
            let report = try await CallReport.missedCalls(warehouse, days: days) { format.format($0) }
            return try CallReportFile.write(report, to: window.out)
        }
        Terminal.print("wrote \(window.out): \(rows) missed call(s) not called back within "
                       + "\(callSettings.callbackWithinHours) h, \(window.from) – \(window.to)")
    }
}

struct CallsWeeklyReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls-weekly",
        abstract: "The weekly calls report: per week, employee and line (XLSX or CSV).",
        discussion: reflow("""
            Incoming, answered, missed, outgoing and internal calls and the average talk time, per ISO week
            (in the settings' zone), employee and line, from mart.calls_weekly.

            Example: crmhub report calls-weekly --from 2026-07-01 --to 2026-07-31 --out calls-weekly.xlsx
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var window: CallReportWindow
    @OptionGroup var settings: CallSettingsOption

    func run() async throws {
        let days = try window.days()
        let callSettings = try settings.load()
        let rows = try await options.withMigratedWarehouse { warehouse in
            try await CallSettingsRecorder.record(callSettings, warehouse: warehouse)
            return try CallReportFile.write(try await CallReport.weekly(warehouse, days: days), to: window.out)
        }
        Terminal.print("wrote \(window.out): \(rows) line(s), weeks of \(window.from) – \(window.to)")
    }
}
