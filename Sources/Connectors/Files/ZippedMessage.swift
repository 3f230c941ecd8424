#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HubCore
import ZIPFoundation

/// 1C's exchange writes messages zipped (`Message_BP_CRM.zip` holding `Message_BP_CRM.xml`). The XML is
/// extracted, streaming, into a private temporary folder and read from there like any other message.
///
/// Bounded against zip bombs: an entry that declares more than `InputLimits.maxInflatedBytes` is refused
/// before anything is inflated, and one that inflates past it anyway (its declared size lied) is refused the
/// moment its written bytes pass the limit; the partial file is removed either way. The inflater is given
/// exactly the entry's compressed bytes, so a crafted stream that never ends fails instead of spinning.
public final class ZippedMessage {
    /// The extracted XML file.
    public let xmlPath: String
    /// The name of the entry inside the archive, for messages and lineage (`Message_BP_CRM.zip:Message_BP_CRM.xml`).
    public let entryName: String
    private let folder: URL

    /// How much compressed data is read, and inflated data handed over, at a time.
    static let bufferSize = 1 << 16

    /// Whether the file starts with a ZIP local-file signature (`PK\3\4`).
    public static func isZip(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0x50, 0x4B, 0x03, 0x04])
    }

    /// Extracts the archive's single XML entry. The entry's own path is never used as a destination, so a
    /// crafted archive cannot write outside the temporary folder.
    ///
    /// - Parameter limits: `maxInflatedBytes` caps the extracted size.
    public init(path: String, limits: InputLimits = .default) throws {
        let location = SourceLocation(source: path)
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw HubError(.io, "cannot open: \(String(cString: strerror(errno)))", location: location)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw HubError(.io, "cannot stat: \(String(cString: strerror(errno)))", location: location)
        }
        let fileSize = Int64(info.st_size)
        let directory = try ZipDirectory(descriptor: descriptor, fileSize: fileSize, source: path)
        let entries = directory.entries.filter { $0.isFile && $0.name.lowercased().hasSuffix(".xml") }
        guard let entry = entries.first else {
            throw HubError(.malformedInput, "the archive holds no .xml message", location: location)
        }
        if entries.count > 1 {
            throw HubError(.malformedInput,
                           "the archive holds \(entries.count) XML files; a 1C exchange archive holds one message",
                           location: location)
        }
        let name = entry.name.escapingControlCharacters()
        let limit = limits.maxInflatedBytes
        let limitText = "\(InputLimits.describe(limit)) (\(InputLimits.maxInflatedBytesVariable))"
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw HubError(
                .malformedInput,
                "\(name) would inflate to \(InputLimits.describe(Int64(clamping: entry.uncompressedSize))) "
                    + "(\(entry.uncompressedSize) bytes), more than a zipped message may: the limit is \(limitText); "
                    + "nothing was extracted",
                location: SourceLocation(source: path, field: name))
        }
        guard entry.flags & 1 == 0 else {
            throw HubError(.malformedInput, "\(name) is encrypted; 1C's exchange does not encrypt messages",
                           location: location)
        }
        guard entry.method == 0 || entry.method == 8 else {
            throw HubError(.malformedInput,
                           "\(name) is compressed with method \(entry.method); only stored and deflated entries are read",
                           location: location)
        }
        let dataStart = try ZipDirectory.dataOffset(of: entry, descriptor: descriptor, fileSize: fileSize, source: path)

        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("crmhub-zip-\(UUID().uuidString)", isDirectory: true)
        self.folder = folder
        let destination = folder.appendingPathComponent("message.xml")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Self.inflate(entry, from: descriptor, at: dataStart, to: destination.path, limit: limit,
                             describeLimit: limitText, source: path)
        } catch let error as HubError {
            try? FileManager.default.removeItem(at: folder)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw HubError(.malformedInput, "cannot extract \(name) from the archive", location: location, cause: error)
        }
        xmlPath = destination.path
        entryName = entry.name
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Inflates (or copies) the entry into `path`, counting the bytes as they are written.
    private static func inflate(
        _ entry: ZipDirectory.Entry, from archive: Int32, at dataStart: Int64, to path: String, limit: Int64,
        describeLimit: String, source: String
    ) throws {
        let name = entry.name.escapingControlCharacters()
        let output = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard output >= 0 else {
            throw HubError(.io, "cannot create \(path): \(String(cString: strerror(errno)))",
                           location: SourceLocation(source: source))
        }
        defer { close(output) }
        var written: Int64 = 0
        func write(_ data: Data) throws {
            written += Int64(data.count)
            // Refused while inflating: a lying declared size gets no further than the limit.
            guard written <= limit else {
                throw HubError(
                    .malformedInput,
                    "\(name) inflates to more than a zipped message may: the limit is \(describeLimit), and the "
                        + "archive declared \(entry.uncompressedSize) bytes; refused after \(limit) bytes",
                    location: SourceLocation(source: source, field: name))
            }
            try data.withUnsafeBytes { buffer in
                var done = 0
                while done < buffer.count {
                    let count = systemWrite(output, buffer.baseAddress! + done, buffer.count - done)
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else {
                        throw HubError(.io, "cannot write \(path): \(String(cString: strerror(errno)))",
                                       location: SourceLocation(source: source))
                    }
                    done += count
                }
            }
        }
        let compressedSize = Int64(clamping: entry.compressedSize)
        var checksum: CRC32 = 0
        if entry.method == 0 {
            var position: Int64 = 0
            while position < compressedSize {
                let count = Int(min(Int64(bufferSize), compressedSize - position))
                let chunk = Data(try ZipDirectory.read(archive, at: dataStart + position, count: count, source: source))
                guard chunk.count == count else { throw truncated(name, source: source) }
                checksum = chunk.crc32(checksum: checksum)
                try write(chunk)
                position += Int64(count)
            }
        } else {
            // Every chunk handed to the inflater is exactly as long as asked: ZIPFoundation's Linux inflater
            // tells zlib the full buffer size whatever it got. The entry's last bytes come padded with zeros
            // once; a stream that asks for more after them is refused instead of read forever.
            var paddedOnce = false
            checksum = try Data.decompress(
                size: compressedSize, bufferSize: bufferSize, skipCRC32: false,
                provider: { position, size in
                    let available = max(0, min(Int64(size), compressedSize - position))
                    if available < Int64(size) {
                        // The entry's last bytes, padded: a stream that wants more after them never ends.
                        if paddedOnce { throw truncated(name, source: source) }
                        paddedOnce = true
                    }
                    var chunk = Data(try ZipDirectory.read(archive, at: dataStart + position, count: Int(available),
                                                           source: source))
                    guard chunk.count == Int(available) else { throw truncated(name, source: source) }
                    if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                    return chunk
                },
                consumer: { try write($0) })
        }
        guard written == Int64(clamping: entry.uncompressedSize), checksum == entry.crc32 else {
            throw HubError(
                .malformedInput,
                "\(name) is damaged: it inflates to \(written) bytes with CRC-32 \(String(checksum, radix: 16)), "
                    + "the archive declares \(entry.uncompressedSize) bytes with \(String(entry.crc32, radix: 16))",
                location: SourceLocation(source: source, field: name))
        }
    }

    private static func truncated(_ name: String, source: String) -> HubError {
        HubError(.malformedInput,
                 "the compressed data of \(name) ends before its deflate stream does: the archive is damaged",
                 location: SourceLocation(source: source, field: name))
    }
}

/// `write(2)`, named apart from the local `write` helper above.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
