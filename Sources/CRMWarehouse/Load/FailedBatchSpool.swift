import Foundation
import HubCore
import Logging

/// Failed batches that could not be written when they failed, because the database was what failed: kept in a
/// file (one JSON object a line) and written to `ops.batches` the next time CRMHub opens that warehouse.
///
/// The file is `$CRMHUB_STATE_DIR/unrecorded-failures.jsonl`, by default `.crmhub/` in the working folder (beside
/// the embedded cluster). Each entry names the warehouse (its URL without the password), so a failure is only
/// ever recorded in the warehouse it happened against. Appends are single `write`s of one line with O_APPEND, so
/// two processes failing at once do not interleave.
enum FailedBatchSpool {
    struct Entry: Codable, Sendable {
        var source: BatchSource
        var message: String
        var failedAt: Date
        var warehouse: String?
    }

    static var file: URL {
        let directory = ProcessInfo.processInfo.environment["CRMHUB_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.currentDirectoryPath + "/.crmhub"
        return URL(fileURLWithPath: directory).appendingPathComponent("unrecorded-failures.jsonl")
    }

    static func append(_ entry: Entry, warehouse: String, logger: Logger) {
        var entry = entry
        entry.warehouse = warehouse
        do {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            // Read by people too: paths and URLs as they are.
            encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
            var line = try encoder.encode(entry)
            line.append(0x0A)
            let url = file
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
            guard descriptor >= 0 else { throw HubError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { throw HubError(.io, "cannot write \(url.path)") }
        } catch {
            logger.error("the failed batch could not be kept for later either", metadata: [
                "source.file": "\(entry.source.sourceName)", "error": "\(error)",
            ])
        }
    }

    /// Writes the entries for this warehouse into `ops.batches` and keeps the others. Quietly leaves the file as
    /// it is when the warehouse cannot take them yet (no `ops` schema before the first migration, say).
    static func replay(into warehouse: Warehouse) async {
        let url = file
        guard let data = try? Data(contentsOf: url), !data.isEmpty else { return }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var kept: [Data] = []
        var recorded = 0
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            guard let entry = try? decoder.decode(Entry.self, from: Data(line)),
                  entry.warehouse == warehouse.settings.url
            else {
                kept.append(Data(line))
                continue
            }
            do {
                try await BatchFailure.insert(entry, client: warehouse.client, logger: warehouse.logger)
                recorded += 1
            } catch {
                kept.append(Data(line))
            }
        }
        guard recorded > 0 else { return }
        let rest = kept.reduce(into: Data()) { $0.append($1); $0.append(0x0A) }
        do {
            if rest.isEmpty { try FileManager.default.removeItem(at: url) } else { try rest.write(to: url, options: .atomic) }
            warehouse.logger.notice("recorded failed batches kept from an earlier run",
                                    metadata: ["batches": "\(recorded)", "file": "\(url.path)"])
        } catch {
            warehouse.logger.warning("cannot rewrite \(url.path): \(error)")
        }
    }
}
