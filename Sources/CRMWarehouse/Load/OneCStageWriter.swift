import Foundation
import HubCore
import PostgresNIO

/// A piece of a 1C message file as it was read, kept in `raw.onec_message_chunks`.
public struct MessagePiece: Sendable {
    public var offset: Int64
    public var bytes: ByteBuffer
}

/// One step of a 1C file's load: the staged rows of the objects completed since the last step, and the
/// file's bytes read for them.
public struct OneCLoadChunk: Sendable {
    public var rows: ByteBuffer
    public var pieces: [MessagePiece]
}

/// Stages the rows of one 1C file while it is read, and hands them to the database in chunks that are
/// applied while the next chunk is parsed.
///
/// Every kind of row shares one wide table (a single COPY per chunk): `i` invoices, `l` their lines, `p`
/// payments, `s` shipments, `d` deletions, `r` raw objects, `q` quarantined objects and `c` counterparties.
/// Counterparties are gathered here (`PartyRegistry`): a document names its counterparty by value, and the
/// same company may appear as a full catalogue entry, by UUID and INN inside an invoice, and by INN alone
/// elsewhere; the registry makes them one staged party (written when new or changed), which `OneCMerge`
/// then matches against the warehouse set-wise.
///
/// Pipelining: `flushIfNeeded` cuts a chunk once about `chunkBytes` bytes of rows are staged, waits for
/// the previous chunk to be applied, and starts applying this one; parsing goes on meanwhile. At most one
/// chunk is in flight, so memory stays at two chunks whatever the file's size.
public struct OneCStageWriter: Sendable {
    enum Column: Int, CaseIterable {
        case seq, kind, sourceLine, sourcePath, objectType, ref, number, docDate, docKind, amount, currency
        case comment, attributes, deleted, partyKey, orgRef, orgINN, orgName, dueOn, includesVAT, contract
        case linesDigest, targetRef, targetNumber, targetDate, purpose, incomingNumber, incomingDate, ourAccount
        case parentSeq, lineNo, lineKind, itemRef, itemName, sku, unit, quantity, price, vatRate, vatAmount
        case reason, field, properties, byteOffset, byteLength
        case partyRefs, partyINN, partyKPP, partyName, partyFullName, partyLegal, bankAccount, bankCode
        case bankName, phone, email, address, contacts, explicit

        /// `partyINN` → `party_inn`: an underscore where a lower-case letter meets an upper-case one.
        var sqlName: String {
            var out = ""
            var previousIsLower = false
            for character in "\(self)" {
                if character.isUppercase && previousIsLower { out += "_" }
                out += character.lowercased()
                previousIsLower = character.isLowercase
            }
            return out
        }

        var sqlType: String {
            switch self {
            case .seq, .parentSeq, .byteOffset: "bigint"
            case .sourceLine, .lineNo, .partyKey, .byteLength: "integer"
            case .kind: "\"char\""
            case .docDate, .dueOn, .targetDate, .incomingDate: "date"
            case .amount, .quantity, .price, .vatAmount: "numeric"
            case .deleted, .includesVAT, .partyLegal, .explicit: "boolean"
            // Raw properties stay text until they land in raw.onec_objects: parsed once, not twice.
            case .attributes, .contacts: "jsonb"
            case .partyRefs: "text[]"
            default: "text"
            }
        }
    }

    static var tableDefinition: String {
        "CREATE TEMP TABLE stage_onec ("
            + Column.allCases.map { "\($0.sqlName) \($0.sqlType)" }.joined(separator: ", ")
            + ") ON COMMIT DROP"
    }

    public struct Counters: Sendable, Equatable {
        public var objects = 0
        public var mapped = 0
        public var skipped = 0
        public var quarantined = 0
        public var deletions = 0
    }

    private var encoder = CopyTextEncoder(capacity: OneCStageWriter.defaultChunkBytes)
    private var sequence: Int64 = 0
    private var row = [String?](repeating: nil, count: Column.allCases.count)
    private(set) var parties = PartyRegistry()
    public private(set) var counters = Counters()
    /// Quarantined objects kept to show the user (the first `sampleLimit`).
    public private(set) var samples: [QuarantinedRecord] = []
    public static let sampleLimit = 10
    /// The organisation the file's documents were last issued by: our side of the exchange.
    public private(set) var organization: PartyReference?
    /// What the chunks applied so far changed.
    public private(set) var merged = OneCLoadSummary()

    private var pieces: [MessagePiece] = []
    private var bytesSeen: Int64 = 0
    private let apply: @Sendable (OneCLoadChunk) async throws -> OneCLoadSummary
    private var inFlight: Task<OneCLoadSummary, any Error>?

