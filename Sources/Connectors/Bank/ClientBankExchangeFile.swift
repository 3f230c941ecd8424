import HubCore

/// A 1CClientBankExchange file read chunk by chunk: bytes → lines → records.
///
/// Callers that write to a database call `readChunk` in a loop and flush between calls; tests and small
/// tools use `records(path:)`.
public struct ClientBankExchangeFile: ~Copyable {
    private var reader: ChunkedFileReader
    private var splitter: LineSplitter
    private var parser: ClientBankExchangeParser
    private var finished = false

    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }

    /// - Parameters:
    ///   - source: the name used in positions and errors (usually the path as the user gave it).
    ///   - limits: the longest line kept (`maxValueBytes`): a longer one is quarantined, not held.
    public init(path: String, encoding: TextEncoding, source: String? = nil, limits: InputLimits = .default) throws {
        reader = try ChunkedFileReader(path: path)
        splitter = LineSplitter(maxLineBytes: limits.maxValueBytes)
        parser = ClientBankExchangeParser(encoding: encoding, source: source ?? path, limits: limits)
    }

    /// Parses the next chunk, emitting every record it completes. Returns false once the file is done.
    public mutating func readChunk(emit: (ClientBankExchangeRecord) throws -> Void) throws -> Bool {
        if finished { return false }
        let more: Void? = try reader.nextChunk { chunk in
            try splitter.lines(chunk) { line in try parser.consume(line: line, emit: emit) }
        }
        if more == nil {
            try splitter.finishLines { line in try parser.consume(line: line, emit: emit) }
            try parser.finish(emit: emit)
            finished = true
            return false
        }
        return true
    }

    /// Reads just the header (it ends where the first section starts), to know the accounts and period a
    /// statement covers before loading it. Nil when the file has no sections before its end.
    public static func header(path: String, encoding: TextEncoding, limits: InputLimits = .default) throws
        -> StatementHeader?
    {
        struct Found: Error { var header: StatementHeader }
        var file = try ClientBankExchangeFile(path: path, encoding: encoding, limits: limits)
        do {
            while try file.readChunk(emit: { record in
                if case .header(let header) = record { throw Found(header: header) }
            }) {}
        } catch let found as Found {
            return found.header
        }
        return nil
    }

    /// Reads a whole file into records, detecting the encoding first. For tests and small files.
    public static func records(path: String, limits: InputLimits = .default) throws
        -> (scan: SourceFileScan, records: [ClientBankExchangeRecord])
    {
        let scan = try SourceFileScan.scan(path: path)
        var file = try ClientBankExchangeFile(path: path, encoding: scan.encoding, limits: limits)
        var records: [ClientBankExchangeRecord] = []
        while try file.readChunk(emit: { records.append($0) }) {}
        return (scan, records)
    }
}
