import HubCore

/// How a MANGO OFFICE basic-statistics CSV (`stats/result`) is read: `;`-separated, no header, one row per leg,
/// its columns exactly the `fields` of the request in their order (`mango.stats_fields` in mappings/calls.yaml).
///
/// Times are plain epoch seconds (`answer` 0: never answered); `records` holds the recording ids as
/// `[id1,id2]`; `from_number`/`to_number` are E.164 digits or an employee's SIP address. A line equal to the
/// field list is a header and skipped; a row whose column count differs from the list is refused with its line.
public struct MangoStatsLayout: Sendable, Equatable {
    public static let defaultFields = "records,start,finish,answer,from_extension,from_number,to_extension,to_number,"
        + "disconnect_reason,line_number,location,entry_id"
    /// The columns every request must include: without them legs cannot be grouped or timed.
    public static let requiredFields = ["start", "finish", "answer", "entry_id"]
    /// The columns CRMHub reads (others may be requested and are kept in the raw row).
    public static let knownFields = ["records", "start", "finish", "answer", "from_extension", "from_number",
                                     "to_extension", "to_number", "disconnect_reason", "line_number", "location",
                                     "entry_id", "create"]

    public let fields: [String]
    private let index: [String: Int]

    /// `fields` as in the request: comma-separated names.
    public init(fields: String) {
        self.fields = fields.split(separator: ",").map { String($0).trimmingSpacesAndTabs }
        var index: [String: Int] = [:]
        for (position, name) in self.fields.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }

    /// What is wrong with the field list, or nil.
    public var problem: String? {
        let missing = Self.requiredFields.filter { index[$0] == nil }
        if !missing.isEmpty { return "the stats fields must include " + missing.joined(separator: ", ") }
        let unknown = fields.filter { !Self.knownFields.contains($0) }
        if !unknown.isEmpty {
            return "unknown stats field(s) " + unknown.joined(separator: ", ") + Suggestion.didYouMean(unknown[0],
                                                                                                       in: Self.knownFields)
        }
        return nil
    }

    /// Whether a row is the field list itself (some exports start with it).
    public func isHeader(_ row: DelimitedTextFile.Row) -> Bool {
        row.fields.map { $0.trimmingSpacesAndTabs } == fields
    }

    /// The leg on one row.
    public func leg(_ row: DelimitedTextFile.Row) -> Result<CallLegRow, LineRejection> {
        func reject(_ reason: String, _ field: String? = nil) -> Result<CallLegRow, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: field, raw: row.text))
        }
        guard row.fields.count == fields.count else {
            return reject("the row has \(row.fields.count) column(s), the stats fields name \(fields.count)")
        }
        func text(_ name: String) -> String? {
            guard let position = index[name] else { return nil }
            let value = row.fields[position].trimmingSpacesAndTabs
            return value.isEmpty ? nil : value
        }
        func seconds(_ name: String) -> Int64?? {
            guard let value = text(name) else { return .some(nil) }
            guard let number = Int64(value), number >= 0 else { return nil }
            return .some(number)
        }
        guard let entryID = text("entry_id") else { return reject("the row has no entry_id", "entry_id") }
        guard let startRead = seconds("start"), let start = startRead else {
            return reject("start '\(text("start") ?? "")' is not epoch seconds", "start")
        }
        guard let finishRead = seconds("finish") else {
            return reject("finish '\(text("finish") ?? "")' is not epoch seconds", "finish")
        }
        let finish = finishRead ?? start
        guard finish >= start else { return reject("finish is before start", "finish") }
        guard let answerRead = seconds("answer") else {
            return reject("answer '\(text("answer") ?? "")' is not epoch seconds", "answer")
        }
        let answer = answerRead.flatMap { $0 == 0 ? nil : $0 }
        if let answer, answer < start || answer > finish {
            return reject("answer lies outside the leg's start and finish", "answer")
        }
        var reason: Int?
        if let code = text("disconnect_reason") {
            // Old accounts wrote words (Busy, RemoteHangup) instead of codes: kept in the raw row only.
            reason = Int(code)
        }
        let records = (text("records") ?? "").split(whereSeparator: { "[], ".contains($0) }).map(String.init)
        return .success(CallLegRow(
            pbx: "mango", entryID: entryID, legSource: "stats", legKey: CallLegRow.key(of: row.text), startedAt: start,
            answeredAt: answer, endedAt: finish, fromExtension: text("from_extension"), fromNumber: text("from_number"),
            toExtension: text("to_extension"), toNumber: text("to_number"), disconnectReason: reason,
            location: text("location"), lineNumber: text("line_number"), recordings: records, raw: row.text,
            sourceLine: row.line))
    }
}
