import HubCore

/// Hands one call log's legs to the warehouse: straight into `core.call_legs` by COPY on a first load, or into
/// the stage when some legs are stored already; the lines that could not be read are quarantined.
package struct CallLegWriter {
    var stage: StageRowWriter?
    var direct: DirectRowWriter?

    init(stage: StageRowWriter) {
        self.stage = stage
    }

    init(direct: DirectRowWriter) {
        self.direct = direct
    }

    package mutating func append(_ leg: CallLegRow) async throws {
        if direct != nil {
            try await direct!.append(line: leg.sourceLine) { Self.encode(leg, into: &$0) }
        } else {
            try await stage!.append(line: leg.sourceLine) { encoder in Self.encode(leg, into: &encoder) }
        }
    }

    package mutating func quarantine(_ record: QuarantinedRecord) async throws {
        if direct != nil { try direct!.holdBack(record) } else { try await stage!.quarantine(record) }
    }

    /// The columns of `core.call_legs` a leg fills, in `encode`'s order (the direct COPY adds the line and batch).
    static let columns = ["pbx", "entry_id", "leg_source", "leg_key", "started_at", "answered_at", "ended_at",
                          "from_extension", "from_number", "to_extension", "to_number", "disconnect_reason",
                          "disposition", "location", "line_number", "application", "recordings", "transferred", "raw"]

    /// The stage's payload: the same columns, typed.
    static let payload = ["pbx text", "entry_id text", "leg_source text", "leg_key bigint", "started_at timestamptz",
                          "answered_at timestamptz", "ended_at timestamptz", "from_extension text", "from_number text",
                          "to_extension text", "to_number text", "disconnect_reason integer", "disposition text",
                          "location text", "line_number text", "application text", "recordings text[]",
                          "transferred boolean", "leg_raw text"]

    static func encode(_ leg: CallLegRow, into encoder: inout CopyTextEncoder) {
        encoder.field(leg.pbx)
        encoder.field(leg.entryID)
        encoder.field(leg.legSource)
        encoder.field(Int(leg.legKey))
        encoder.field(HRRowWriter.timestamp(leg.startedAt))
        encoder.field(leg.answeredAt.map(HRRowWriter.timestamp))
        encoder.field(HRRowWriter.timestamp(leg.endedAt))
        encoder.field(leg.fromExtension)
        encoder.field(leg.fromNumber)
        encoder.field(leg.toExtension)
        encoder.field(leg.toNumber)
        encoder.field(leg.disconnectReason)
        encoder.field(leg.disposition)
        encoder.field(leg.location)
        encoder.field(leg.lineNumber)
        encoder.field(leg.application)
        encoder.field(arrayLiteral(leg.recordings))
        encoder.field(leg.transferred ? "t" : "f")
        encoder.field(leg.raw)
    }

    /// A text[] in PostgreSQL's array input syntax, every element quoted.
    static func arrayLiteral(_ values: [String]) -> String {
        guard !values.isEmpty else { return "{}" }
        return "{" + values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}
