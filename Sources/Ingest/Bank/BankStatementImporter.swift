import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Logging
import Mapping
import Synchronization

/// Imports 1CClientBankExchange statements (`crmhub import bank-1c`): scan → parse → map → COPY, one file per
/// transaction.
///
/// Each file is read twice, both times streaming: a first pass hashes it and detects its encoding (so a file
/// already loaded is recognised before any parsing), the second parses and loads it. Memory stays flat
/// whatever the file's size.
package struct BankStatementImporter: Sendable {
    package static let sourceKind = "bank-1c"

    package let warehouse: Warehouse
    package let progress: ImportProgressHandler?

    package init(warehouse: Warehouse, progress: ImportProgressHandler? = nil) {
        self.warehouse = warehouse
        self.progress = progress
    }

    /// - Parameter beforeCommit: run inside the file's load transaction, when it loads (see `LoadCommitHook`).
    package func importFile(path: String, sourceName: String? = nil, beforeCommit: LoadCommitHook? = nil)
        async throws -> ImportResult
    {
        let started = ContinuousClock.now
        let name = sourceName ?? path
        let progress = self.progress
        let scan = try SourceFileScan.scan(path: path, name: name, progress: progress, started: started)
        let source = BatchSource(sourceKind: Self.sourceKind, sourceName: name, sha256: scan.sha256,
                                 byteCount: scan.byteCount, encoding: scan.encoding.rawValue)
        let samples = Mutex<[QuarantinedRecord]>([])
        let declared = Mutex<(String?, Bool)>((nil, false))
        let logger = warehouse.logger

        // The header names the accounts and period, which lets the store choose its fast path. A file whose
        // header cannot be read simply loads the careful way; the full parse below reports what is wrong.
        let header = try? ClientBankExchangeFile.header(path: path, encoding: scan.encoding)
        let scope = header.map {
            StatementScope(accounts: $0.accounts, periodStart: $0.periodStart, periodEnd: $0.periodEnd)
        }
        let outcome = try await BankStatementStore(warehouse: warehouse).load(
            source, scope: scope, beforeCommit: beforeCommit
        ) { writer in
            // The store may run this twice (a fast attempt, then the careful way): start from scratch each time.
            samples.withLock { $0.removeAll() }
            var file = try ClientBankExchangeFile(path: path, encoding: scan.encoding, source: name)
            var mapper = BankStatementMapper()
            var header: StatementHeader?
            var records = 0
            func quarantine(_ record: QuarantinedRecord) throws {
                try writer.append(record)
                samples.withLock { if $0.count < ImportResult.sampleLimit { $0.append(record) } }
                logger.debug("quarantined", metadata: [
                    "source.file": "\(name)", "source.line": "\(record.line)", "reason": "\(record.reason)",
                ])
            }
            while try file.readChunk(emit: { record in
                switch record {
                case .header(let value):
                    header = value
                    mapper.note(value)
                case .balance(let balance):
                    records += 1
                    try writer.append(mapper.balanceRow(balance))
                case .document(let document):
                    records += 1
                    switch mapper.rows(for: document) {
                    case .success(let rows): for row in rows { writer.append(row) }
                    case .failure(let rejection):
                        try quarantine(QuarantinedRecord(
                            line: document.line, recordKind: "document", reason: rejection.reason,
                            field: rejection.field, raw: Self.rawText(of: document)))
                    }
                case .rejected(let rejected):
                    records += 1
                    try quarantine(QuarantinedRecord(line: rejected.line, recordKind: rejected.kind,
                                                 reason: rejected.reason, field: rejected.field, raw: rejected.raw))
                }
            }) {
                try await writer.flushIfNeeded()
                progress?(ImportProgress(source: name, phase: .loading, bytesDone: file.bytesRead, bytesTotal: file.fileSize,
                                         records: records, elapsed: Self.seconds(since: started)))
            }
            progress?(ImportProgress(source: name, phase: .loading, bytesDone: file.bytesRead, bytesTotal: file.fileSize,
                                     records: records, elapsed: Self.seconds(since: started)))
            let facts = Self.facts(header ?? StatementHeader(), scan: scan)
            declared.withLock { $0 = (facts.declaredEncoding, facts.encodingMismatch) }
            if facts.encodingMismatch {
                logger.info("the file declares one encoding but its bytes are another; the bytes were trusted",
                               metadata: ["source.file": "\(name)", "declared": "\(facts.declaredEncoding ?? "")",
                                          "detected": "\(scan.encoding.rawValue)"])
            }
            return facts
        }
        let (declaredEncoding, mismatch) = declared.withLock { $0 }
        return ImportResult(
            sourceName: name, sourceKind: Self.sourceKind, outcome: outcome, encoding: scan.encoding,
            declaredEncoding: declaredEncoding, encodingMismatch: mismatch,
            quarantineSamples: samples.withLock { $0 }, seconds: Self.seconds(since: started))
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func facts(_ header: StatementHeader, scan: SourceFileScan) -> StatementFileFacts {
        let declared = header.declaredEncoding.flatMap(TextEncoding.init(declared:))
        let mismatch = !scan.isASCII && declared != nil && declared != scan.encoding
        return StatementFileFacts(
            formatVersion: header.formatVersion, declaredEncoding: header.declaredEncoding,
            detectedEncoding: scan.encoding.rawValue, encodingMismatch: mismatch, sender: header.sender,
            receiver: header.receiver, createdOn: header.createdOn, createdAtTime: header.createdAt,
            periodStart: header.periodStart, periodEnd: header.periodEnd, accounts: header.accounts,
            documentKinds: header.documentKinds, headerJSON: JSONText.object(header.fields))
    }

    /// A document that parsed but cannot be placed (it touches none of our accounts) is quarantined as its
    /// parsed fields re-rendered one `Key=Value` a line: every key it had, in the format's own spelling.
    static func rawText(of document: StatementDocument) -> String {
        var lines = ["СекцияДокумент=\(document.kind)", "Номер=\(document.number)", "Дата=\(document.date.dottedDMY)",
                     "Сумма=\(document.amount)"]
        let parties: [(String, PaymentParty)] = [("Плательщик", document.payer), ("Получатель", document.payee)]
        for (prefix, party) in parties {
            let fields: [(String, String?)] = [
                ("Счет", party.account), ("ИНН", party.taxID), ("1", party.name), ("РасчСчет", party.checkingAccount),
                ("Банк1", party.bankName), ("МФО", party.bankCode),
            ]
            for (suffix, value) in fields { if let value { lines.append("\(prefix)\(suffix)=\(value)") } }
        }
        let optional: [(String, String?)] = [
            ("ДатаСписано", document.writtenOffOn?.dottedDMY),
            ("ДатаПоступило", document.creditedOn?.dottedDMY), ("ВидОплаты", document.operationKind),
            ("Очередность", document.priority), ("Код", document.paymentID),
            ("НомерСчетаПоставщика", document.supplierInvoiceNumber), ("НазначениеПлатежа", document.purpose),
        ]
        for (key, value) in optional { if let value { lines.append("\(key)=\(value)") } }
        lines += document.otherFields.map { "\($0.key)=\($0.value)" }
        lines.append("КонецДокумента")
        return lines.joined(separator: "\n")
    }
}
