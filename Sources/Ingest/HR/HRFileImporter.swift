import Attendance
import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Mapping
import Synchronization

/// Imports HR's own files (`hr-shifts`, `hr-absences`, `skud-person-map`) and punch files (`skud-zkteco`,
/// `skud-csv`): scan (hash, encoding) → read line by line → map → stage by COPY → merge, one transaction per
/// file (`HRFileStore`). A line that cannot be read is quarantined with its number and the rest loads; a file
/// whose header is wrong fails whole.
package struct HRFileImporter: Sendable {
    /// What the file is.
    package enum Format: Sendable, Equatable {
        case hr(HRFileLayout)
        case zkteco
        case turnstile
    }

    package let format: Format
    package let warehouse: Warehouse
    package let settings: AttendanceSettings
    package let progress: ImportProgressHandler?
    /// Overrides the zone the settings give (`--timezone`).
    package var timeZone: TimeZone?
    /// The terminal's number when the file's name does not give it (`--device`).
    package var device: String?

    package init(format: Format, warehouse: Warehouse, settings: AttendanceSettings,
                 progress: ImportProgressHandler? = nil) {
        self.format = format
        self.warehouse = warehouse
        self.settings = settings
        self.progress = progress
    }

    var content: HRFileStore.Content {
        switch format {
        case .hr(.shifts): .shifts
        case .hr(.absences): .absences
        case .hr(.personMap): .personKeys
        case .zkteco, .turnstile: .punches
        }
    }

    /// What a quarantined line was meant to be.
    var recordKind: String {
        switch format {
        case .hr(.shifts): "shift"
        case .hr(.absences): "absence"
        case .hr(.personMap): "person_key"
        case .zkteco, .turnstile: "punch"
        }
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
        let reader = LineReader(format: format, settings: settings, timeZone: timeZone,
                                device: device ?? ZKTecoLogLayout.deviceNumber(fromFileName: name),
                                recordKind: recordKind, name: name)
        let progress = self.progress
        let encoding = scan.encoding
        let outcome = try await HRFileStore(warehouse: warehouse).load(source, content: content,
                                                                       beforeCommit: beforeCommit) { writer in
            var file = try DelimitedTextFile(path: path, encoding: encoding, delimiter: reader.delimiter)
            var state = LineReader.State()
            var pending: [LineReader.Output] = []
            var lines = 0
            while try file.readChunk(emit: { item in
                lines += 1
                try reader.read(item, state: &state, into: &pending)
            }) {
                for output in pending { try await output.write(to: &writer) }
                pending.removeAll(keepingCapacity: true)
                progress?(ImportProgress(source: name, phase: .loading, bytesDone: file.bytesRead,
                                         bytesTotal: file.fileSize, records: lines,
                                         elapsed: BankStatementImporter.seconds(since: started)))
            }
            for output in pending { try await output.write(to: &writer) }
            if !state.sawHeader && reader.needsHeader {
                throw HubError(.malformedInput, "the file is empty: it has no header line",
                               location: SourceLocation(source: name))
            }
        }
        return ImportReport(kind: kind, unit: unit, file: outcome, headline: encoding.rawValue,
                            seconds: BankStatementImporter.seconds(since: started))
    }
}

/// Turns the lines of one HR or punch file into rows and quarantined records (no I/O: what `HRFileImporter`
/// writes).
struct LineReader: Sendable {
    let format: HRFileImporter.Format
    let settings: AttendanceSettings
    let timeZone: TimeZone?
    let device: String?
    let recordKind: String
    let name: String

    struct State {
        var sawHeader = false
        var turnstileColumns: [TurnstileExportLayout.Field: Int] = [:]
        /// Per zone, the offsets of the days seen so far.
        var offsets: [String: ZoneDayOffsets] = [:]

        mutating func row(_ punch: PunchRecord, source: String, zone: TimeZone) -> PunchRow {
            var zoneOffsets = offsets.removeValue(forKey: zone.identifier) ?? ZoneDayOffsets(zone: zone)
            defer { offsets[zone.identifier] = zoneOffsets }
            return HRMapper.row(punch, source: source, offsets: &zoneOffsets)
        }
    }

    enum Output {
        case rows([HRFileStore.Row])
        case quarantine(QuarantinedRecord)

        func write(to writer: inout HRRowWriter) async throws {
            switch self {
            case .rows(let rows): for row in rows { try await writer.append(row) }
            case .quarantine(let record): try await writer.quarantine(record)
            }
        }
    }

    var delimiter: Character {
        switch format {
        case .hr: ","
        case .zkteco: "\t"
        case .turnstile: settings.turnstile.layout.delimiter
        }
    }

    /// ZKTeco downloads have no header line; the others start with one.
    var needsHeader: Bool { format != .zkteco }

    func read(_ item: DelimitedTextFile.Item, state: inout State, into outputs: inout [Output]) throws {
        let row: DelimitedTextFile.Row
        switch item {
        case .rejected(let line, let reason, let text):
            if needsHeader && !state.sawHeader {
                throw HubError(.malformedInput, "the header line cannot be read: \(reason)",
                               location: SourceLocation(source: name, line: line))
            }
            outputs.append(.quarantine(QuarantinedRecord(line: line, recordKind: recordKind, reason: reason, raw: text)))
            return
        case .row(let read): row = read
        }
        if needsHeader && !state.sawHeader {
            state.sawHeader = true
            do {
                switch format {
                case .hr(let layout): try layout.checkHeader(row)
                case .turnstile: state.turnstileColumns = try settings.turnstile.layout.header(row)
                case .zkteco: break
                }
            } catch {
                throw HubError(.malformedInput, error.reason, location: SourceLocation(source: name, line: error.line,
                                                                                      field: error.field))
            }
            return
        }
        switch format {
        case .hr(let layout):
            switch layout.record(row) {
            case .success(.shift(let shift)): outputs.append(.rows([.shift(HRMapper.row(shift))]))
            case .success(.absence(let absence)): outputs.append(.rows(HRMapper.rows(absence).map { .absenceDay($0) }))
            case .success(.personKey(let key)): outputs.append(.rows([.personKey(HRMapper.row(key))]))
            case .failure(let rejection):
                outputs.append(.quarantine(HRMapper.quarantined(rejection, recordKind: recordKind)))
            }
        case .zkteco:
            switch settings.zkteco.layout.punch(row, deviceFromName: device) {
            case .success(let punch):
                let zone = timeZone ?? settings.zone(ofTerminal: punch.device)
                outputs.append(.rows([.punch(state.row(punch, source: settings.zkteco.source, zone: zone))]))
            case .failure(let rejection):
                outputs.append(.quarantine(HRMapper.quarantined(rejection, recordKind: recordKind)))
            }
        case .turnstile:
            switch settings.turnstile.layout.punch(row, columns: state.turnstileColumns) {
            case .success(let punch):
                let zone = timeZone ?? settings.turnstile.timeZone ?? settings.timeZone
                outputs.append(.rows([.punch(state.row(punch, source: settings.turnstile.source, zone: zone))]))
            case .failure(let rejection):
                outputs.append(.quarantine(HRMapper.quarantined(rejection, recordKind: recordKind)))
            }
        }
    }
}