    /// Rows are applied in chunks of about this many bytes of COPY text (some 5,000 invoices).
    public static let defaultChunkBytes = 8 << 20
    private let chunkBytes: Int

    init(chunkBytes: Int = OneCStageWriter.defaultChunkBytes,
         apply: @escaping @Sendable (OneCLoadChunk) async throws -> OneCLoadSummary) {
        self.chunkBytes = max(1, chunkBytes)
        self.apply = apply
    }

    /// Keeps the file's next bytes for `raw` (call before parsing them).
    public mutating func keep(_ bytes: UnsafeRawBufferPointer) {
        pieces.append(MessagePiece(offset: bytesSeen, bytes: ByteBuffer(bytes: bytes)))
        bytesSeen += Int64(bytes.count)
    }

    /// Starts applying what is staged once it makes a chunk (after waiting for the chunk before it).
    public mutating func flushIfNeeded() async throws {
        if encoder.count >= chunkBytes { try await submit() }
    }

    /// Applies the rest and waits for every chunk to be applied.
    mutating func finish() async throws {
        try await submit()
        try await settle()
    }

    /// After a failure: waits for the chunk in flight (its error, if any, is the lesser one) so that the
    /// connection is free for the rollback.
    mutating func abandon() async {
        if let task = inFlight {
            inFlight = nil
            _ = await task.result
        }
    }

    private mutating func submit() async throws {
        writeChangedParties()
        let chunk = OneCLoadChunk(rows: encoder.take(), pieces: pieces)
        pieces = []
        try await settle()
        let apply = self.apply
        inFlight = Task { try await apply(chunk) }
    }

    private mutating func settle() async throws {
        guard let task = inFlight else { return }
        inFlight = nil
        merged.add(try await task.value)
    }

    /// Stages what one object became: its core row (if mapped) and, always, its raw version.
    public mutating func append(_ row: OneCRow?, raw: RawObjectRow) {
        counters.objects += 1
        switch raw.disposition {
        case .skipped: counters.skipped += 1
        case .deletion: counters.deletions += 1
        case .mapped: counters.mapped += 1
        case .quarantined: break
        }
        appendRaw(raw)
        switch row {
        case .counterparty(let counterparty): _ = parties.note(counterparty)
        case .invoice(let invoice): appendInvoice(invoice)
        case .payment(let payment): appendPayment(payment)
        case .shipment(let shipment): appendShipment(shipment)
        case .deletion(let deletion):
            begin("d", deletion.position)
            set(.ref, deletion.ref)
            set(.objectType, deletion.referenceKind)
            end()
        case nil: break
        }
    }

    /// A counterparty that arrived outside any object (a CommerceML document's full `Контрагент`).
    public mutating func appendCounterparty(_ counterparty: CounterpartyRow) {
        _ = parties.note(counterparty)
    }

    public mutating func quarantine(_ record: QuarantinedRecord, raw: RawObjectRow) {
        counters.objects += 1
        counters.quarantined += 1
        appendRaw(raw)
        begin("q", XMLPosition(line: record.line, path: record.path ?? raw.position.path))
        set(.objectType, record.recordKind)
        set(.reason, record.reason)
        set(.field, record.field)
        set(.properties, record.raw)
        _ = setByteRange(of: raw)
        end()
        if samples.count < Self.sampleLimit { samples.append(record) }
    }

    /// Stages the counterparties noted since the last chunk that are new or changed.
    private mutating func writeChangedParties() {
        for key in parties.takeChanged() {
            let party = parties.entries[key]
            sequence += 1
            set(.seq, String(sequence))
            set(.kind, "c")
            set(.partyKey, String(key))
            set(.sourceLine, String(party.position.line))
            set(.sourcePath, party.position.path)
            set(.partyRefs, Self.arrayLiteral(party.refs))
            set(.partyINN, party.inn)
            set(.partyKPP, party.kpp)
            set(.partyName, party.name ?? party.inn ?? party.refs.first)
            set(.partyFullName, party.fullName)
            set(.partyLegal, party.isLegalEntity.map { $0 ? "t" : "f" })
            set(.bankAccount, party.bankAccount)
            set(.bankCode, party.bankCode)
            set(.bankName, party.bankName)
            set(.phone, party.phone)
            set(.email, party.email)
            set(.address, party.address)
            set(.contacts, party.contactsJSON)
            set(.explicit, party.explicit ? "t" : "f")
            end()
        }
    }

    /// Points the staged row at the object's text in the stored message; false when its range is unknown.
    private mutating func setByteRange(of raw: RawObjectRow) -> Bool {
        guard raw.byteLength > 0 else { return false }
        set(.byteOffset, String(raw.byteOffset))
        set(.byteLength, String(raw.byteLength))
        return true
    }

