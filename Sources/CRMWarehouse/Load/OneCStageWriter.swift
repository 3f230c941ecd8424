import Foundation
import HubCore
import PostgresNIO

/// Streams the rows of one 1C file into the staging table `stage_onec` over COPY while the file is read.
///
/// Every kind of row shares the one wide table (a single COPY stream per transaction): `i` invoices, `l`
/// their lines, `p` payments, `s` shipments, `d` deletions, `r` raw objects, `q` quarantined objects and,
/// written last, `c` one row per counterparty the file names. Counterparties are gathered here
/// (`PartyRegistry`): a document names its counterparty by value, and the same company may appear as a full
/// catalogue entry, by UUID and INN inside an invoice, and by INN alone elsewhere; the registry makes them
/// one staged party, which `OneCExchangeStore` then matches against the warehouse set-wise.
public struct OneCStageWriter: Sendable {
    enum Column: Int, CaseIterable {
        case seq, kind, sourceLine, sourcePath, objectType, ref, number, docDate, docKind, amount, currency
        case comment, attributes, deleted, partyKey, orgRef, orgINN, orgName, dueOn, includesVAT, contract
        case linesDigest, targetRef, targetNumber, targetDate, purpose, incomingNumber, incomingDate, ourAccount
        case parentSeq, lineNo, lineKind, itemRef, itemName, sku, unit, quantity, price, vatRate, vatAmount
        case reason, field, properties
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
            case .seq, .parentSeq: "bigint"
            case .sourceLine, .lineNo, .partyKey: "integer"
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

    private let writer: PostgresCopyFromWriter
    private var encoder = CopyTextEncoder()
    private var sequence: Int64 = 0
    private var row = [String?](repeating: nil, count: Column.allCases.count)
    private(set) var parties = PartyRegistry()
    public private(set) var counters = Counters()
    /// Quarantined objects kept to show the user (the first `sampleLimit`).
    public private(set) var samples: [QuarantinedRecord] = []
    public static let sampleLimit = 10

    /// Rows are sent in pieces of about this many bytes, so the server works while we parse.
    static let flushThreshold = 1 << 18

    init(writer: PostgresCopyFromWriter) {
        self.writer = writer
    }

    public mutating func flushIfNeeded() async throws {
        if encoder.count >= Self.flushThreshold { try await flush() }
    }

    mutating func flush() async throws {
        guard encoder.count > 0 else { return }
        try await writer.write(encoder.take())
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
        end()
        if samples.count < Self.sampleLimit { samples.append(record) }
    }

    /// Writes the gathered counterparties (after every document, which is when all mentions are known) and
    /// sends what is left.
    mutating func finish() async throws {
        for (key, party) in parties.entries.enumerated() {
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
        try await flush()
    }

    private mutating func appendRaw(_ raw: RawObjectRow) {
        begin("r", raw.position)
        set(.objectType, raw.objectType)
        set(.ref, raw.ref)
        set(.reason, raw.disposition.rawValue)
        set(.properties, raw.json)
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
        for index in row.indices {
            encoder.field(row[index])
            row[index] = nil
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
