import Connectors
import HubCore

/// How far a long import has come; handed to a reporter after every chunk (about 1 MiB).
package struct ImportProgress: Sendable {
    package enum Phase: String, Sendable {
        /// The first pass: hashing the file and detecting its encoding.
        case scanning
        /// Parsing and sending rows to the warehouse.
        case loading
    }

    package var source: String
    package var phase: Phase
    package var bytesDone: Int64
    package var bytesTotal: Int64
    package var records: Int
    /// Seconds since this file's import started.
    package var elapsed: Double

    package var fraction: Double { bytesTotal > 0 ? Double(bytesDone) / Double(bytesTotal) : 1 }
}

/// Receives progress; the CLI draws a line on a terminal and logs otherwise.
package typealias ImportProgressHandler = @Sendable (ImportProgress) -> Void

extension SourceFileScan {
    /// The first pass every importer makes (hash, and encoding unless the format declares its own),
    /// reporting progress as `scanning`; errors name the file as the user gave it.
    static func scan(path: String, name: String, progress: ImportProgressHandler?,
                     started: ContinuousClock.Instant, sniffEncoding: Bool = true) throws -> SourceFileScan {
        let report = { (done: Int64, total: Int64) -> Void in
            progress?(ImportProgress(source: name, phase: .scanning, bytesDone: done, bytesTotal: total,
                                     records: 0, elapsed: BankStatementImporter.seconds(since: started)))
        }
        do {
            guard sniffEncoding else {
                let (byteCount, sha256) = try SourceFileScan.hash(path: path, progress: report)
                return SourceFileScan(path: path, byteCount: byteCount, sha256: sha256, encoding: .utf8,
                                      hasBOM: false)
            }
            return try SourceFileScan.scan(path: path, progress: report)
        } catch var error as HubError {
            error.location = SourceLocation(source: name)
            throw error
        }
    }
}
