import HubCore

/// What a first, cheap pass over a source file tells before anything is parsed: its identity (SHA-256 of
/// the bytes, which makes re-imports recognisable), its size, and its text encoding.
public struct SourceFileScan: Sendable, Equatable {
    public var path: String
    public var byteCount: Int64
    /// Lower-case hex SHA-256 of the whole content.
    public var sha256: String
    public var encoding: TextEncoding
    public var hasBOM: Bool
    /// Pure ASCII reads the same in every encoding, so a declared encoding cannot contradict it.
    public var isASCII: Bool

    public init(
        path: String, byteCount: Int64, sha256: String, encoding: TextEncoding, hasBOM: Bool, isASCII: Bool = false
    ) {
        self.isASCII = isASCII
        self.path = path
        self.byteCount = byteCount
        self.sha256 = sha256
        self.encoding = encoding
        self.hasBOM = hasBOM
    }

    /// Streams the file once (1 MiB at a time), hashing and sniffing the encoding together.
    public static func scan(path: String, progress: ((Int64, Int64) -> Void)? = nil) throws -> SourceFileScan {
        var sniffer = EncodingSniffer()
        let (byteCount, digest) = try hash(path: path, progress: progress) { sniffer.feed($0) }
        return SourceFileScan(
            path: path, byteCount: byteCount, sha256: digest, encoding: sniffer.encoding,
            hasBOM: sniffer.hasBOM, isASCII: sniffer.nonASCIIBytes == 0)
    }

    /// Streams the file once, hashing it only: for formats that declare their encoding themselves (XML).
    public static func hash(
        path: String, progress: ((Int64, Int64) -> Void)? = nil,
        alsoFeed: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) throws -> (byteCount: Int64, sha256: String) {
        var reader = try ChunkedFileReader(path: path)
        var hasher = ContentHasher()
        while try reader.nextChunk({ (chunk: UnsafeRawBufferPointer) -> Void in
            hasher.update(chunk)
            alsoFeed(chunk)
        }) != nil {
            progress?(reader.bytesRead, reader.fileSize)
        }
        return (reader.bytesRead, hasher.hexDigest())
    }
}
