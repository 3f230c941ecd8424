import HubCore
import NIOCore
import PostgresNIO

/// Streams one kind's rows, and the records it quarantined, into a temporary stage table by COPY, for stores
/// whose rows are few columns and whose merge is one SQL statement (HR files, punches).
///
/// The stage table's columns are `kind "char"` (`r` a row, `q` quarantined), `line integer`, the kind's own
/// payload columns, then `record_kind, reason, field, raw, path` (`StageRowWriter.stageColumns`). Rows go out in
/// buffers of about 256 KiB, so memory stays flat however long the file.
package struct StageRowWriter {
    private let writer: LoadCopyWriter
    private let payloadColumns: Int
    private var encoder = CopyTextEncoder()
    package private(set) var rows = 0
    package private(set) var quarantined = 0
    /// The first quarantined records, to show the person who ran the import.
    package private(set) var samples: [QuarantinedRecord] = []
    package static let sampleLimit = 10
    private static let flushBytes = 256 * 1024

    init(writer: LoadCopyWriter, payloadColumns: Int) {
        self.writer = writer
        self.payloadColumns = payloadColumns
    }

    /// The stage table's column definitions around a kind's payload (`name type` each).
    static func stageColumns(payload: [String]) -> String {
        (["kind \"char\"", "line integer"] + payload + ["record_kind text", "reason text", "field text", "raw text", "path text"])
            .joined(separator: ", ")
    }

    /// Stages one row: `encode` writes exactly the payload's fields.
    package mutating func append(line: Int, _ encode: (inout CopyTextEncoder) -> Void) async throws {
        encoder.field("r")
        encoder.field(line)
        encode(&encoder)
        encoder.nulls(5)
        encoder.endRow()
        rows += 1
        try await flushIfFull()
    }

    /// Stages a record set aside, with where it stood and why.
    package mutating func quarantine(_ record: QuarantinedRecord) async throws {
        encoder.field("q")
        encoder.field(record.line)
        encoder.nulls(payloadColumns)
        encoder.field(record.recordKind)
        encoder.field(record.reason)
        encoder.field(record.field)
        encoder.field(record.raw)
        encoder.field(record.path)
        encoder.endRow()
        quarantined += 1
        if samples.count < Self.sampleLimit { samples.append(record) }
        try await flushIfFull()
    }

    private mutating func flushIfFull() async throws {
        if encoder.count >= Self.flushBytes { try await flush() }
    }

    mutating func flush() async throws {
        guard encoder.count > 0 else { return }
        try await writer.write(encoder.take())
    }
}

extension OpenBatch {
    /// Creates the stage table `name` (a constant of the store's, never data: it is spliced into the SQL; dropped at
    /// commit), COPYs what `produce` stages into it, and moves its
    /// quarantined records into `ops.quarantine`; the writer's counts.
    func stage(
        _ name: String, payload: [String],
        produce: (inout StageRowWriter) async throws -> Void
    ) async throws -> (rows: Int, quarantined: Int, samples: [QuarantinedRecord]) {
        try await connection.query(PostgresQuery(unsafeSQL: """
            CREATE TEMP TABLE \(name) (\(StageRowWriter.stageColumns(payload: payload))) ON COMMIT DROP
            """), logger: logger)
        var counts: (rows: Int, quarantined: Int, samples: [QuarantinedRecord]) = (0, 0, [])
        try await connection.copyFrom(table: name, logger: logger) { copyWriter in
            var writer = StageRowWriter(writer: copyWriter, payloadColumns: payload.count)
            try await produce(&writer)
            try await writer.flush()
            counts = (writer.rows, writer.quarantined, writer.samples)
        }
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO ops.quarantine (batch_id, source_kind, source_name, position, record_kind, reason, field, raw,
                                        path)
            SELECT $1, $2, $3, line, record_kind, reason, field, raw, path FROM \(name) WHERE kind = 'q' ORDER BY line
            """, binds: Self.binds(id, source.sourceKind, source.sourceName)), logger: logger)
        return counts
    }

    private static func binds(_ batchID: Int64, _ kind: String, _ name: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(batchID)
        binds.append(kind)
        binds.append(name)
        return binds
    }
}
