/// How far a long import has come; handed to a reporter after every chunk (about 1 MiB).
public struct ImportProgress: Sendable {
    public enum Phase: String, Sendable {
        /// The first pass: hashing the file and detecting its encoding.
        case scanning
        /// Parsing and sending rows to the warehouse.
        case loading
    }

    public var source: String
    public var phase: Phase
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var records: Int
    /// Seconds since this file's import started.
    public var elapsed: Double

    public var fraction: Double { bytesTotal > 0 ? Double(bytesDone) / Double(bytesTotal) : 1 }
}

/// Receives progress; the CLI draws a line on a terminal and logs otherwise.
public typealias ImportProgressHandler = @Sendable (ImportProgress) -> Void
