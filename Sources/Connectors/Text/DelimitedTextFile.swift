import Foundation
import HubCore

/// A delimited text file (`;` or `,` CSV, or tab-separated) read line by line, each line split into fields:
/// the shape of HR's own files, turnstile exports and terminals' USB downloads.
///
/// Streams (one 1 MiB chunk and one line in memory); CRLF, LF or CR; the encoding is the caller's
/// (`SourceFileScan`), a UTF-8 byte-order mark is dropped. A field in double quotes may hold the delimiter and
/// `""` for a quote; a quoted field spanning lines is not supported (none of these exports writes one) and its
/// line is rejected. Empty lines are skipped. A line with NUL or other control bytes, or longer than
/// `InputLimits.maxValueBytes`, is rejected with its number, and the rest goes on.
///
/// Hand-written rather than a CSV package: the project's only candidates read whole strings into memory, and
/// the line splitting, limits and control-byte rule must be the same as for the other line formats.
public struct DelimitedTextFile: ~Copyable {
    /// One line, split.
    public struct Row: Sendable {
        /// 1-based line number in the file.
        public var line: Int
        public var fields: [String]
        /// The line as decoded, for `raw` and quarantine.
        public var text: String
    }

    /// What one line became.
    public enum Item: Sendable {
        case row(Row)
        /// A line that could not be read; `text` is what can be shown of it (escaped when it holds control bytes).
        case rejected(line: Int, reason: String, text: String)
    }

    private var reader: ChunkedFileReader
    private var splitter: LineSplitter
    private var lines: LineReader
    private var finished = false

    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }

    public init(path: String, encoding: TextEncoding, delimiter: Character, limits: InputLimits = .default) throws {
        reader = try ChunkedFileReader(path: path)
        splitter = LineSplitter(maxLineBytes: limits.maxValueBytes)
        lines = LineReader(decoder: LineDecoder(encoding: encoding), delimiter: delimiter)
    }

    /// Reads the next chunk, handing out every line it completes. Returns false once the file is done.
    public mutating func readChunk(emit: (Item) throws -> Void) throws -> Bool {
        if finished { return false }
        let more: Void? = try reader.nextChunk { chunk in
            try splitter.lines(chunk) { line in try lines.consume(line, emit: emit) }
        }
        if more == nil {
            finished = true
            try splitter.finishLines { line in try lines.consume(line, emit: emit) }
            return false
        }
        return true
    }

    /// Numbers, decodes and splits lines (apart from the reader and splitter, which hand them out).
    private struct LineReader {
        let decoder: LineDecoder
        let delimiter: Character
        var lineNumber = 0

        mutating func consume(_ line: LineSplitter.Line, emit: (Item) throws -> Void) throws {
            lineNumber += 1
            var bytes = line.bytes
            if lineNumber == 1, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                bytes = UnsafeBufferPointer(rebasing: bytes[3...])
            }
            if line.isOverlong {
                try emit(.rejected(line: lineNumber, reason: "the line is \(line.length) bytes long, more than "
                                       + "CRMHUB_MAX_VALUE_BYTES allows", text: decoder.decode(bytes)))
                return
            }
            if bytes.isEmpty || bytes.allSatisfy({ $0 == 0x20 }) { return }
            let text = decoder.decode(bytes)
            if line.firstControlByte != nil {
                try emit(.rejected(line: lineNumber, reason: "the line holds a control character (NUL or similar)",
                                   text: text.escapingControlCharacters()))
                return
            }
            guard let fields = DelimitedTextFile.split(text, delimiter: delimiter) else {
                try emit(.rejected(line: lineNumber, reason: "a quoted field is not closed on its line", text: text))
                return
            }
            try emit(.row(Row(line: lineNumber, fields: fields, text: text)))
        }
    }

    /// The fields of one line; nil when a quoted field is not closed.
    public static func split(_ text: String, delimiter: Character) -> [String]? {
        // The byte test: Foundation's `contains` on a String goes through NSString, a million times per file.
        guard text.utf8.contains(0x22) else {
            return text.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
        }
        var fields: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.append(character)
                }
            } else if character == delimiter {
                fields.append(field)
                field = ""
                afterQuote = false
            } else if character == "\"" && field.isEmpty && !afterQuote {
                quoted = true
            } else {
                field.append(character)
            }
        }
        if quoted { return nil }
        fields.append(field)
        return fields
    }
}

extension DelimitedTextFile.Row {
    /// The fields trimmed of spaces and tabs when there are exactly `count` of them, else the line's rejection.
    public func trimmedFields(count: Int) -> Result<[String], LineRejection> {
        let trimmed = fields.map(\.trimmingSpacesAndTabs)
        guard trimmed.count == count else {
            return .failure(LineRejection(line: line, reason: "\(trimmed.count) field(s) where the header has \(count)",
                                          raw: text))
        }
        return .success(trimmed)
    }

    /// Checks a header line: exactly `columns`, in order. A wrong header fails the whole file (every line after
    /// it would be read wrong), naming what differs.
    public func checkHeader(_ columns: [String]) throws(LineRejection) {
        let names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard names != columns else { return }
        let extra = names.filter { !columns.contains($0) }
        let missing = columns.filter { !names.contains($0) }
        var problems: [String] = []
        if !extra.isEmpty { problems.append("extra column(s) " + extra.map { "'\($0)'" }.joined(separator: ", ")) }
        if !missing.isEmpty { problems.append("missing " + missing.map { "'\($0)'" }.joined(separator: ", ")) }
        if problems.isEmpty { problems.append("the columns are out of order") }
        throw LineRejection(line: line, reason: "the header must be exactly "
                                + columns.joined(separator: ",") + ": " + problems.joined(separator: "; "),
                            raw: text)
    }
}
