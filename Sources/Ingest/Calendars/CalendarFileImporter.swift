import CRMWarehouse
import Calendars
import Connectors
import Crypto
import Foundation
import HubCore

/// Imports one Outlook/Exchange iCalendar file (one mailbox or folder) over a window: read and expanded by
/// `CalendarFileReading`, loaded by `CalendarStore` in one transaction. A VEVENT that cannot be read is
/// quarantined with its line; the rest loads. Importing the same file over the same window again changes
/// nothing; importing a newer export replaces the calendar's view of the window.
package struct CalendarFileImporter: Sendable {
    package let warehouse: Warehouse
    package let progress: ImportProgressHandler?

    package init(warehouse: Warehouse, progress: ImportProgressHandler? = nil) {
        self.warehouse = warehouse
        self.progress = progress
    }

    package struct Settings: Sendable {
        /// The calendar's name; nil: the file's X-WR-CALNAME, else its name without the extension.
        package var calendar: String?
        package var owner: String?
        /// The zone all-day events and floating times are read in, unless the file names one (X-WR-TIMEZONE).
        package var timeZone: TimeZone
        /// The territory CLDR maps Windows zone names for ("UZ"); nil: each name's main zone.
        package var region: String?
        package var window: Range<Int64>

        package init(calendar: String? = nil, owner: String? = nil, timeZone: TimeZone, region: String? = nil,
                     window: Range<Int64>) {
            self.calendar = calendar
            self.owner = owner
            self.timeZone = timeZone
            self.region = region
            self.window = window
        }
    }

    package func importFile(_ unit: SourceUnit, kind: String, settings: Settings, beforeCommit: LoadCommitHook?)
        async throws -> ImportReport
    {
        let started = ContinuousClock.now
        let scan = try SourceFileScan.scan(path: unit.path, name: unit.name, progress: progress, started: started,
                                           sniffEncoding: false)
        let name = unit.name
        let progress = self.progress
        let reading = try CalendarFileReading.read(
            path: unit.path, defaultZone: settings.timeZone, window: settings.window, region: settings.region
        ) { done, total in
            progress?(ImportProgress(source: name, phase: .loading, bytesDone: done, bytesTotal: total, records: 0,
                                     elapsed: BankStatementImporter.seconds(since: started)))
        }
        let calendarName = settings.calendar ?? reading.calendarName
            ?? URL(fileURLWithPath: unit.path).deletingPathExtension().lastPathComponent
        let calendar = CalendarIdentity(name: calendarName, timeZone: reading.calendarZone, owner: settings.owner)
        // The same bytes over another window, or as another calendar, are another load.
        let identity = "\(scan.sha256)|\(calendar.name)|\(calendar.timeZone)|\(settings.window.lowerBound)|"
            + "\(settings.window.upperBound)|\(settings.region ?? "")"
        let source = BatchSource(sourceKind: kind, sourceName: name,
                                 sha256: SHA256.hash(data: Data(identity.utf8)).map { String(format: "%02x", $0) }
                                     .joined(),
                                 byteCount: scan.byteCount, encoding: "utf-8")
        let quarantined = reading.expansion.rejected.map {
            QuarantinedRecord(line: $0.line, recordKind: "vevent", reason: $0.reason, field: $0.field, raw: $0.raw)
        }
        let outcome = try await CalendarStore(warehouse: warehouse).load(
            source, calendar: calendar, window: settings.window, events: reading.expansion.events,
            occurrences: reading.expansion.occurrences, quarantined: quarantined, beforeCommit: beforeCommit)
        let seconds = BankStatementImporter.seconds(since: started)
        let headline = "calendar \(calendar.name) (\(calendar.timeZone))"
        switch outcome.result {
        case .alreadyLoaded(let batchID, let finishedAt):
            return ImportReport(kind: kind, unit: unit, outcome: .alreadyLoaded(finishedAt: finishedAt),
                                batchID: batchID, headline: headline, seconds: seconds)
        case .loaded(let counts):
            var report = ImportReport(kind: kind, unit: unit, loaded: counts, headline: headline, seconds: seconds,
                                      quarantineSamples: outcome.samples)
            let changes = outcome.changes
            report.details = [
                "\(reading.vevents) VEVENTs, \(reading.expansion.occurrences.count) occurrences from "
                    + "\(Self.day(settings.window.lowerBound)) to \(Self.day(settings.window.upperBound)) (exclusive)",
                "occurrences: \(changes.added) new, \(changes.changed) changed, \(changes.removed) gone; "
                    + "events new or changed: \(changes.events)",
            ]
            if !reading.skipped.isEmpty {
                report.details.append("not loaded: " + reading.skipped.map { "\($0.0) (line \($0.1))" }
                    .joined(separator: ", "))
            }
            report.warnings += reading.expansion.warnings
            return report
        }
    }

    private static func day(_ seconds: Int64) -> String {
        CalendarDate(dayNumber: Int(seconds / 86_400)).iso
    }
}
