#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HubCore

/// Reads a file front to back in fixed-size chunks through one reused buffer.
///
/// The basis of every streaming parser: memory stays at one chunk whatever the file's size.
public struct ChunkedFileReader: ~Copyable {
    public static let defaultChunkSize = 1 << 20

    public let path: String
    private let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    public private(set) var bytesRead: Int64 = 0
    public let fileSize: Int64

    public init(path: String, chunkSize: Int = ChunkedFileReader.defaultChunkSize) throws(HubError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw HubError(.io, "cannot open: \(String(cString: strerror(errno)))", location: SourceLocation(source: path))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            throw HubError(.io, "cannot stat: \(String(cString: strerror(errno)))", location: SourceLocation(source: path))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw HubError(.io, "is a directory, not a file", location: SourceLocation(source: path))
        }
        self.path = path
        self.descriptor = descriptor
        self.fileSize = Int64(info.st_size)
        self.buffer = .allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// Calls `body` with the next chunk; returns false at end of file. The chunk is valid only inside `body`.
    public mutating func nextChunk<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result? {
        var count: Int
        repeat {
            count = read(descriptor, buffer.baseAddress, buffer.count)
        } while count < 0 && errno == EINTR
        guard count >= 0 else {
            throw HubError(.io, "read failed: \(String(cString: strerror(errno)))", location: SourceLocation(source: path))
        }
        if count == 0 { return nil }
        bytesRead += Int64(count)
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}
