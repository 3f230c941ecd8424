import Foundation

/// The byte encodings Russian-language bank and 1C files arrive in.
public enum TextEncoding: String, Sendable, Hashable, CaseIterable {
    case utf8 = "UTF-8"
    case cp1251 = "CP1251"
    case cp866 = "CP866"

    /// Reads a `Кодировка` header value: `Windows`, `windows-1251`, `DOS`, `cp866`, `UTF-8`…; nil when unknown.
    public init?(declared value: String) {
        let lowered = value.lowercased().trimmingCharacters(in: .whitespaces)
        switch lowered {
        case "windows", "windows-1251", "windows1251", "cp1251", "win", "1251": self = .cp1251
        case "dos", "cp866", "ibm866", "866": self = .cp866
        case "utf-8", "utf8", "unicode": self = .utf8
        default: return nil
        }
    }
}

/// Turns lines in a known encoding into UTF-8.
///
/// Single-byte code pages go through a flat 128-entry table of ready UTF-8 sequences; lines without bytes
/// ≥ 0x80 (most keys and numbers) need no work at all.
public struct LineDecoder: Sendable {
    public let encoding: TextEncoding
    /// For bytes 0x80…0xFF: four bytes each, the UTF-8 length followed by up to three UTF-8 bytes.
    private let table: [UInt8]

    public init(encoding: TextEncoding) {
        self.encoding = encoding
        let scalars: [UInt32]
        switch encoding {
        case .utf8: scalars = []
        case .cp1251: scalars = CodePageTables.cp1251
        case .cp866: scalars = CodePageTables.cp866
        }
        var table: [UInt8] = []
        for value in scalars {
            let utf8 = Array(String(Character(Unicode.Scalar(value)!)).utf8)
            table.append(UInt8(utf8.count))
            table.append(contentsOf: utf8 + Array(repeating: 0, count: 3 - utf8.count))
        }
        self.table = table
    }

    /// True when the line must be transcoded before it is UTF-8 (a single-byte code page and a byte ≥ 0x80).
    public func needsTranscoding(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        encoding != .utf8 && bytes.contains(where: { $0 >= 0x80 })
    }

    /// Transcodes into `scratch` and returns the UTF-8 bytes, valid until `scratch` is used again.
    /// The per-line hot path: raw pointer writes, no array bookkeeping per byte.
    func transcode(_ bytes: UnsafeBufferPointer<UInt8>, into scratch: ScratchBuffer) -> UnsafeBufferPointer<UInt8> {
        let out = scratch.reserve(bytes.count * 3)
        var count = 0
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                if byte < 0x80 {
                    out[count] = byte
                    count += 1
                } else {
                    let base = Int(byte - 0x80) * 4
                    let length = Int(table[base])
                    out[count] = table[base + 1]
                    out[count + 1] = table[base + 2]
                    out[count + 2] = table[base + 3]
                    count += length
                }
            }
        }
        return UnsafeBufferPointer(start: out, count: count)
    }

    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard needsTranscoding(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        let scratch = ScratchBuffer(capacity: bytes.count * 3)
        // The returned bytes live in `scratch`: keep it alive until the String has copied them.
        return withExtendedLifetime(scratch) { String(decoding: transcode(bytes, into: scratch), as: UTF8.self) }
    }
}

/// A growable byte buffer reused across lines, written through a raw pointer.
final class ScratchBuffer {
    private var pointer: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
    }

    deinit { pointer.deallocate() }

    /// A pointer to at least `count` writable bytes (the previous contents are not kept).
    func reserve(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        if count > capacity {
            pointer.deallocate()
            capacity = max(count, capacity * 2)
            pointer = .allocate(capacity: capacity)
        }
        return pointer
    }
}
