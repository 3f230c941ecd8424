import Connectors
import Foundation
import HubCore
import Testing
import ZIPFoundation

/// Zipped 1C messages built to hurt: bombs that declare their size or lie about it, streams that never end,
/// damaged checksums; and the archives honest writers make, which must still extract.
@Suite("zipped messages: the inflate limit and damaged archives")
struct ZippedMessageLimitTests {
    static func write(_ bytes: [UInt8]) throws -> HostileFile {
        let file = try HostileFile("zip")
        try file.write(bytes)
        try file.close()
        return file
    }

    @Test("an entry that declares more than the limit is refused before anything is inflated")
    func declaredOverLimit() throws {
        let file = try Self.write(ZipCrafting.archive(entry: "Message_BP_CRM.xml", deflated: ZipCrafting.spaces(3 << 20),
                                                      declaredSize: 3 << 20, crc32: 0))
        let started = ContinuousClock.now
        let error = #expect(throws: HubError.self) {
            _ = try ZippedMessage(path: file.path, limits: InputLimits(maxInflatedBytes: 1 << 20))
        }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(error?.code == .malformedInput)
        #expect(error?.location?.source == file.path && error?.location?.field == "Message_BP_CRM.xml")
        #expect(error?.message == "Message_BP_CRM.xml would inflate to 3 MiB (3145728 bytes), more than a zipped "
                    + "message may: the limit is 1 MiB (CRMHUB_MAX_INFLATED_BYTES); nothing was extracted")

        // The 2.5 GiB of spaces from the issue, against the default limit: refused as it is opened.
        let bomb = try Self.write(ZipCrafting.archive(entry: "Message_BP_CRM.xml", deflated: ZipCrafting.spaces(1 << 20),
                                                      declaredSize: UInt32(5) << 29, crc32: 0))
        let refused = #expect(throws: HubError.self) { _ = try ZippedMessage(path: bomb.path) }
        #expect(refused?.message.contains("would inflate to 2.5 GiB (2684354560 bytes)") == true)
        #expect(refused?.message.contains("the limit is 2 GiB (CRMHUB_MAX_INFLATED_BYTES)") == true)
    }

    @Test("300 MiB of spaces behind a declared size of 1,000 bytes is refused while inflating, at the limit")
    func inflatedPastLimit() throws {
        var bytes = ZipCrafting.archive(entry: "Message_BP_CRM.xml", deflated: ZipCrafting.spaces(300 << 20),
                                        declaredSize: 300 << 20, crc32: 0)
        ZipCrafting.declare(size: 1_000, in: &bytes)
        #expect(bytes.count < 3 << 20, "a few MB of archive")
        let file = try Self.write(bytes)
        let started = ContinuousClock.now
        let error = #expect(throws: HubError.self) {
            _ = try ZippedMessage(path: file.path, limits: InputLimits(maxInflatedBytes: 8 << 20))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(error?.message == "Message_BP_CRM.xml inflates to more than a zipped message may: the limit is 8 MiB "
                    + "(CRMHUB_MAX_INFLATED_BYTES), and the archive declared 1000 bytes; refused after 8388608 bytes")
    }

    @Test("a deflate stream that does not end within its entry is refused instead of read forever")
    func neverEndingStream() throws {
        // A stored block that promises 65,535 bytes, of which the entry holds 100: the rest of the archive and
        // then nothing. ZIPFoundation's Linux reader spun at 100% CPU on this, forever.
        let data: [UInt8] = [0x00, 0xFF, 0xFF, 0x00, 0x00] + Array(repeating: UInt8(ascii: "a"), count: 100)
        let file = try Self.write(ZipCrafting.archive(entry: "m.xml", deflated: data, declaredSize: 65_535, crc32: 0))
        let error = #expect(throws: HubError.self) { _ = try ZippedMessage(path: file.path) }
        #expect(error?.message.contains("the compressed data of m.xml ends before its deflate stream does") == true,
                "\(String(describing: error))")
    }

    @Test("an entry whose CRC-32 or size does not match what it inflates to is refused as damaged")
    func checksum() throws {
        let deflated = ZipCrafting.spaces(100_000)
        let crc = Data(repeating: 0x20, count: 100_000).crc32(checksum: 0)
        let good = try Self.write(ZipCrafting.archive(entry: "m.xml", deflated: deflated, declaredSize: 100_000, crc32: crc))
        let message = try ZippedMessage(path: good.path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: message.xmlPath)) == Data(repeating: 0x20, count: 100_000))
        #expect(message.entryName == "m.xml")

        let bad = try Self.write(ZipCrafting.archive(entry: "m.xml", deflated: deflated, declaredSize: 100_000,
                                                     crc32: crc ^ 1))
        let error = #expect(throws: HubError.self) { _ = try ZippedMessage(path: bad.path) }
        #expect(error?.message.hasPrefix("m.xml is damaged: it inflates to 100000 bytes with CRC-32") == true)
    }

    @Test("archives ZIPFoundation writes, deflated and stored, extract byte for byte; the temporary file goes")
    func honestArchives() throws {
        let text = Data(("<?xml version=\"1.0\"?><Message>" + String(repeating: "<A>данные</A>", count: 50_000)
                            + "</Message>").utf8)
        for method in [CompressionMethod.deflate, .none] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("honest-\(UUID()).zip").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            let readme = Data("abc".utf8)
            try archive.addEntry(with: "readme.txt", type: .file, uncompressedSize: Int64(readme.count)) { _, _ in readme }
            try archive.addEntry(with: "Message_BP_CRM.xml", type: .file, uncompressedSize: Int64(text.count),
                                 compressionMethod: method) { position, size in
                text.subdata(in: Int(position)..<Int(position) + size)
            }
            var extracted: String?
            do {
                let message = try ZippedMessage(path: path)
                #expect(message.entryName == "Message_BP_CRM.xml")
                #expect(try Data(contentsOf: URL(fileURLWithPath: message.xmlPath)) == text)
                extracted = message.xmlPath
            }
            #expect(extracted.map { FileManager.default.fileExists(atPath: $0) } == false)
        }
    }
}
