import HubCore

/// Splits a byte stream into lines at CRLF, LF or a lone CR, across chunk boundaries.
///
/// Lines are handed out as buffers that are valid only during the callback, so a file of any size is split
/// with memory bounded by `maxLineBytes`: a line longer than that is not kept past the limit. Only its first
/// `overlongPreviewBytes` are handed out, with its full length, so that the reader can quarantine it (a 200 MB
/// line without a line end costs a preview, not 200 MB). The same pass notes the first control byte of each
/// line (C0 other than tab: `ControlCharacters.isDisallowed`), so the readers apply the one rule for NUL and
/// control characters without looking at the bytes again.
public struct LineSplitter: Sendable {
    /// One line as the splitter hands it out. Its bytes are valid only during the callback.
    public struct Line {
        /// The line without its line break; for an overlong line, only its first `overlongPreviewBytes`.
        public var bytes: UnsafeBufferPointer<UInt8>
        /// The line's full length in bytes: more than `bytes.count` when the line was cut.
        public var length: Int
        /// The byte offset in the line of its first control byte other than tab (NUL, ESC, …), if any.
        public var firstControlByte: Int?

        /// The line went past `maxLineBytes` and was cut to a preview.
        public var isOverlong: Bool { length > bytes.count }

        public init(bytes: UnsafeBufferPointer<UInt8>, length: Int? = nil, firstControlByte: Int?) {
            self.bytes = bytes
            self.length = length ?? bytes.count
            self.firstControlByte = firstControlByte
        }
    }

    /// How much of an overlong line is kept: enough for its key and the start of its value in a message.
    public static let overlongPreviewBytes = 1024

    public let maxLineBytes: Int
    private var carry: [UInt8] = []
    /// The previous chunk ended in CR: a LF at the start of the next chunk belongs to it.
    private var skipLeadingLF = false
    /// The length so far of the line being read when it went past `maxLineBytes` (only its preview is in
    /// `carry`); -1 while the line is within the limit.
    private var overlongLength = -1
    /// The offset of the current line's first control byte, -1 when it has none (so far).
    private var control = -1

    /// - Parameter maxLineBytes: the longest line kept whole (`InputLimits.maxValueBytes`); unlimited by default.
    public init(maxLineBytes: Int = .max) {
        self.maxLineBytes = max(maxLineBytes, 1)
    }

    /// Splits `chunk`, handing every line it completes to `body`.
    public mutating func lines(_ chunk: UnsafeRawBufferPointer, _ body: (Line) throws -> Void) rethrows {
        let bytes = chunk.bindMemory(to: UInt8.self)
        var start = 0
        if skipLeadingLF, bytes.count > 0 {
            if bytes[0] == 0x0A { start = 1 }
            skipLeadingLF = false
        }
        var index = start
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            // One comparison per byte on the common path: line ends and control bytes are all below 0x20.
            if byte < 0x20 {
                if byte == 0x0A || byte == 0x0D {
                    try endLine(UnsafeBufferPointer(rebasing: bytes[start..<index]), body)
                    if byte == 0x0D {
                        if index + 1 < count {
                            if bytes[index + 1] == 0x0A { index += 1 }
                        } else {
                            skipLeadingLF = true
                        }
                    }
                    index += 1
                    start = index
                    continue
                }
                if byte != 0x09, control < 0 { control = pendingLength + (index - start) }
            }
            index += 1
        }
        if start < count { keep(UnsafeBufferPointer(rebasing: bytes[start..<count])) }
    }

    /// Emits the last line when the stream does not end with a line break.
    public mutating func finishLines(_ body: (Line) throws -> Void) rethrows {
        if !carry.isEmpty || overlongLength >= 0 {
            try endLine(UnsafeBufferPointer(start: nil, count: 0), body)
        }
        carry.removeAll()
    }

    /// Splits `chunk` into plain lines. An overlong line comes as its preview only; readers that must not
    /// lose bytes silently use `lines(_:_:)`, which says so.
    public mutating func split(
        _ chunk: UnsafeRawBufferPointer, emit: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try lines(chunk) { try emit($0.bytes) }
    }

    /// Emits the last line when the stream does not end with a line break.
    public mutating func finish(emit: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try finishLines { try emit($0.bytes) }
    }

    /// The bytes of the current line held from earlier chunks.
    private var pendingLength: Int { overlongLength >= 0 ? overlongLength : carry.count }

    @inline(__always)
    private mutating func endLine(_ tail: UnsafeBufferPointer<UInt8>, _ body: (Line) throws -> Void) rethrows {
        let firstControl = control >= 0 ? control : nil
        control = -1
        // The common case first: the whole line lies in this chunk and within the limit.
        if carry.isEmpty, overlongLength < 0, tail.count <= maxLineBytes {
            return try body(Line(bytes: tail, firstControlByte: firstControl))
        }
        if overlongLength >= 0 {
            let length = overlongLength + tail.count
            overlongLength = -1
            defer { carry.removeAll(keepingCapacity: true) }
            try carry.withUnsafeBufferPointer {
                try body(Line(bytes: $0, length: length, firstControlByte: firstControl))
            }
            return
        }
        let length = carry.count + tail.count
        if length > maxLineBytes {
            // Within one chunk (a limit below the chunk size): cut it here.
            if carry.isEmpty {
                let preview = UnsafeBufferPointer(rebasing: tail.prefix(Self.overlongPreviewBytes))
                return try body(Line(bytes: preview, length: length, firstControlByte: firstControl))
            }
            if carry.count > Self.overlongPreviewBytes {
                carry.removeLast(carry.count - Self.overlongPreviewBytes)
            } else {
                carry.append(contentsOf: tail.prefix(Self.overlongPreviewBytes - carry.count))
            }
            defer { carry.removeAll(keepingCapacity: true) }
            return try carry.withUnsafeBufferPointer {
                try body(Line(bytes: $0, length: length, firstControlByte: firstControl))
            }
        }
        if carry.isEmpty { return try body(Line(bytes: tail, firstControlByte: firstControl)) }
        carry.append(contentsOf: tail)
        defer { carry.removeAll(keepingCapacity: true) }
        try carry.withUnsafeBufferPointer { try body(Line(bytes: $0, firstControlByte: firstControl)) }
    }

    /// Holds the start of a line that continues in the next chunk, up to the limit; past it, only the preview
    /// and the count.
    private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>) {
        if overlongLength >= 0 {
            overlongLength += bytes.count
        } else if carry.count + bytes.count > maxLineBytes {
            overlongLength = carry.count + bytes.count
            if carry.count >= Self.overlongPreviewBytes {
                carry.removeLast(carry.count - Self.overlongPreviewBytes)
            } else {
                carry.append(contentsOf: bytes.prefix(Self.overlongPreviewBytes - carry.count))
            }
        } else {
            carry.append(contentsOf: bytes)
        }
    }
}
