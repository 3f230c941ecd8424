import HubCore

/// Rows COPYed straight into their `core` table on a first load (punches, call legs), each followed by its line
/// and the batch, with the lines that could not be read held back for `ops.quarantine` — at most `holdLimit` of
/// them: a file that bad goes staged.
struct DirectRowWriter {
    struct Abandoned: Error {}

    static let holdLimit = 10_000
    let writer: LoadCopyWriter
    let batchID: Int64
    private var encoder = CopyTextEncoder()
    private(set) var rows = 0
    private(set) var heldBack: [QuarantinedRecord] = []

    init(writer: LoadCopyWriter, batchID: Int64) {
        self.writer = writer
        self.batchID = batchID
    }

    /// One row: `encode` writes its own columns; the line and the batch follow.
    mutating func append(line: Int, _ encode: (inout CopyTextEncoder) -> Void) async throws {
        encode(&encoder)
        encoder.field(line)
        encoder.field(Int(batchID))
        encoder.endRow()
        rows += 1
        if encoder.count >= 256 * 1024 { try await flush() }
    }

    mutating func holdBack(_ record: QuarantinedRecord) throws {
        guard heldBack.count < Self.holdLimit else { throw Abandoned() }
        heldBack.append(record)
    }

    mutating func flush() async throws {
        guard encoder.count > 0 else { return }
        try await writer.write(encoder.take())
    }
}
