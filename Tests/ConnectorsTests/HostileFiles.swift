import Foundation

/// A temporary file written piece by piece, so that a test can make a 200 MB input without holding it.
final class HostileFile {
    let path: String
    private let handle: FileHandle

    init(_ suffix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID()).\(suffix)").path
        FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }
    func write(_ bytes: [UInt8]) throws { try handle.write(contentsOf: Data(bytes)) }

    /// `count` copies of `byte`, written 1 MiB at a time.
    func write(repeating byte: UInt8, count: Int) throws {
        let block = Data(repeating: byte, count: 1 << 20)
        var left = count
        while left > 0 {
            let piece = min(left, block.count)
            try handle.write(contentsOf: piece == block.count ? block : block.prefix(piece))
            left -= piece
        }
    }

    func close() throws { try handle.close() }
}

/// Deflate and ZIP built by hand, for archives no honest writer makes: a stream of spaces that inflates to
/// gigabytes (fixed Huffman codes: one literal, then <length 258, distance 1> repeated, 13 bits per 258 bytes),
/// entries that lie about their size or checksum, a stream that never ends.
enum ZipCrafting {
    /// A raw deflate stream that inflates to `count` spaces.
    static func spaces(_ count: Int, final: Bool = true) -> [UInt8] {
        var writer = BitWriter()
        writer.bits(final ? 1 : 0, 1)
        writer.bits(1, 2)  // fixed Huffman codes
        func literal(_ byte: Int) { writer.code(0x30 + byte, 8) }  // literals 0–143: 8-bit codes from 0x30
        literal(0x20)
        var left = count - 1
        // Length symbol 285 (258 bytes, no extra bits), then distance code 0 (1 byte back): 13 bits.
        let copy = BitWriter.reversed(0xC5, 8)
        while left >= 258 {
            writer.bits(copy, 13)
            left -= 258
        }
        for _ in 0..<left { literal(0x20) }
        writer.code(0, 7)  // end of block
        return writer.finish()
    }

    /// A ZIP archive of one deflated entry with the given data and the sizes and checksum it claims.
    static func archive(entry name: String, deflated data: [UInt8], declaredSize: UInt32, crc32: UInt32,
                        method: UInt16 = 8) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ value: Int) { out += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
        let nameBytes = Array(name.utf8)
        u32(0x0403_4B50); u16(20); u16(0); u16(Int(method)); u16(0); u16(0x21)
        u32(crc32); u32(UInt32(data.count)); u32(declaredSize); u16(nameBytes.count); u16(0)
        out += nameBytes + data
        let directoryOffset = out.count
        u32(0x0201_4B50); u16(0x031E); u16(20); u16(0); u16(Int(method)); u16(0); u16(0x21)
        u32(crc32); u32(UInt32(data.count)); u32(declaredSize); u16(nameBytes.count); u16(0); u16(0)
        u16(0); u16(0); u32(0o100644 << 16); u32(0)
        out += nameBytes
        let directorySize = out.count - directoryOffset
        u32(0x0605_4B50); u16(0); u16(0); u16(1); u16(1); u32(UInt32(directorySize)); u32(UInt32(directoryOffset)); u16(0)
        return out
    }

    /// Rewrites the uncompressed size an archive declares for its (first) entry, in the local header and the
    /// central directory: an archive that lies about its size.
    static func declare(size: UInt32, in archive: inout [UInt8]) {
        func put(_ at: Int) { for index in 0..<4 { archive[at + index] = UInt8((size >> UInt32(8 * index)) & 0xFF) } }
        put(22)
        let directory = (0..<(archive.count - 4)).last {
            archive[$0] == 0x50 && archive[$0 + 1] == 0x4B && archive[$0 + 2] == 1 && archive[$0 + 3] == 2
        }!
        put(directory + 24)
    }

    struct BitWriter {
        var bytes: [UInt8] = []
        var buffer: UInt64 = 0
        var count = 0

        /// `length` bits of `value`, least significant first (header fields, extra bits).
        mutating func bits(_ value: Int, _ length: Int) {
            buffer |= UInt64(value) << UInt64(count)
            count += length
            while count >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                count -= 8
            }
        }

        /// A Huffman code of `length` bits, most significant first.
        mutating func code(_ value: Int, _ length: Int) { bits(Self.reversed(value, length), length) }

        static func reversed(_ value: Int, _ length: Int) -> Int {
            var reversed = 0
            for index in 0..<length where value & (1 << index) != 0 { reversed |= 1 << (length - 1 - index) }
            return reversed
        }

        mutating func finish() -> [UInt8] {
            if count > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            return bytes
        }
    }
}
