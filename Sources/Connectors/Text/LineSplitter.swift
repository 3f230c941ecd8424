/// Splits a byte stream into lines at CRLF, LF or a lone CR, across chunk boundaries.
///
/// Lines are handed out as buffers that are valid only during the callback, so a file of any size is split
/// with memory bounded by its longest line.
public struct LineSplitter: Sendable {
    private var carry: [UInt8] = []
    /// The previous chunk ended in CR: a LF at the start of the next chunk belongs to it.
    private var skipLeadingLF = false

    public init() {}

    public mutating func split(
        _ chunk: UnsafeRawBufferPointer, emit: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
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
            if byte == 0x0A || byte == 0x0D {
                let line = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if carry.isEmpty {
                    try emit(line)
                } else {
                    carry.append(contentsOf: line)
                    try carry.withUnsafeBufferPointer { try emit($0) }
                    carry.removeAll(keepingCapacity: true)
                }
                if byte == 0x0D {
                    if index + 1 < count {
                        if bytes[index + 1] == 0x0A { index += 1 }
                    } else {
                        skipLeadingLF = true
                    }
                }
                index += 1
                start = index
            } else {
                index += 1
            }
        }
        if start < count { carry.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<count])) }
    }

    /// Emits the last line when the stream does not end with a line break.
    public mutating func finish(emit: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        if !carry.isEmpty {
            try carry.withUnsafeBufferPointer { try emit($0) }
            carry.removeAll()
        }
    }
}
