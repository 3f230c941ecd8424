import CRMWarehouse
import Calls
import Connectors
import Foundation
import HubCore

/// Imports a PBX's call log — a MANGO OFFICE statistics CSV or an Asterisk `Master.csv` — in one transaction
/// (`CallStore`): legs line by line, the calls they touch classified by `CallClassifier`, clients created by
/// the settings' rules. A line that cannot be read is quarantined with its number and the rest loads.
package struct CallLogImporter: Sendable {
    package enum Format: String, Sendable {
        case mangoStats = "calls-mango"
        case asteriskCDR = "calls-asterisk"
    }

    package let format: Format
    package let warehouse: Warehouse
    package let settings: CallSettings
    package let progress: ImportProgressHandler?

    package init(format: Format, warehouse: Warehouse, settings: CallSettings, progress: ImportProgressHandler? = nil) {
        self.format = format
        self.warehouse = warehouse
        self.settings = settings
        self.progress = progress
    }

    package func importFile(_ unit: SourceUnit, kind: String, beforeCommit: LoadCommitHook?) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let (path, name) = (unit.path, unit.name)
        let scan = try SourceFileScan.scan(path: path, name: name, progress: progress, started: started,
                                           sniffEncoding: true)
        let source = BatchSource(sourceKind: kind, sourceName: name, sha256: scan.sha256, byteCount: scan.byteCount,
                                 encoding: scan.encoding.rawValue)
        let (format, settings, progress, encoding) = (self.format, self.settings, self.progress, scan.encoding)
        let classifier = CallClassifier(settings: settings)
        try await CallStore.record(settings.record, warehouse: warehouse)
        let outcome = try await CallStore(warehouse: warehouse).load(
            source, classify: { classifier.classify($0) }, beforeCommit: beforeCommit
        ) { writer in
            var file = try DelimitedTextFile(path: path, encoding: encoding,
                                             delimiter: format == .mangoStats ? ";" : ",")
            let mango = settings.mango.layout
            let asterisk = settings.asteriskLayout()
            var offsets = ZoneDayOffsets(zone: asterisk.timeZone)
            var pending: [Result<CallLegRow, LineRejection>] = []
            var lines = 0
            func read(_ item: DelimitedTextFile.Item) {
                lines += 1
                switch item {
                case .rejected(let line, let reason, let text):
                    pending.append(.failure(LineRejection(line: line, reason: reason, raw: text)))
                case .row(let row):
                    switch format {
                    case .mangoStats: if !mango.isHeader(row) { pending.append(mango.leg(row)) }
                    case .asteriskCDR: pending.append(asterisk.leg(row, offsets: &offsets))
                    }
                }
            }
            while try file.readChunk(emit: read) {
                try await Self.hand(&pending, to: &writer)
                progress?(ImportProgress(source: name, phase: .loading, bytesDone: file.bytesRead,
                                         bytesTotal: file.fileSize, records: lines,
                                         elapsed: BankStatementImporter.seconds(since: started)))
            }
            try await Self.hand(&pending, to: &writer)
        }
        let seconds = BankStatementImporter.seconds(since: started)
        switch outcome.result {
        case .alreadyLoaded(let batchID, let finishedAt):
            return ImportReport(kind: kind, unit: unit, outcome: .alreadyLoaded(finishedAt: finishedAt),
                                batchID: batchID, headline: encoding.rawValue, seconds: seconds)
        case .loaded(let counts):
            var report = ImportReport(kind: kind, unit: unit, loaded: counts, headline: encoding.rawValue,
                                      seconds: seconds, quarantineSamples: outcome.samples)
            report.details = outcome.calls.lines
            return report
        }
    }

    private static func hand(_ pending: inout [Result<CallLegRow, LineRejection>], to writer: inout CallLegWriter)
        async throws
    {
        for item in pending {
            switch item {
            case .success(let leg): try await writer.append(leg)
            case .failure(let rejection):
                try await writer.quarantine(QuarantinedRecord(line: rejection.line, recordKind: "call_leg",
                                                              reason: rejection.reason, field: rejection.field,
                                                              raw: rejection.raw))
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}

extension CallChanges {
    /// What `crmhub import` prints under a call log's batch line.
    package var lines: [String] {
        ["calls: \(classified) classified, \(inserted) new, \(updated) changed; clients created: \(clientsCreated)"]
    }
}

/// Keeps the call settings the marts read (`ops.call_center_settings`, `core.phone_extensions`).
package enum CallSettingsRecorder {
    package static func record(_ settings: CallSettings, warehouse: Warehouse) async throws {
        try await CallStore.record(settings.record, warehouse: warehouse)
    }
}

extension CallSettings {
    /// What the warehouse keeps of the settings (the marts read it).
    package var record: CallCenterSettingsRecord {
        CallCenterSettingsRecord(
            timeZone: timeZone.identifier, callbackWithinHours: callbackWithinHours, shortTalkSeconds: shortTalkSeconds,
            extensions: extensions.keys.sorted().map { key in
                let owner = extensions[key]!
                return (key, owner.personnelNumber, owner.employee, owner.mangoLogin)
            })
    }
}
