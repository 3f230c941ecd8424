import Foundation
import HubCore
import ZIPFoundation

/// 1C's exchange writes messages zipped (`Message_BP_CRM.zip` holding `Message_BP_CRM.xml`). The XML is
/// extracted, streaming, into a private temporary folder and read from there like any other message.
public final class ZippedMessage {
    /// The extracted XML file.
    public let xmlPath: String
    /// The name of the entry inside the archive, for messages and lineage (`Message_BP_CRM.zip:Message_BP_CRM.xml`).
    public let entryName: String
    private let folder: URL

    /// Whether the file starts with a ZIP local-file signature (`PK\3\4`).
    public static func isZip(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0x50, 0x4B, 0x03, 0x04])
    }

    /// Extracts the archive's single XML entry. The entry's own path is never used as a destination, so a
    /// crafted archive cannot write outside the temporary folder.
    public init(path: String) throws {
        let location = SourceLocation(source: path)
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw HubError(.malformedInput, "not a readable ZIP archive", location: location, cause: error)
        }
        let entries = archive.filter { $0.type == .file && $0.path.lowercased().hasSuffix(".xml") }
        guard let entry = entries.first else {
            throw HubError(.malformedInput, "the archive holds no .xml message", location: location)
        }
        if entries.count > 1 {
            throw HubError(.malformedInput,
                           "the archive holds \(entries.count) XML files; a 1C exchange archive holds one message",
                           location: location)
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("crmhub-zip-\(UUID().uuidString)", isDirectory: true)
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let destination = folder.appendingPathComponent("message.xml")
            _ = try archive.extract(entry, to: destination)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw HubError(.malformedInput, "cannot extract \(entry.path) from the archive", location: location,
                           cause: error)
        }
        xmlPath = folder.appendingPathComponent("message.xml").path
        entryName = entry.path
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }
}
