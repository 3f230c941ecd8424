import HubCore
import PostgresNIO

/// Streams a statement's rows into the staging table over one COPY: transactions (`t`), balances (`b`) and
/// quarantined records (`q`) share it, so a file of any size needs one pass and flat memory.
public struct BankStageWriter: Sendable {
    struct Counters: Sendable {
        /// Documents that became at least one transaction row.
        var documents = 0
        var transactionRows = 0
        var balances = 0
        var quarantined = 0
    }

    private let writer: PostgresCopyFromWriter
    private var encoder = CopyTextEncoder()
    private var sequence: Int64 = 0
    private var lastDocumentLine = -1
    var counters = Counters()

    /// Rows are sent in pieces of about this many bytes, so the server works while we parse.
    static let flushThreshold = 1 << 18

    init(writer: PostgresCopyFromWriter) {
        self.writer = writer
    }

    public var quarantinedCount: Int { counters.quarantined }
    public var transactionRowCount: Int { counters.transactionRows }

    public mutating func append(_ row: BankTransactionRow) {
        if row.sourceLine != lastDocumentLine {
            counters.documents += 1
            lastDocumentLine = row.sourceLine
        }
        counters.transactionRows += 1
        begin("t")
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
        nulls(5)
        encoder.field(row.sourceLine)
        nulls(4)
        encoder.endRow()
    }

    public mutating func append(_ balance: BankBalanceRow) {
        counters.balances += 1
        begin("b")
        encoder.field(balance.account)
        nulls(3)
        encoder.field(balance.periodStart)
        nulls(1)
        encoder.field(balance.currency)
        nulls(25)
        encoder.field(balance.periodEnd)
        encoder.field(balance.opening)
        encoder.field(balance.credited)
        encoder.field(balance.debited)
        encoder.field(balance.closing)
        encoder.field(balance.sourceLine)
        nulls(4)
        encoder.endRow()
    }

    public mutating func append(_ record: QuarantinedRecord) {
        counters.quarantined += 1
        begin("q")
        nulls(37)
        encoder.field(record.line)
        encoder.field(record.recordKind)
        encoder.field(record.reason)
        encoder.field(record.field)
        encoder.field(record.raw)
        encoder.endRow()
    }

    /// Sends what is buffered once it is large enough; call between chunks of input.
    public mutating func flushIfNeeded() async throws {
        if encoder.count >= Self.flushThreshold { try await flush() }
    }

    mutating func flush() async throws {
        guard encoder.count > 0 else { return }
        try await writer.write(encoder.take())
    }

    private mutating func begin(_ kind: String) {
        sequence += 1
        encoder.field(String(sequence))
        encoder.field(kind)
    }

    private mutating func nulls(_ count: Int) {
        for _ in 0..<count { encoder.field(nil as String?) }
    }
}
