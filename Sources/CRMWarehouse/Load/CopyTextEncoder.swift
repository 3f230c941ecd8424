import HubCore
import NIOCore

/// Builds rows in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, with backslash, tab, newline
/// and carriage return escaped. postgres-nio's `copyFrom` takes this format only, and leaves escaping to us.
package struct CopyTextEncoder: Sendable {
    package private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0

    package init(capacity: Int = 1 << 18) {
        bytes.reserveCapacity(capacity + 4096)
    }

    package var count: Int { bytes.count }

    package mutating func field(_ text: String?) {
        separator()
        guard let text else {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        // Native strings are contiguous UTF-8: read them in place (a copy for `withUTF8` costs a retain).
        if let done: Void = text.utf8.withContiguousStorageIfAvailable({ append(escaping: $0) }) { return done }
        var copy = text
        copy.withUTF8 { append(escaping: $0) }
    }

    private mutating func append(escaping utf8: UnsafeBufferPointer<UInt8>) {
        // Most values need no escaping: copy them whole.
        if !utf8.contains(where: { $0 == 0x5C || $0 < 0x20 }) {
            bytes.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            // NUL cannot be stored in a PostgreSQL text value at all; drop it rather than fail the file.
            case 0x00: break
            default: bytes.append(byte)
            }
        }
    }

    /// `count` NULL fields in a row.
    package mutating func nulls(_ count: Int) {
        guard count > 0 else { return }
        if fieldsInRow > 0 { bytes.append(0x09) }
        // "\N" fields joined by tabs: the precomputed run, cut to length.
        bytes.append(contentsOf: Self.nullRun.prefix(count * 3 - 1))
        fieldsInRow += count
    }

    private static let nullRun: [UInt8] = Array(repeating: Array("\\N\t".utf8), count: 256).flatMap { $0 }

    /// An integer written as digits straight into the row (no intermediate `String`).
    package mutating func field(_ value: Int) {
        separator()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    package mutating func field(_ value: Int?) {
        guard let value else { return nulls(1) }
        field(value)
    }
    package mutating func field(_ value: CalendarDate?) { field(value?.iso) }
    package mutating func field(_ value: ExactAmount?) { field(value?.text) }

    package mutating func endRow() {
        bytes.append(0x0A)
        fieldsInRow = 0
    }

    private mutating func separator() {
        if fieldsInRow > 0 { bytes.append(0x09) }
        fieldsInRow += 1
    }

    /// Moves the encoded rows into a buffer for the wire and starts empty again.
    package mutating func take() -> ByteBuffer {
        let buffer = ByteBuffer(bytes: bytes)
        bytes.removeAll(keepingCapacity: true)
        return buffer
    }
}
