import HubCore
import PostgresNIO

/// Streams a statement's rows to PostgreSQL over COPY while the file is being read.
///
/// Two modes (chosen by `BankStatementStore`):
/// - **staged**: transactions (`t`), balances (`b`) and quarantined records (`q`) all go to one temporary
///   staging table; SQL then merges transactions with `ON CONFLICT DO NOTHING`. Always correct, memory flat.
/// - **direct**: when nothing already loaded can overlap the file, transactions go straight into
///   `core.bank_transactions` (one copy of the data instead of two), with the occurrence counter numbered
///   here; balances and quarantined records are held back and staged after. The natural-key constraint still
///   guards it: a conflict aborts to the staged mode.
package struct BankStageWriter: Sendable {
    enum Mode: Sendable {
        case staged
        case direct(batchID: Int64, window: DirectWindow)
    }

    /// The accounts and booking days the store found free of stored lines before choosing the direct mode.
    /// The header's period is only a claim: a line outside it could duplicate a stored one (of another
    /// format, which no constraint catches), so it sends the load to the staged mode.
    struct DirectWindow: Sendable {
        var accounts: Set<String>
        var from: CalendarDate
        var to: CalendarDate

        func contains(_ row: BankTransactionRow) -> Bool {
            accounts.contains(row.account) && row.bookedOn >= from && row.bookedOn <= to
        }
    }

    struct Counters: Sendable {
        /// Documents that became at least one transaction row.
        var documents = 0
        var transactionRows = 0
        var balances = 0
        var quarantined = 0
    }

    /// Thrown in direct mode when held-back rows would grow past `heldBackLimit`, or a line lies outside the
    /// `DirectWindow`: the load restarts staged.
    struct DirectModeAbandoned: Error {}

    /// Numbers identical natural keys within one file in file order (occurrence 1, 2, …).
    struct OccurrenceCounter: Sendable {
        struct Key: Hashable, Sendable {
            var high: UInt64
            var low: UInt64
        }
        private var seen: [Key: UInt32] = [:]

        mutating func next(for uuid: String) -> Int {
            let key = Self.key(uuid)
            let count = (seen[key] ?? 0) + 1
            seen[key] = count
            return Int(count)
        }

        /// The 128 bits of a UUID string: 16 bytes per key instead of a 36-character string.
        static func key(_ uuid: String) -> Key {
            var high: UInt64 = 0
            var low: UInt64 = 0
            var nibbles = 0
            for byte in uuid.utf8 {
                let value: UInt64
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value = UInt64(byte - UInt8(ascii: "A") + 10)
                default: continue
                }
                if nibbles < 16 { high = high << 4 | value } else { low = low << 4 | value }
                nibbles += 1
            }
            return Key(high: high, low: low)
        }
    }

    private let writer: LoadCopyWriter
    private let mode: Mode
    private var encoder = CopyTextEncoder()
    /// Direct mode: balance and quarantine rows for the staging table, sent after the main COPY.
    private(set) var heldBack = CopyTextEncoder(capacity: 0)
    private var occurrences = OccurrenceCounter()
    private var sequence: Int64 = 0
    private var lastDocumentLine = -1
    /// Direct mode: a line fell outside the window; the next flush abandons the direct load.
    private var outsideWindow = false
    var counters = Counters()

    /// Rows are sent in pieces of about this many bytes, so the server works while we parse.
    static let flushThreshold = 1 << 18
    static let heldBackLimit = 64 << 20

    init(writer: LoadCopyWriter, mode: Mode) {
        self.writer = writer
        self.mode = mode
    }

    /// Columns of `core.bank_transactions` the direct mode writes, in order.
    package static let directColumns = [
        "account", "direction", "doc_kind", "doc_number", "doc_date", "amount", "currency", "counterparty_inn",
        "counterparty_pinfl", "counterparty_name", "counterparty_account", "counterparty_bank_code",
        "counterparty_bank_name", "purpose", "payment_code", "booked_on", "payer_account", "payer_inn", "payer_name",
        "payer_bank_code", "payee_account", "payee_inn", "payee_name", "payee_bank_code", "written_off_on",
        "credited_on", "operation_kind", "priority", "payment_id", "supplier_invoice_number", "attributes",
        "natural_key", "occurrence", "batch_id", "source_line", "bank_reference", "entry_reference",
        "end_to_end_id", "bank_transaction_code", "entry_kind", "return_reason", "value_date",
        "structured_references",
    ]

    /// The statement columns that follow the shared ones in both modes (see `encodeStatementFields`).
    static let statementFieldCount = 8

    package mutating func append(_ row: BankTransactionRow) {
        if row.sourceLine != lastDocumentLine {
            counters.documents += 1
            lastDocumentLine = row.sourceLine
        }
        counters.transactionRows += 1
        switch mode {
        case .staged:
            Self.begin("t", sequence: &sequence, in: &encoder)
            Self.encodeTransaction(row, into: &encoder)
            Self.nulls(5, into: &encoder)
            encoder.field(row.sourceLine)
            Self.nulls(4, into: &encoder)
            Self.encodeStatementFields(row, into: &encoder)
        case .direct(let batchID, let window):
            if !window.contains(row) { outsideWindow = true }
            Self.encodeTransaction(row, into: &encoder)
            encoder.field(occurrences.next(for: row.baseKey))
            encoder.field(String(batchID))
            encoder.field(row.sourceLine)
            Self.encodeStatementFields(row, into: &encoder)
        }
        encoder.endRow()
    }

    package mutating func append(_ balance: BankBalanceRow) throws {
        counters.balances += 1
        try withStageEncoder { encoder, writer in
            Self.begin("b", sequence: &writer.sequence, in: &encoder)
            encoder.field(balance.account)
            Self.nulls(3, into: &encoder)
            encoder.field(balance.periodStart)
            Self.nulls(1, into: &encoder)
            encoder.field(balance.currency)
            Self.nulls(25, into: &encoder)
            encoder.field(balance.periodEnd)
            encoder.field(balance.opening)
            encoder.field(balance.credited)
            encoder.field(balance.debited)
            encoder.field(balance.closing)
            encoder.field(balance.sourceLine)
            Self.nulls(4 + Self.statementFieldCount, into: &encoder)
            encoder.endRow()
        }
    }

    package mutating func append(_ record: QuarantinedRecord) throws {
        counters.quarantined += 1
        try withStageEncoder { encoder, writer in
            Self.begin("q", sequence: &writer.sequence, in: &encoder)
            Self.nulls(37, into: &encoder)
            encoder.field(record.line)
            encoder.field(record.recordKind)
            encoder.field(record.reason)
            encoder.field(record.field)
            encoder.field(record.raw)
            Self.nulls(Self.statementFieldCount, into: &encoder)
            encoder.endRow()
        }
    }

    /// Sends what is buffered once it is large enough; call between chunks of input.
    package mutating func flushIfNeeded() async throws {
        if outsideWindow { throw DirectModeAbandoned() }
        if encoder.count >= Self.flushThreshold { try await flush() }
    }

    mutating func flush() async throws {
        if outsideWindow { throw DirectModeAbandoned() }
        guard encoder.count > 0 else { return }
        try await writer.write(encoder.take())
    }

    /// Staged rows go into the main stream; in direct mode they are held back (bounded).
    private mutating func withStageEncoder(_ body: (inout CopyTextEncoder, inout BankStageWriter) -> Void) throws {
        switch mode {
        case .staged:
            var target = encoder
            encoder = CopyTextEncoder(capacity: 0)
            body(&target, &self)
            encoder = target
        case .direct:
            var target = heldBack
            heldBack = CopyTextEncoder(capacity: 0)
            body(&target, &self)
            heldBack = target
            if heldBack.count > Self.heldBackLimit { throw DirectModeAbandoned() }
        }
    }

    private static func begin(_ kind: String, sequence: inout Int64, in encoder: inout CopyTextEncoder) {
        sequence += 1
        encoder.field(String(sequence))
        encoder.field(kind)
    }

    private static func nulls(_ count: Int, into encoder: inout CopyTextEncoder) {
        for _ in 0..<count { encoder.field(nil as String?) }
    }

    /// The 32 leading columns shared by the staging table and `core.bank_transactions`.
    private static func encodeTransaction(_ row: BankTransactionRow, into encoder: inout CopyTextEncoder) {
        encoder.field(row.account)
        encoder.field(row.direction.rawValue)
        encoder.field(row.docKind)
        encoder.field(row.docNumber)
        encoder.field(row.docDate)
        encoder.field(row.amount)
        encoder.field(row.currency)
        encoder.field(row.counterpartyINN)
        encoder.field(row.counterpartyPINFL)
        encoder.field(row.counterpartyName)
        encoder.field(row.counterpartyAccount)
        encoder.field(row.counterpartyBankCode)
        encoder.field(row.counterpartyBankName)
        encoder.field(row.purpose)
        encoder.field(row.paymentCode)
        encoder.field(row.bookedOn)
        encoder.field(row.payerAccount)
        encoder.field(row.payerINN)
        encoder.field(row.payerName)
        encoder.field(row.payerBankCode)
        encoder.field(row.payeeAccount)
        encoder.field(row.payeeINN)
        encoder.field(row.payeeName)
        encoder.field(row.payeeBankCode)
        encoder.field(row.writtenOffOn)
        encoder.field(row.creditedOn)
        encoder.field(row.operationKind)
        encoder.field(row.priority)
        encoder.field(row.paymentID)
        encoder.field(row.supplierInvoiceNumber)
        encoder.field(row.attributesJSON)
        encoder.field(row.baseKey)
    }

    /// The camt.053 / MT940 columns, last in both the staging table and the direct column list.
    private static func encodeStatementFields(_ row: BankTransactionRow, into encoder: inout CopyTextEncoder) {
        encoder.field(row.bankReference)
        encoder.field(row.entryReference)
        encoder.field(row.endToEndID)
        encoder.field(row.bankTransactionCode)
        encoder.field(row.entryKind)
        encoder.field(row.returnReason)
        encoder.field(row.valueDate)
        encoder.field(row.structuredReferencesJSON)
    }
}