    private mutating func appendRaw(_ raw: RawObjectRow) {
        begin("r", raw.position)
        set(.objectType, raw.objectType)
        set(.ref, raw.ref)
        set(.reason, raw.disposition.rawValue)
        if !setByteRange(of: raw) {
            // Without a byte range (never for files CRMHub reads) the object's JSON is its raw version.
            set(.properties, raw.json)
        }
        end()
    }

    private mutating func appendHeader(_ kind: Character, _ header: DocumentHeader) {
        begin(kind, header.position)
        set(.objectType, header.documentKind)
        set(.ref, header.ref)
        set(.number, header.number)
        set(.docDate, header.date.iso)
        set(.docKind, header.documentKind)
        set(.amount, header.amount?.text)
        set(.currency, header.currency)
        set(.comment, header.comment)
        set(.attributes, header.attributesJSON)
        set(.deleted, header.deleted ? "t" : "f")
        if let counterparty = header.counterparty {
            set(.partyKey, String(parties.note(counterparty, position: header.position)))
        }
        if let organization = header.organization { self.organization = organization }
        set(.orgRef, header.organization?.ref)
        set(.orgINN, header.organization?.inn)
        set(.orgName, header.organization?.name)
    }

    private mutating func appendInvoice(_ invoice: InvoiceRow) {
        appendHeader("i", invoice.header)
        let parent = sequence
        set(.dueOn, invoice.dueOn?.iso)
        set(.includesVAT, invoice.amountIncludesVAT.map { $0 ? "t" : "f" })
        set(.contract, invoice.contract)
        set(.linesDigest, Self.digest(invoice.lines))
        end()
        appendLines(invoice.lines, parent: parent, position: invoice.header.position)
    }

    private mutating func appendPayment(_ payment: PaymentRow) {
        appendHeader("p", payment.header)
        set(.contract, payment.contract)
        set(.purpose, payment.purpose)
        set(.incomingNumber, payment.incomingNumber)
        set(.incomingDate, payment.incomingDate?.iso)
        set(.ourAccount, payment.ourAccount)
        setTarget(payment.settles)
        end()
    }

    private mutating func appendShipment(_ shipment: ShipmentRow) {
        appendHeader("s", shipment.header)
        setTarget(shipment.invoice)
        set(.linesDigest, Self.digest(shipment.lines))
        end()
    }

    private mutating func setTarget(_ reference: DocumentReference?) {
        set(.targetRef, reference?.ref)
        set(.targetNumber, reference?.number)
        set(.targetDate, reference?.date?.iso)
    }

    private mutating func appendLines(_ lines: [DocumentLineRow], parent: Int64, position: XMLPosition) {
        for line in lines {
            begin("l", position)
            set(.parentSeq, String(parent))
            set(.lineNo, String(line.lineNo))
            set(.lineKind, line.kind)
            set(.itemRef, line.itemRef)
            set(.itemName, line.itemName)
            set(.sku, line.sku)
            set(.unit, line.unit)
            set(.quantity, line.quantity?.text)
            set(.price, line.price?.text)
            set(.amount, line.amount.text)
            set(.vatRate, line.vatRate)
            set(.vatAmount, line.vatAmount?.text)
            end()
        }
    }

    private mutating func begin(_ kind: Character, _ position: XMLPosition) {
        sequence += 1
        set(.seq, String(sequence))
        set(.kind, String(kind))
        set(.sourceLine, String(position.line))
        set(.sourcePath, position.path)
    }

    private mutating func set(_ column: Column, _ value: String?) {
        row[column.rawValue] = value
    }

    private mutating func end() {
        // Most of the wide row is NULL: runs of NULLs go in as one copy of `\N<tab>\N…`.
        var index = 0
        while index < row.count {
            guard let value = row[index] else {
                var end = index + 1
                while end < row.count && row[end] == nil { end += 1 }
                encoder.nulls(end - index)
                index = end
                continue
            }
            encoder.field(value)
            row[index] = nil
            index += 1
        }
        encoder.endRow()
    }

    /// A stable fingerprint of a document's lines (FNV-1a, 64 bits): a resent document whose header and
    /// lines are unchanged is recognised without rewriting its lines.
    static func digest(_ lines: [DocumentLineRow]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String?) {
            for byte in (text ?? "\u{1}").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0x1f) &* 0x100_0000_01b3
        }
        for line in lines {
            mix(String(line.lineNo)); mix(line.kind); mix(line.itemRef); mix(line.itemName); mix(line.sku)
            mix(line.unit); mix(line.quantity?.text); mix(line.price?.text); mix(line.amount.text)
            mix(line.vatRate); mix(line.vatAmount?.text)
        }
        return String(hash, radix: 16)
    }

    /// A PostgreSQL array literal of text elements, each quoted.
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }.joined(separator: ",") + "}"
    }
}
