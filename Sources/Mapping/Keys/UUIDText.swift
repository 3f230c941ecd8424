/// Formats the first 16 bytes of a digest as a UUID string (`8-4-4-4-12` lower-case hex), the text form
/// PostgreSQL's `uuid` type reads.
package enum UUIDText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    package static func format(_ bytes: UnsafeRawBufferPointer) -> String {
        precondition(bytes.count >= 16)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                buffer[out] = hexDigits[Int(bytes[index] >> 4)]
                buffer[out + 1] = hexDigits[Int(bytes[index] & 0x0F)]
                out += 2
            }
            return out
        }
    }
}
