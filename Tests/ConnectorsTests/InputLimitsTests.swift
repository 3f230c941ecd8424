import Connectors
import Foundation
import HubCore
import Testing

@Suite("input limits: settings, escaping, the line splitter's bounds")
struct InputLimitsTests {
    @Test("the defaults: 16 MiB per value, 2 GiB inflated")
    func defaults() throws {
        let limits = try InputLimits.fromEnvironment([:])
        #expect(limits == InputLimits.default)
        #expect(limits.maxValueBytes == 16 << 20 && limits.maxInflatedBytes == 2 << 30)
    }

    @Test("sizes from the environment, with or without a unit", arguments: [
        ("16777216", 16 << 20), ("64KiB", 64 << 10), ("64k", 64 << 10), ("1 MiB", 1 << 20), ("2G", 2 << 30),
    ])
    func sizes(text: String, bytes: Int) throws {
        let limits = try InputLimits.fromEnvironment([
            "CRMHUB_MAX_VALUE_BYTES": bytes <= 1 << 30 ? text : "1", "CRMHUB_MAX_INFLATED_BYTES": text,
        ])
        #expect(limits.maxInflatedBytes == Int64(bytes))
        if bytes <= 1 << 30 { #expect(limits.maxValueBytes == bytes) }
    }

    @Test("a setting that is not a positive size is a configuration error naming the variable",
          arguments: ["", "0", "-5", "lots", "16 MB?", "2GiB", "99999999999999999999"])
    func badSizes(text: String) {
        let error = #expect(throws: HubError.self) {
            try InputLimits.fromEnvironment(["CRMHUB_MAX_VALUE_BYTES": text])
        }
        #expect(error?.code == .configuration)
        #expect(error?.message.hasPrefix("CRMHUB_MAX_VALUE_BYTES=") == true)
    }

    @Test("quoted file contents show control characters as visible escapes and are cut")
    func escaping() {
        #expect("AB\0\0CD".escapingControlCharacters() == "AB\\0\\0CD")
        #expect("\u{1B}[2Jred\u{07}".escapingControlCharacters() == "\\u{1B}[2Jred\\u{7}")
        #expect("a\tb\r\nc".escapingControlCharacters() == "a\\tb\\r\\nc")
        #expect("CSI \u{9B}31m DEL \u{7F}".escapingControlCharacters() == "CSI \\u{9B}31m DEL \\u{7F}")
        #expect("Оплата по счёту №47".escapingControlCharacters() == "Оплата по счёту №47")
        let long = String(repeating: "я", count: 200)
        #expect(long.escapingControlCharacters() == String(repeating: "я", count: 80) + "…")
        #expect(long.escapingControlCharacters(limit: nil) == long)
        #expect("line 1\nline\0 2".escapingControlCharacters(limit: nil, keepingLineBreaks: true) == "line 1\nline\\0 2")
    }

    @Test("control bytes are named with their code")
    func describing() {
        #expect(ControlCharacters.describe(0) == "a NUL byte")
        #expect(ControlCharacters.describe(0x1B) == "a control character U+001B (ESC)")
        #expect(ControlCharacters.isDisallowed(0x09) == false && ControlCharacters.isDisallowed(0x0C))
    }

    /// Feeds `chunks` to a splitter and collects each line as (text, full length, first control byte).
    static func split(_ chunks: [[UInt8]], limit: Int) -> [(String, Int, Int?)] {
        var splitter = LineSplitter(maxLineBytes: limit)
        var lines: [(String, Int, Int?)] = []
        for chunk in chunks {
            chunk.withUnsafeBytes { buffer in
                splitter.lines(buffer) { lines.append((String(decoding: $0.bytes, as: UTF8.self), $0.length, $0.firstControlByte)) }
            }
        }
        splitter.finishLines { lines.append((String(decoding: $0.bytes, as: UTF8.self), $0.length, $0.firstControlByte)) }
        return lines
    }

    @Test("a line past the limit comes as a preview with its full length, within a chunk and across chunks")
    func overlongLines() {
        let preview = LineSplitter.overlongPreviewBytes
        // 3,000 bytes in one chunk, limit 2,000.
        let one = Self.split([Array(("k=" + String(repeating: "x", count: 2_998) + "\nnext\n").utf8)], limit: 2_000)
        #expect(one.map(\.1) == [3_000, 4])
        #expect(one[0].0.utf8.count == preview && one[0].0.hasPrefix("k=xxx"))
        #expect(one[1].0 == "next")
        // The same line spread over many small chunks, the last one without a line end.
        let chunks = [Array("k=".utf8)] + Array(repeating: Array(repeating: UInt8(ascii: "y"), count: 700), count: 10)
            + [Array("\r".utf8), Array("\nz=1\nlast".utf8)]
        let many = Self.split(chunks, limit: 2_000)
        #expect(many.map(\.1) == [7_002, 3, 4])
        #expect(many[0].0.utf8.count == preview && many[0].0.hasPrefix("k=yyy"))
        #expect(many.map(\.0).suffix(2) == ["z=1", "last"])
        // A line within the limit across chunks is whole.
        let whole = Self.split([Array("a=12".utf8), Array("34\n".utf8)], limit: 6)
        #expect(whole.map(\.0) == ["a=1234"] && whole.map(\.1) == [6])
    }

    @Test("the first control byte of a line is found where it is, across chunk boundaries; tab is not one")
    func controlBytes() {
        let lines = Self.split([Array("a=\t1".utf8), [0x41, 0x00], Array("B\u{1B}\nclean\nx".utf8), [0x07]], limit: .max)
        #expect(lines.map(\.0) == ["a=\t1A\0B\u{1B}", "clean", "x\u{07}"])
        #expect(lines.map(\.2) == [5, nil, 1])
    }
}
