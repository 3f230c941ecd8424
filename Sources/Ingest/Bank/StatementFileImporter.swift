import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Logging
import Mapping
import Synchronization

/// Imports ISO 20022 camt.053 (`crmhub import bank-camt053`) and SWIFT MT940 (`crmhub import bank-mt940`)
/// statements into the same `core.bank_transactions` as the 1C format, one file per transaction.
///
/// The file is hashed (and, for MT940, its encoding detected: CP1251, CP866 or UTF-8) in a first streaming
/// pass, so a file loaded before is recognised without parsing; the second pass parses, maps and COPYs.
/// Lines the bank has not booked (`PDNG`, `INFO`) are counted and left out: only a booked line moves money.
package struct StatementFileImporter: Sendable {
    package enum Format: String, Sendable, CaseIterable {
        case camt053 = "bank-camt053"
        case mt940 = "bank-mt940"

        /// The document kind rows carry and the `raw.bank_statement_files.format` value.
        var documentKind: String { self == .camt053 ? "camt.053" : "MT940" }
        var fileFormat: String { self == .camt053 ? "camt053" : "mt940" }
    }

    package let format: Format
    package let warehouse: Warehouse
    package let progress: ImportProgressHandler?
    /// MT940 only: the encoding a bank is known to send, overriding detection (Sber sends what was asked for).
    package let encoding: TextEncoding?

    package init(format: Format, warehouse: Warehouse, progress: ImportProgressHandler? = nil,
                encoding: TextEncoding? = nil) {
        self.format = format
        self.warehouse = warehouse
        self.progress = progress
        self.encoding = encoding
    }

    package var sourceKind: String { format.rawValue }

    /// - Parameter beforeCommit: run inside the file's load transaction, when it loads (see `LoadCommitHook`).
    package func importFile(path: String, sourceName: String? = nil, beforeCommit: LoadCommitHook? = nil)
        async throws -> ImportResult
    {
        let started = ContinuousClock.now
        let name = sourceName ?? path
        let progress = self.progress
        let format = self.format
        // camt.053 is XML and declares its own encoding; only MT940 needs the bytes sniffed.
        let scan = try SourceFileScan.scan(path: path, name: name, progress: progress, started: started,
                                           sniffEncoding: format == .mt940 && encoding == nil)
        let textEncoding = format == .mt940 ? (encoding ?? scan.encoding) : .utf8
        let source = BatchSource(sourceKind: format.rawValue, sourceName: name, sha256: scan.sha256,
                                 byteCount: scan.byteCount, encoding: textEncoding.rawValue)
        let samples = Mutex<[QuarantinedRecord]>([])
        let notBooked = Mutex(0)
        let logger = warehouse.logger

        let outcome = try await BankStatementStore(warehouse: warehouse).load(source, beforeCommit: beforeCommit) {
            writer in
            samples.withLock { $0.removeAll() }
            notBooked.withLock { $0 = 0 }
            var mapper = StatementLineMapper(format: format.documentKind)
            var records = 0
            var statementFormat: String?
            var first: StatementInfo?
            func handle(_ outputs: [StatementLineMapper.Output]) throws {
                for output in outputs {
                    switch output {
                    case .transaction(let row): writer.append(row)
                    case .balance(let row): try writer.append(row)
                    case .notBooked(let status, let line):
                        notBooked.withLock { $0 += 1 }
                        logger.debug("line not booked yet; left out",
                                     metadata: ["source.file": "\(name)", "source.line": "\(line)", "status": "\(status)"])
                    case .quarantine(let record):
                        try writer.append(record)
                        samples.withLock { if $0.count < ImportResult.sampleLimit { $0.append(record) } }
                        logger.debug("quarantined", metadata: [
                            "source.file": "\(name)", "source.line": "\(record.line)", "reason": "\(record.reason)",
                        ])
                    }
                }
            }
            func emit(_ record: BankStatementRecord) throws {
                records += 1
                if case .statement(let info) = record {
                    statementFormat = statementFormat ?? info.format
                    first = first ?? info
                }
                try handle(mapper.map(record))
            }
            func report(_ done: Int64, _ total: Int64) {
                progress?(ImportProgress(source: name, phase: .loading, bytesDone: done, bytesTotal: total,
                                         records: records, elapsed: BankStatementImporter.seconds(since: started)))
            }
            switch format {
            case .camt053:
                var file = try Camt053File(path: path, source: name)
                while try file.readChunk(emit: emit) {
                    try await writer.flushIfNeeded()
                    report(file.bytesRead, file.fileSize)
                }
                report(file.bytesRead, file.fileSize)
            case .mt940:
                var file = try MT940File(path: path, encoding: textEncoding, source: name)
                while try file.readChunk(emit: emit) {
                    try await writer.flushIfNeeded()
                    report(file.bytesRead, file.fileSize)
                }
                report(file.bytesRead, file.fileSize)
            }
            try handle(mapper.finish())
            guard mapper.statements > 0 else {
                throw HubError(.malformedInput, "no statement in the file (expected \(format.documentKind))",
                               location: SourceLocation(source: name))
            }
            var facts = StatementFileFacts(
                formatVersion: statementFormat, declaredEncoding: nil, detectedEncoding: textEncoding.rawValue,
                encodingMismatch: false, sender: first?.bankCode, receiver: first?.ownerTaxID,
                createdOn: first?.createdAt.flatMap { CalendarDate(isoDate: String($0.prefix(10))) },
                createdAtTime: first?.createdAt, periodStart: mapper.periodStart, periodEnd: mapper.periodEnd,
                accounts: mapper.accounts, documentKinds: [format.documentKind],
                headerJSON: JSONText.object([
                    ("message_id", first?.messageID), ("statement_id", first?.statementID),
                    ("sequence", first?.sequenceNumber), ("owner", first?.ownerName),
                    ("statements", String(mapper.statements)),
                    ("not_booked_lines", String(notBooked.withLock { $0 })),
                ].compactMap { key, value in value.map { (key: key, value: $0) } }))
            facts.format = format.fileFormat
            return facts
        }
        let skipped = notBooked.withLock { $0 }
        if skipped > 0 {
            logger.notice("lines the bank has not booked yet (PDNG, INFO) were left out",
                        metadata: ["source.file": "\(name)", "lines": "\(skipped)"])
        }
        return ImportResult(
            sourceName: name, sourceKind: format.rawValue, outcome: outcome, encoding: textEncoding,
            declaredEncoding: nil, encodingMismatch: false, quarantineSamples: samples.withLock { $0 },
            seconds: BankStatementImporter.seconds(since: started))
    }
}
