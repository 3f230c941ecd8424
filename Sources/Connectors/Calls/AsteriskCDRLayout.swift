import Foundation
import HubCore

/// How an Asterisk `Master.csv` (cdr_csv) is read: comma-separated, strings in double quotes, no header, the
/// columns those of the PBX's cdr.conf (`asterisk.cdr_columns` in mappings/calls.yaml; 16 by default, then
/// `uniqueid`, `userfield`, and `peeraccount, linkedid, sequence` as the PBX logs them).
///
/// One row is one dial attempt or bridge; the rows of one call share `linkedid` (when logged) or `uniqueid`:
/// the call's entry id. Times are the PBX's local time, read in its zone; an unset time (no answer) is empty.
/// Employees are recognised by channel (`PJSIP/101-00000003` is extension 101), the trunk by its channel
/// prefix (`PJSIP/uztelecom-`). An IVR (`BackGround`), a `Queue` or `VoiceMail` answers the channel itself:
/// such a row has no destination channel and is never an employee's answer.
public struct AsteriskCDRLayout: Sendable, Equatable {
    public static let defaultColumns = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel",
                                        "lastapp", "lastdata", "start", "answer", "end", "duration", "billsec",
                                        "disposition", "amaflags", "uniqueid", "userfield"]
    public static let requiredColumns = ["src", "dst", "channel", "dstchannel", "lastapp", "start", "end",
                                         "disposition", "uniqueid"]
    public static let knownColumns = defaultColumns + ["peeraccount", "linkedid", "sequence", "did", "recordingfile",
                                                       "cnum", "cnam", "calldate"]

    public let columns: [String]
    public let timeZone: TimeZone
    public let trunkChannelPrefixes: [String]
    /// The column holding the company's number that was called (FreePBX's `did`), if the PBX logs one.
    public let lineColumn: String?
    private let index: [String: Int]

    public init(columns: [String], timeZone: TimeZone, trunkChannelPrefixes: [String], lineColumn: String? = nil) {
        self.columns = columns
        self.timeZone = timeZone
        self.trunkChannelPrefixes = trunkChannelPrefixes
        self.lineColumn = lineColumn
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }

    /// What is wrong with the column list, or nil.
    public var problem: String? {
        let missing = Self.requiredColumns.filter { index[$0] == nil }
        if !missing.isEmpty { return "the CDR columns must include " + missing.joined(separator: ", ") }
        if let unknown = columns.first(where: { !Self.knownColumns.contains($0) }) {
            return "unknown CDR column '\(unknown)'" + Suggestion.didYouMean(unknown, in: Self.knownColumns)
        }
        if let lineColumn, index[lineColumn] == nil { return "the line column '\(lineColumn)' is not a CDR column" }
        return nil
    }

    /// The extension a channel stands for (`PJSIP/101-0000000a` → 101); nil for the trunk and for no channel.
    public func extensionOf(channel: String) -> String? {
        guard !channel.isEmpty, !isTrunk(channel), let slash = channel.firstIndex(of: "/") else { return nil }
        var name = channel[channel.index(after: slash)...]
        if let dash = name.lastIndex(of: "-") { name = name[..<dash] }
        if let at = name.firstIndex(of: "@") { name = name[..<at] }
        return name.isEmpty ? nil : String(name)
    }

    public func isTrunk(_ channel: String) -> Bool {
        trunkChannelPrefixes.contains { channel.hasPrefix($0) }
    }

    /// The leg on one row; `offsets` caches the zone's offsets per day.
    public func leg(_ row: DelimitedTextFile.Row, offsets: inout ZoneDayOffsets) -> Result<CallLegRow, LineRejection> {
        func reject(_ reason: String, _ field: String? = nil) -> Result<CallLegRow, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: field, raw: row.text))
        }
        guard row.fields.count == columns.count else {
            return reject("the row has \(row.fields.count) column(s), the CDR columns name \(columns.count)")
        }
        func text(_ name: String) -> String? {
            guard let position = index[name] else { return nil }
            let value = row.fields[position].trimmingSpacesAndTabs
            return value.isEmpty ? nil : value
        }
        func instant(_ name: String) -> Int64?? {
            guard let value = text(name) else { return .some(nil) }
            guard let time = LocalDateTime(isoText: value) else { return nil }
            return .some(offsets.instant(of: time))
        }
        guard let uniqueID = text("uniqueid") else { return reject("the row has no uniqueid", "uniqueid") }
        guard let startRead = instant("start"), let start = startRead else {
            return reject("start '\(text("start") ?? "")' is not YYYY-MM-DD HH:MM:SS", "start")
        }
        guard let endRead = instant("end") else {
            return reject("end '\(text("end") ?? "")' is not YYYY-MM-DD HH:MM:SS", "end")
        }
        guard let answerRead = instant("answer") else {
            return reject("answer '\(text("answer") ?? "")' is not YYYY-MM-DD HH:MM:SS", "answer")
        }
        let end = endRead ?? start
        guard end >= start else { return reject("end is before start", "end") }
        guard let disposition = text("disposition")?.uppercased() else {
            return reject("the row has no disposition", "disposition")
        }
        let channel = text("channel") ?? ""
        let destination = text("dstchannel") ?? ""
        let application = text("lastapp")
        let location: String? = switch application?.lowercased() {
        case "dial": "abonent"
        case "queue": "queue"
        case "voicemail": "voicemail"
        case "background", "playback", "read": "ivr"
        default: nil
        }
        let fromExtension = extensionOf(channel: channel)
        let toExtension = extensionOf(channel: destination)
        // An answered row without a destination channel was answered by the PBX itself (IVR, queue, voicemail).
        let answered = disposition == "ANSWERED" && !destination.isEmpty ? answerRead : nil
        let recordings = [text("recordingfile")].compactMap { $0 }
        return .success(CallLegRow(
            pbx: "asterisk", entryID: text("linkedid") ?? uniqueID, legSource: "cdr",
            legKey: CallLegRow.key(of: row.text), startedAt: start, answeredAt: answered, endedAt: end,
            fromExtension: fromExtension, fromNumber: text("src"), toExtension: toExtension,
            toNumber: text("dst"), disposition: disposition, location: location,
            lineNumber: lineColumn.flatMap { text($0) }, application: application, recordings: recordings,
            raw: row.text, sourceLine: row.line))
    }
}
