import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `calendar-ews` (`crmhub sync exchange`): the two-way sync of each mailbox's calendar, contacts and tasks with
/// Exchange Web Services (`ExchangeSync`).
struct ExchangeSourceKind: SourceKind {
    static let kindID = "calendar-ews"
    static let mailbox = SourceOption(key: "mailbox", valueName: "address",
                                      help: "Sync this mailbox only (default: every mailbox of the settings).")

    var id: String { Self.kindID }
    var summary: String { "Outlook calendars, contacts and tasks, both ways, with Exchange Web Services (crmhub sync exchange)." }
    var help: String { """
        For each mailbox of the Exchange settings: what changed in its Contacts, Tasks and Calendar folders since \
        the last sync (SyncFolderItems from the stored sync state) is read with GetItem and merged into \
        core.contacts, core.tasks and the CRM's meetings; then what the CRM made, changed or deleted is sent \
        (CreateItem, UpdateItem with the item's change key, DeleteItem), each item made by the CRM carrying the \
        CRM's id in the extended property CRMHubId; then the calendar's occurrences over --from..--to, expanded \
        by Exchange (FindItem with a CalendarView), replace the mailbox's view of that window in \
        core.calendar_occurrences. An item changed on both sides keeps the later change; the other version is \
        kept in ops.exchange_conflicts. Deletions travel both ways.

        The account and its credentials are in the settings (username and password for auth basic, token for \
        auth bearer), as references only (${env:EWS_PASSWORD}, ${file:/path}). ErrorServerBusy is waited out \
        with the back-off Exchange asks for. Safe to repeat: a sync with no change on either side sends nothing \
        and changes nothing.
        """ }
    var example: String { "crmhub sync exchange --from 2026-12-01 --to 2027-01-01" }
    var options: [SourceOption] { [ExchangeSettingsLoader.option, Self.mailbox, CalendarWindow.from, CalendarWindow.to] }
    var units: UnitDiscovery { .endpoints("EWS addresses") }
    var tables: [WarehouseTable] {
        [WarehouseTable("core.contacts", testableColumns: ["mailbox", "display_name", "emails", "phones"]),
         WarehouseTable("core.tasks", testableColumns: ["mailbox", "subject", "status", "due_at"]),
         WarehouseTable("core.calendar_events", testableColumns: ["calendar", "uid", "summary", "starts_at"]),
         WarehouseTable("core.calendar_occurrence_views", testableColumns: ["calendar", "event_uid", "starts_at"])]
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let settingsPath = options.value(of: ExchangeSettingsLoader.option) ?? ExchangeSettingsLoader.defaultPath
        let settings = try ExchangeSettingsLoader.load(path: settingsPath)
        let client = try EWSClient(settings: settings, url: unit.path, settingsFile: settingsPath)
        let window = try CalendarWindow.window(options)
        let mailboxes = options.value(of: Self.mailbox).map { [$0.lowercased()] } ?? settings.mailboxes
        guard !mailboxes.isEmpty else {
            throw HubError(.configuration, "no mailbox to sync: list mailboxes in the Exchange settings, or give "
                               + "--mailbox", location: SourceLocation(source: settingsPath))
        }
        let sync = ExchangeSync(client: client, warehouse: context.warehouse, window: window,
                                progress: context.progress)
        var report = ImportReport(kind: id, unit: unit, outcome: .alreadyLoaded(finishedAt: nil), batchID: 0,
                                  headline: "\(mailboxes.count) mailbox(es), \(settings.folders.map(\.rawValue).joined(separator: ", "))",
                                  seconds: 0)
        for mailbox in mailboxes {
            let summary = try await sync.sync(mailbox: mailbox, folders: settings.folders)
            report.details += Self.lines(summary)
            report.warnings += summary.warnings
            if let last = summary.batches.last {
                report.outcome = .loaded
                report.batchID = last
            }
            for outcome in summary.pulled.values {
                report.read += outcome.inserted + outcome.updated + outcome.deleted + outcome.unchanged
                report.loaded += outcome.inserted + outcome.updated + outcome.deleted
                report.duplicate += outcome.unchanged
            }
            if let calendar = summary.calendar, case .loaded(let counts) = calendar.result {
                report.read += counts.read
                report.loaded += counts.loaded
                report.duplicate += counts.duplicate
                report.quarantined += counts.quarantined
                report.quarantineSamples += calendar.samples
            }
        }
        report.seconds = BankStatementImporter.seconds(since: started)
        return report
    }

    static func lines(_ summary: ExchangeSync.Summary) -> [String] {
        var parts: [String] = []
        for folder in ["contacts", "tasks", "calendar"] {
            if let pulled = summary.pulled[folder] {
                parts.append("\(folder) from Exchange: \(pulled.inserted) new, \(pulled.updated) changed, "
                             + "\(pulled.deleted) deleted, \(pulled.conflicts) conflict(s)")
            }
        }
        let pushed = ["create", "update", "delete"].map { "\(summary.pushed[$0] ?? 0) \($0)d" }.joined(separator: ", ")
        parts.append("to Exchange: \(pushed)" + (summary.refused.isEmpty ? "" : "; refused: "
                     + summary.refused.joined(separator: "; ")))
        if summary.calendarSkipped {
            parts.append("calendar: unchanged since the last sync over this window")
        } else if let calendar = summary.calendar {
            let changes = calendar.changes
            switch calendar.result {
            case .alreadyLoaded(let batch, _):
                parts.append("calendar: \(summary.calendarItems) items, as loaded in batch \(batch)")
            case .loaded:
                parts.append("calendar: \(summary.calendarItems) items; occurrences \(changes.added) new, "
                             + "\(changes.changed) changed, \(changes.removed) gone")
            }
        }
        return ["\(summary.mailbox):"] + parts.map { "  " + $0 }
    }
}
