#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HubCore

/// The central directory of a ZIP archive, read for what inflating one entry needs: each entry's name, method,
/// CRC-32, sizes and where its data starts (ZIP64 included). Bounded: the directory is read once (at most
/// `maxDirectoryBytes`), nothing of the entries' data.
///
/// CRMHub reads this itself instead of letting ZIPFoundation extract, because ZIPFoundation's Linux reader
/// feeds the inflater whatever follows an entry, up to the end of the file, and loops forever (at full CPU) when
/// a crafted entry's deflate stream has not ended there; `ZippedMessage` gives the inflater exactly the
/// entry's bytes.
struct ZipDirectory {
    struct Entry {
        /// The name as stored (UTF-8 in archives 1C writes; shown lossily otherwise).
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc32: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
        /// A directory or symbolic link entry, which holds no message.
        var isFile: Bool
    }

    static let maxDirectoryBytes = 64 << 20

    let entries: [Entry]

    /// Reads the directory of the archive open at `descriptor`; `source` names it in errors.
    init(descriptor: Int32, fileSize: Int64, source: String) throws(HubError) {
        func damaged(_ what: String) -> HubError {
            HubError(.malformedInput, "not a readable ZIP archive: \(what)", location: SourceLocation(source: source))
        }
        // The end-of-central-directory record is in the last 22 + 65,535 (comment) bytes.
        let tailLength = Int(min(fileSize, 22 + 0xFFFF))
        let tail = try Self.read(descriptor, at: fileSize - Int64(tailLength), count: tailLength, source: source)
        guard tailLength >= 22,
              let end = stride(from: tailLength - 22, through: 0, by: -1).first(where: { Self.u32(tail, $0) == 0x0605_4B50 })
        else { throw damaged("no end of central directory record") }
        var count = UInt64(Self.u16(tail, end + 10))
        var directorySize = UInt64(Self.u32(tail, end + 12))
        var directoryOffset = UInt64(Self.u32(tail, end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator stands just before the record and points at the ZIP64 end record.
            guard end >= 20, Self.u32(tail, end - 20) == 0x0706_4B50 else { throw damaged("no ZIP64 locator") }
            let recordOffset = Self.u64(tail, end - 20 + 8)
            guard recordOffset < UInt64(fileSize) else { throw damaged("the ZIP64 end record lies outside the file") }
            let record = try Self.read(descriptor, at: Int64(recordOffset), count: 56, source: source)
            guard record.count == 56, Self.u32(record, 0) == 0x0606_4B50 else { throw damaged("no ZIP64 end record") }
            count = Self.u64(record, 32)
            directorySize = Self.u64(record, 40)
            directoryOffset = Self.u64(record, 48)
        }
        guard directorySize <= UInt64(Self.maxDirectoryBytes) else {
            throw damaged("its central directory has \(directorySize) bytes, more than a message archive has")
        }
        guard directorySize <= UInt64(fileSize), directoryOffset <= UInt64(fileSize) - directorySize
        else { throw damaged("the central directory lies outside the file") }
        let directory = try Self.read(descriptor, at: Int64(directoryOffset), count: Int(directorySize), source: source)
        var entries: [Entry] = []
        var position = 0
        while position + 46 <= directory.count, Self.u32(directory, position) == 0x0201_4B50,
              UInt64(entries.count) < count {
            let nameLength = Int(Self.u16(directory, position + 28))
            let extraLength = Int(Self.u16(directory, position + 30))
            let commentLength = Int(Self.u16(directory, position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= directory.count else { throw damaged("a central directory entry runs past its end") }
            let nameBytes = directory[(position + 46)..<(position + 46 + nameLength)]
            var entry = Entry(
                name: String(decoding: nameBytes, as: UTF8.self), flags: Self.u16(directory, position + 8),
                method: Self.u16(directory, position + 10), crc32: Self.u32(directory, position + 16),
                compressedSize: UInt64(Self.u32(directory, position + 20)),
                uncompressedSize: UInt64(Self.u32(directory, position + 24)),
                localHeaderOffset: UInt64(Self.u32(directory, position + 42)), isFile: true)
            // Unix mode in the high half of the external attributes: 0o120000 is a symbolic link.
            let mode = Self.u32(directory, position + 38) >> 16
            entry.isFile = !entry.name.hasSuffix("/") && (mode & 0o170000) != 0o120000
            // ZIP64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = Self.u16(directory, extra)
                let size = Int(Self.u16(directory, extra + 2))
                var field = extra + 4
                if id == 0x0001 {
                    if entry.uncompressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd {
                        entry.uncompressedSize = Self.u64(directory, field)
                        field += 8
                    }
                    if entry.compressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd {
                        entry.compressedSize = Self.u64(directory, field)
                        field += 8
                    }
                    if entry.localHeaderOffset == 0xFFFF_FFFF, field + 8 <= extraEnd {
                        entry.localHeaderOffset = Self.u64(directory, field)
                    }
                }
                extra += 4 + size
            }
            entries.append(entry)
            position = next
        }
        self.entries = entries
    }

    /// Where the entry's compressed bytes start: after its local header, whose name and extra field lengths
    /// may differ from the central directory's.
    static func dataOffset(of entry: Entry, descriptor: Int32, fileSize: Int64, source: String) throws(HubError)
        -> Int64
    {
        guard entry.localHeaderOffset < UInt64(fileSize) else {
            throw HubError(.malformedInput, "not a readable ZIP archive: \(entry.name) lies outside the file",
                           location: SourceLocation(source: source))
        }
        let header = try read(descriptor, at: Int64(entry.localHeaderOffset), count: 30, source: source)
        guard header.count == 30, u32(header, 0) == 0x0403_4B50 else {
            throw HubError(.malformedInput, "not a readable ZIP archive: \(entry.name) has no local header",
                           location: SourceLocation(source: source))
        }
        let start = Int64(entry.localHeaderOffset) + 30 + Int64(u16(header, 26)) + Int64(u16(header, 28))
        guard start <= fileSize, entry.compressedSize <= UInt64(fileSize - start) else {
            throw HubError(.malformedInput, "not a readable ZIP archive: the data of \(entry.name) runs past the file",
                           location: SourceLocation(source: source))
        }
        return start
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    static func read(_ descriptor: Int32, at offset: Int64, count: Int, source: String) throws(HubError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else {
                throw HubError(.io, "read failed: \(String(cString: strerror(errno)))",
                               location: SourceLocation(source: source))
            }
            if got == 0 { break }
            done += got
        }
        bytes.removeLast(count - done)
        return bytes
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at + 4 <= bytes.count else { return 0 }
        return (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    static func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        guard at + 8 <= bytes.count else { return 0 }
        return (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
    }
}
