import HubCore

/// Streams an iCalendar file (RFC 5545) as Outlook and Exchange write it: a UTF-8 BOM allowed, CRLF or LF, lines
/// folded at 75 octets (unfolded here, on bytes, so a fold inside a UTF-8 sequence is mended), one VCALENDAR.
///
/// Hands out each VTIMEZONE and each VEVENT as soon as its END line is read — the file is never held whole,
/// only the component being read (at most `maxComponentBytes`). A VEVENT that cannot be read (libical's errors,
/// no UID or DTSTART, a component left open) is handed out as `.rejected` with the line it starts on and the
/// line at fault, and reading goes on with the next component: one bad event never costs the rest of the file.
/// The properties of the VCALENDAR itself that matter (`X-WR-CALNAME`, `X-WR-TIMEZONE`) are kept as read.
public struct ICSFile: ~Copyable {
    public enum Item: Sendable {
        case timeZone(ICSTimeZoneBlock)
        case event(ICSEvent)
        case rejected(LineRejection)
        /// A component CRMHub does not load (VTODO, VJOURNAL, VFREEBUSY), with its line.
        case skipped(component: String, line: Int)
    }

    /// The largest VEVENT or VTIMEZONE kept: a component beyond it is rejected, not read into memory.
    public static let maxComponentBytes = 4 << 20

    private var reader: ChunkedFileReader
    private let assembler = ICSComponentAssembler()

    public var calendarName: String? { assembler.calendarName }
    public var calendarTimeZone: String? { assembler.calendarTimeZone }
    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }
    public let path: String

    public init(path: String) throws(HubError) {
        self.path = path
        reader = try ChunkedFileReader(path: path)
    }

    /// Reads the next chunk and hands out what it completed; false at the end of the file (after the last items).
    public mutating func readChunk(emit: (Item) throws -> Void) throws -> Bool {
        let assembler = self.assembler
        let more = try reader.nextChunk { chunk in assembler.feed(chunk) }
        if more == nil { assembler.finish() }
        for item in assembler.pending { try emit(item) }
        assembler.pending.removeAll(keepingCapacity: true)
        return more != nil
    }
}

/// Unfolds lines and assembles components for `ICSFile`: a class, so that the chunk callback of the file reader
/// can feed it while the reader is busy.
final class ICSComponentAssembler {
    typealias Item = ICSFile.Item
    private var splitter = LineSplitter(maxLineBytes: ICSFile.maxComponentBytes)
    /// The logical line being unfolded, its first physical line number.
    private var logical: [UInt8] = []
    private var logicalLine = 0
    private var physicalLine = 0
    /// The component being read: its name, first line, unfolded lines with their numbers, and its size.
    private var component: (name: String, line: Int, lines: [(Int, String)], bytes: Int, nested: Int)?
    private var sawCalendar = false
    var pending: [Item] = []
    private(set) var calendarName: String?
    private(set) var calendarTimeZone: String?
    private static let maxComponentBytes = ICSFile.maxComponentBytes

    func feed(_ chunk: UnsafeRawBufferPointer) {
        splitter.lines(chunk) { physical($0) }
    }

    func finish() {
        splitter.finishLines { physical($0) }
        finishLogical()
        if let open = component {
            pending.append(.rejected(LineRejection(
                line: open.line, reason: "\(open.name) starting on line \(open.line) is not closed: the file ends "
                    + "on line \(physicalLine)", raw: open.lines.prefix(3).map(\.1).joined(separator: "\n"))))
            component = nil
        }
        if !sawCalendar {
            pending.append(.rejected(LineRejection(line: 1, reason: "not an iCalendar file: no BEGIN:VCALENDAR",
                                                   raw: "")))
        }
    }

    private func physical(_ line: LineSplitter.Line) {
        physicalLine += 1
        var bytes = line.bytes[...]
        if physicalLine == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let first = bytes.first, first == 0x20 || first == 0x09, logicalLine > 0 {
            // A fold: the line continues the one before, without its leading blank.
            logical.append(contentsOf: bytes.dropFirst())
            return
        }
        finishLogical()
        logical.append(contentsOf: bytes)
        logicalLine = physicalLine
    }

    private func finishLogical() {
        guard logicalLine > 0 else { return }
        defer {
            logical.removeAll(keepingCapacity: true)
            logicalLine = 0
        }
        if logical.isEmpty { return }
        let text = String(decoding: logical, as: UTF8.self)
        contentLine(text, line: logicalLine)
    }

    private func contentLine(_ text: String, line: Int) {
        let upper = text.uppercased()
        if var open = component {
            open.bytes += text.utf8.count + 2
            if upper.hasPrefix("BEGIN:") {
                let name = String(upper.dropFirst(6))
                if name == "VEVENT" || name == "VTIMEZONE" || name == "VTODO" {
                    // A component may not hold another of these: the open one was never closed.
                    pending.append(.rejected(LineRejection(
                        line: open.line, reason: "\(open.name) starting on line \(open.line) is not closed before "
                            + "line \(line)", raw: open.lines.prefix(3).map(\.1).joined(separator: "\n"))))
                    component = nil
                    contentLine(text, line: line)
                    return
                }
                open.nested += 1
            } else if upper.hasPrefix("END:") {
                if open.nested > 0 {
                    open.nested -= 1
                } else {
                    open.lines.append((line, text))
                    component = nil
                    finish(open)
                    return
                }
            }
            if open.bytes > Self.maxComponentBytes {
                pending.append(.rejected(LineRejection(
                    line: open.line, reason: "\(open.name) starting on line \(open.line) is larger than "
                        + "\(Self.maxComponentBytes) bytes", raw: open.lines.prefix(3).map(\.1).joined(separator: "\n"))))
                component = (name: "(skipped)", line: open.line, lines: [], bytes: Int.min / 2, nested: open.nested)
                return
            }
            if open.name != "(skipped)" { open.lines.append((line, text)) }
            component = open
            return
        }
        if upper == "BEGIN:VCALENDAR" {
            sawCalendar = true
        } else if upper.hasPrefix("BEGIN:") {
            component = (name: String(upper.dropFirst(6)), line: line, lines: [(line, text)], bytes: text.utf8.count,
                         nested: 0)
        } else if upper.hasPrefix("X-WR-CALNAME"), let colon = text.firstIndex(of: ":") {
            calendarName = ICSEventParser.unescaped(String(text[text.index(after: colon)...]))
        } else if upper.hasPrefix("X-WR-TIMEZONE"), let colon = text.firstIndex(of: ":") {
            calendarTimeZone = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
    }

    private func finish(_ block: (name: String, line: Int, lines: [(Int, String)], bytes: Int, nested: Int)) {
        switch block.name {
        case "VEVENT":
            switch ICSEventParser.parse(lines: block.lines) {
            case .success(let event): pending.append(.event(event))
            case .failure(let rejection): pending.append(.rejected(rejection))
            }
        case "VTIMEZONE":
            let tzid = block.lines.first { $0.1.uppercased().hasPrefix("TZID:") }
                .map { String($0.1.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
            if let tzid {
                pending.append(.timeZone(ICSTimeZoneBlock(tzid: tzid, text: block.lines.map(\.1).joined(separator: "\r\n"),
                                                          line: block.line)))
            } else {
                pending.append(.rejected(LineRejection(line: block.line, reason: "VTIMEZONE without TZID",
                                                       raw: block.lines.prefix(3).map(\.1).joined(separator: "\n"))))
            }
        case "(skipped)":
            break
        default:
            pending.append(.skipped(component: block.name, line: block.line))
        }
    }
}
