import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Logging
import Mapping
import NIOCore

/// The two 1C:Accounting XML source kinds.
package enum OneCFormat: String, Sendable, CaseIterable {
    /// EnterpriseData exchange messages (`Message_<from>_<to>.xml` or `.zip`), "универсальный формат".
    case enterpriseData = "1c-enterprisedata"
    /// CommerceML 2.05–2.10 documents files.
    case commerceML = "1c-commerceml"
    /// 1C:ZUP's EnterpriseData messages (1.17+): persons, employees, departments, positions, HR history.
    case zupEnterpriseData = "zup-enterprisedata"
}

/// The outcome of importing one 1C file.
package struct OneCImportResult: Sendable {
    package var sourceName: String
    package var format: OneCFormat
    package var facts: OneCMessageFacts
    package var outcome: OneCLoadOutcome
    package var quarantineSamples: [QuarantinedRecord]
    package var seconds: Double
    package var bytes: Int64

    package var summary: OneCLoadSummary? {
        if case .loaded(let summary) = outcome { return summary }
        return nil
    }
}

/// Imports 1C XML files (`crmhub import 1c-enterprisedata|1c-commerceml`): scan → header → stream objects
/// through the mapper into the warehouse, one file per transaction.
///
/// Each file is read streaming: once for its header (stopping there), once to load it, hashing its bytes as
/// they are parsed (a file loaded before is then recognised at the end, and rolled back; a resent
/// EnterpriseData message is already recognised by its number before anything is loaded). Zipped messages
/// are hashed first, as received, then extracted to a temporary file.
package struct OneCImporter: Sendable {
    package let warehouse: Warehouse
    package let format: OneCFormat
    /// Our node code in the exchange: a message addressed to another node is refused. Nil accepts any.
    package let ourNode: String?
    package let progress: ImportProgressHandler?
    /// How much staged data (bytes of COPY text) is applied at a time while the file is read: memory holds
    /// about two such chunks. Tests set it small to exercise loads spread over many chunks.
    package let chunkBytes: Int
    /// 1C:ZUP's words for HR events (`zup-enterprisedata`).
    package var staffVocabulary = StaffVocabulary.standard

    package init(warehouse: Warehouse, format: OneCFormat, ourNode: String? = nil,
                progress: ImportProgressHandler? = nil, chunkBytes: Int = OneCStageWriter.defaultChunkBytes) {
        self.chunkBytes = chunkBytes
        self.warehouse = warehouse
        self.format = format
        self.ourNode = ourNode
        self.progress = progress
    }

    /// - Parameter beforeCommit: run inside the file's load transaction, when it loads (see `LoadCommitHook`).
    package func importFile(path: String, sourceName: String? = nil, beforeCommit: LoadCommitHook? = nil)
        async throws -> OneCImportResult
    {
        let started = ContinuousClock.now
        let name = sourceName ?? path
        let progress = self.progress
        let isZip = ZippedMessage.isZip(path: path)
        // A plain XML file is hashed while it is parsed: reading 1.5 GB once instead of twice. XML declares its
        // own encoding, so nothing else needs a first pass.
        let scan = isZip
            ? try SourceFileScan.scan(path: path, name: name, progress: progress, started: started, sniffEncoding: false)
            : nil
        let byteCount = try scan?.byteCount ?? Self.size(of: path, name: name)
        let rehash: (@Sendable () -> String?)? = isZip ? nil : { @Sendable in try? SourceFileScan.hash(path: path).sha256 }
        var source = BatchSource(sourceKind: format.rawValue, sourceName: name, sha256: scan?.sha256 ?? "",
                                 byteCount: byteCount, encoding: nil)
        let zipped: ZippedMessage?
        let facts: OneCMessageFacts
        let xmlPath: String
        let xmlName: String
        do {
            zipped = isZip ? try ZippedMessage(path: path) : nil
            xmlPath = zipped?.xmlPath ?? path
            xmlName = zipped.map { "\(name):\($0.entryName)" } ?? name
            facts = try readFacts(xmlPath: xmlPath, source: xmlName)
            if let ourNode, let to = facts.to, to != ourNode {
                throw HubError(.configuration,
                               "this message is addressed to node \(to), not to CRMHub's node \(ourNode); "
                                   + "check the exchange settings in 1C or pass --our-node \(to)",
                               location: SourceLocation(source: name, field: "Confirmation/To"))
            }
        } catch {
            // A file that cannot even be opened as a message is still an attempt operations should see.
            source.sha256 = scan?.sha256 ?? rehash?() ?? OneCExchangeStore.unknownHash
            await OneCExchangeStore(warehouse: warehouse).recordFailure(source, error: error)
            throw error
        }
        let format = self.format
        let profile: EnterpriseDataMapper.Profile = format == .zupEnterpriseData ? .staff(staffVocabulary) : .accounting
        let logger = warehouse.logger
        let store = OneCExchangeStore(warehouse: warehouse, chunkBytes: chunkBytes)
        let (outcome, samples) = try await store.load(source, facts: facts, rehash: rehash,
                                                      beforeCommit: beforeCommit) { writer in
            var objects = 0
            // The hash is computed off the parsing thread (which is the load's bottleneck), from the copies of
            // the file's bytes that go to `raw` anyway.
            let (pieces, hashing) = AsyncStream.makeStream(of: ByteBuffer.self)
            defer { hashing.finish() }
            let digest = Task {
                var hasher = ContentHasher()
                for await piece in pieces { piece.withUnsafeReadableBytes { hasher.update($0) } }
                return hasher.hexDigest()
            }
            func keep(_ bytes: UnsafeRawBufferPointer) {
                let piece = writer.keep(bytes)
                if rehash != nil { hashing.yield(piece) }
            }
            func report(_ done: Int64, _ total: Int64) {
                progress?(ImportProgress(source: name, phase: .loading, bytesDone: done, bytesTotal: total,
                                         records: objects, elapsed: BankStatementImporter.seconds(since: started)))
            }
            func stage(_ mapping: OneCMapping) {
                switch mapping {
                case .mapped(let row, let raw): writer.append(row, raw: raw)
                case .skipped(let raw): writer.append(nil, raw: raw)
                case .rejected(let rejection, let raw):
                    writer.quarantine(QuarantinedRecord(
                        line: rejection.line, recordKind: raw.objectType, reason: rejection.reason,
                        field: rejection.field, raw: raw.json ?? "{}", path: rejection.path), raw: raw)
                    logger.debug("quarantined", metadata: [
                        "source.file": "\(xmlName)", "source.line": "\(rejection.line)",
                        "reason": "\(rejection.reason)",
                    ])
                }
            }
            switch format {
            case .enterpriseData, .zupEnterpriseData:
                var file = try EnterpriseDataMessageFile(path: xmlPath, source: xmlName)
                while try file.readChunk(bytes: { keep($0) }, emit: { record in
                    if case .object(let object) = record {
                        objects += 1
                        stage(EnterpriseDataMapper.map(object, profile: profile))
                    }
                }) {
                    try await writer.flushIfNeeded()
                    report(file.bytesRead, file.fileSize)
                }
                report(file.bytesRead, file.fileSize)
            case .commerceML:
                var file = try CommerceMLFile(path: xmlPath, source: xmlName)
                while try file.readChunk(bytes: { keep($0) }, emit: { record in
                    if case .document(let node, let position, let bytes) = record {
                        objects += 1
                        let (mapping, counterparties) = CommerceMLMapper.map(node, position: position, bytes: bytes)
                        for counterparty in counterparties { writer.appendCounterparty(counterparty) }
                        stage(mapping)
                    }
                }) {
                    try await writer.flushIfNeeded()
                    report(file.bytesRead, file.fileSize)
                }
                report(file.bytesRead, file.fileSize)
            }
            hashing.finish()
            if rehash != nil { writer.contentSHA256 = await digest.value }
        }
        withExtendedLifetime(zipped) {}
        return OneCImportResult(
            sourceName: name, format: format, facts: facts, outcome: outcome, quarantineSamples: samples,
            seconds: BankStatementImporter.seconds(since: started), bytes: byteCount)
    }

    static func size(of path: String, name: String) throws -> Int64 {
        do {
            return try ChunkedFileReader(path: path, chunkSize: 1).fileSize
        } catch var error {
            error.location = SourceLocation(source: name)
            throw error
        }
    }

    /// Reads only the envelope (stopping at the first object): the message number decides whether to load.
    func readFacts(xmlPath: String, source: String) throws -> OneCMessageFacts {
        struct Found: Error { var facts: OneCMessageFacts }
        var facts: OneCMessageFacts?
        var encoding: String?
        do {
            switch format {
            case .enterpriseData, .zupEnterpriseData:
                var file = try EnterpriseDataMessageFile(path: xmlPath, source: source)
                defer { encoding = file.encodingName }
                while try file.readChunk(emit: { record in
                    if case .header(let header) = record {
                        throw Found(facts: OneCMessageFacts(
                            format: "enterprisedata", version: header.version?.description, from: header.from,
                            to: header.to, messageNo: header.messageNo, receivedNo: header.receivedNo,
                            createdAt: header.creationDate, headerJSON: header.json))
                    }
                }) {}
            case .commerceML:
                var file = try CommerceMLFile(path: xmlPath, source: source)
                defer { encoding = file.encodingName }
                while try file.readChunk(emit: { record in
                    if case .root(let version, let createdAt, let namespace) = record {
                        throw Found(facts: OneCMessageFacts(
                            format: "commerceml", version: version, createdAt: createdAt,
                            headerJSON: JSONText.object([("ВерсияСхемы", version ?? ""),
                                                         ("ДатаФормирования", createdAt ?? ""),
                                                         ("xmlns", namespace ?? "")])))
                    }
                }) {}
            }
        } catch let found as Found {
            facts = found.facts
        }
        guard var facts else {
            throw HubError(.malformedInput, "the file has no 1C envelope", location: SourceLocation(source: source))
        }
        facts.encoding = Self.postgresEncoding(encoding)
        return facts
    }

    /// PostgreSQL's name for an encoding libxml2 decoded a file from, so the stored message can be read back
    /// as text; nil for encodings PostgreSQL cannot convert from (UTF-16 among them).
    static func postgresEncoding(_ name: String?) -> String? {
        switch name?.uppercased().replacingOccurrences(of: "_", with: "-") {
        case "UTF-8", "UTF8", "US-ASCII", "ASCII": "UTF8"
        case "WINDOWS-1251", "CP1251": "WIN1251"
        case "IBM866", "CP866": "WIN866"
        case "KOI8-R": "KOI8R"
        case "ISO-8859-5": "ISO_8859_5"
        case "ISO-8859-1", "LATIN1": "LATIN1"
        default: nil
        }
    }
}
