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

/// Decodes one line of bytes in a known encoding to a `String`.
///
/// Single-byte code pages go through a 256-entry table of ready UTF-8 sequences; ASCII-only lines (most keys
/// and numbers) skip the table entirely.
public struct LineDecoder: Sendable {
    public let encoding: TextEncoding
    private let utf8Sequences: [[UInt8]]
    private var scratch: [UInt8] = []

    public init(encoding: TextEncoding) {
        self.encoding = encoding
        let table: [UInt32]
        switch encoding {
        case .utf8: table = []
        case .cp1251: table = CodePageTables.cp1251
        case .cp866: table = CodePageTables.cp866
        }
        utf8Sequences = table.map { value in Array(String(Character(Unicode.Scalar(value)!)).utf8) }
        scratch.reserveCapacity(512)
    }

    public mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if encoding == .utf8 { return String(decoding: bytes, as: UTF8.self) }
        var ascii = true
        for byte in bytes where byte >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        for byte in bytes {
            if byte < 0x80 {
                scratch.append(byte)
            } else {
                scratch.append(contentsOf: utf8Sequences[Int(byte) - 0x80])
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }
}
