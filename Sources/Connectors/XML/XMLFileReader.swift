import HubCore

/// An XML file read chunk by chunk through `XMLStreamReader`.
///
/// Callers that write to a database call `readChunk` in a loop and flush between calls, as with the bank
/// text format; memory stays at one chunk plus one record.
public struct XMLFileReader: ~Copyable {
    private var file: ChunkedFileReader
    public let parser: XMLStreamReader
    private var finished = false

    public var bytesRead: Int64 { file.bytesRead }
    public var fileSize: Int64 { file.fileSize }

    /// - Parameters:
    ///   - source: the name used in positions and errors (usually the path as the user gave it).
    ///   - limits: `maxValueBytes` bounds each text node and attribute of a record (see `XMLStreamReader`).
    public init(path: String, source: String? = nil, recordDepth: Int, limits: InputLimits = .default,
                keepRecord: @escaping (String) -> Bool = { _ in true }) throws {
        file = try ChunkedFileReader(path: path)
        parser = XMLStreamReader(source: source ?? path, recordDepth: recordDepth, limits: limits,
                                 keepRecord: keepRecord)
    }

    /// Parses the next chunk, emitting every event it completes. Returns false once the document is done.
    /// `bytes` sees the chunk's bytes just before they are parsed (to keep them).
    public mutating func readChunk(bytes: (UnsafeRawBufferPointer) -> Void = { _ in },
                                   emit: (XMLStreamEvent) throws -> Void) throws -> Bool {
        if finished { return false }
        let parser = self.parser
        let more: Void? = try file.nextChunk { chunk in
            bytes(chunk)
            try parser.parse(chunk, emit: emit)
        }
        if more == nil {
            finished = true
            try parser.finish(emit: emit)
            return false
        }
        return true
    }
}
