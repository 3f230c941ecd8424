import HubCore

/// A SWIFT MT940 customer statement file read chunk by chunk: bytes → lines → fields → records.
///
/// Reads files with SWIFT blocks (`{1:…}{2:…}{4:` … `-}`, several messages per file) and bank exports without
/// any (a `:20:` starts each statement), CRLF or LF, in UTF-8, CP1251 or CP866 (the caller detects the encoding,
/// as for 1CClientBankExchange, with `SourceFileScan`). Records come in file order: per statement one
/// `.statement` (at its opening balance), `.balance`s, and a `.line` per `:61:` with its `:86:`. A malformed
/// `:61:` or balance becomes `.rejected` and the rest goes on; a statement whose balances do not add up gets a
/// `.rejected` of kind `statement`. A file with no `:20:` or `:25:` throws. Memory stays at one field, and a
/// field (or line) longer than `InputLimits.maxValueBytes` is quarantined, not held.
public struct MT940File: ~Copyable {
    private var reader: ChunkedFileReader
    private var splitter: LineSplitter
    private var parser: MT940Parser
    private var finished = false

    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }

    /// - Parameters:
    ///   - encoding: how the file's bytes are decoded (`SourceFileScan.scan(path:).encoding`).
    ///   - source: the name used in positions and errors (usually the path as the user gave it).
    ///   - limits: the longest line and field kept (`maxValueBytes`): a longer one is quarantined, not held.
    public init(path: String, encoding: TextEncoding, source: String? = nil, limits: InputLimits = .default) throws {
        reader = try ChunkedFileReader(path: path)
        splitter = LineSplitter(maxLineBytes: limits.maxValueBytes)
        parser = MT940Parser(encoding: encoding, source: source ?? path, limits: limits)
    }

    /// Parses the next chunk, emitting every record it completes. Returns false once the file is done.
    public mutating func readChunk(emit: (BankStatementRecord) throws -> Void) throws -> Bool {
        if finished { return false }
        let more: Void? = try reader.nextChunk { chunk in
            try splitter.lines(chunk) { line in try parser.consume(line: line, emit: emit) }
        }
        if more == nil {
            finished = true
            try splitter.finishLines { line in try parser.consume(line: line, emit: emit) }
            try parser.finish(emit: emit)
            return false
        }
        return true
    }

    /// Reads a whole file into records, detecting the encoding first. For tests and small files.
    public static func records(path: String, limits: InputLimits = .default) throws
        -> (scan: SourceFileScan, records: [BankStatementRecord])
    {
        let scan = try SourceFileScan.scan(path: path)
        var file = try MT940File(path: path, encoding: scan.encoding, limits: limits)
        var records: [BankStatementRecord] = []
        while try file.readChunk(emit: { records.append($0) }) {}
        return (scan, records)
    }
}
