import Crypto

/// SHA-256 of a source's bytes as they stream past, as the lower-case hex that `ops.batches` keeps.
///
/// Fed by whichever pass reads the file anyway (a first scan, or the parse itself for formats that do not
/// need the hash before they start), so that no file is read only to be hashed.
public struct ContentHasher: Sendable {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The digest of everything fed so far, as 64 lower-case hex digits.
    public func hexDigest() -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in hasher.finalize() {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
