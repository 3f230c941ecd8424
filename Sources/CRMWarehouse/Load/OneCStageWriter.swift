import Foundation
import HubCore
import PostgresNIO

/// A piece of a 1C message file as it was read, kept in `raw.onec_message_chunks`.
package struct MessagePiece: Sendable {
    package var offset: Int64
    package var bytes: ByteBuffer
}

/// One step of a 1C file's load: the staged rows of the objects completed since the last step (COPY text,
/// one buffer per `OneCStageTable`), and the file's bytes read for them.
package struct OneCLoadChunk: Sendable {
    var tables: [ByteBuffer]
    /// The chunk's buyer invoices, encoded when the chunk is applied (`OneCInvoiceCopy`).
    var invoices: [StagedInvoice]
    /// Some invoice reference occurs twice in this chunk (1C sent two versions): only the later one counts.
    var repeatsInvoice: Bool
    package var pieces: [MessagePiece]

    func rows(_ table: OneCStageTable) -> ByteBuffer { tables[table.rawValue] }
}

/// Stages the rows of one 1C file while it is read, and hands them to the database in chunks that are
/// applied while the next chunk is parsed.
///
/// Each kind of row has its own narrow table (`OneCStageTable`): counterparties, payments/shipments/
/// deletions, raw objects, quarantined objects. Buyer invoices are kept as rows (`StagedInvoice`) and
/// encoded when their chunk is applied (`OneCInvoiceCopy`): straight into `core` when they are new.
///
/// Counterparties are gathered here (`PartyRegistry`): a document names its counterparty by value, and the
/// same company may appear as a full catalogue entry, by UUID and INN inside an invoice, and by INN alone
/// elsewhere; the registry makes them one staged party (written when new or changed), which `OneCMerge` then
/// matches against the warehouse set-wise.
///
/// Pipelining: `flushIfNeeded` cuts a chunk once about `chunkBytes` bytes of rows are staged, waits for
/// the previous chunk to be applied, and starts applying this one; parsing goes on meanwhile. At most one
/// chunk is in flight, so memory stays at two chunks whatever the file's size.
package struct OneCStageWriter: Sendable {
    package struct Counters: Sendable, Equatable {
        package var objects = 0
        package var mapped = 0
        package var skipped = 0
        package var quarantined = 0
        package var deletions = 0
    }

    private var tables = OneCStageTable.allCases.map { CopyTextEncoder(capacity: $0.initialCapacity) }
    private var sequence: Int64 = 0
    private var invoices: [StagedInvoice] = []
    /// About how many bytes of COPY text `invoices` will make: counts towards a chunk's size.
    private var invoiceBytes = 0
    private var invoiceRefs: Set<String> = []
    private var repeatsInvoice = false
    private(set) var parties = PartyRegistry()
    package private(set) var counters = Counters()
    /// Quarantined objects kept to show the user (the first `sampleLimit`).
    package private(set) var samples: [QuarantinedRecord] = []
    package static let sampleLimit = 10
    /// The organisation the file's documents were last issued by: our side of the exchange.
    package private(set) var organization: PartyReference?
    /// The SHA-256 of the file, when the producer computes it while reading (see `OneCExchangeStore.load`).
    package var contentSHA256: String?
    /// Whether any payment, shipment or deletion was staged: `OneCMerge.finish` has work only then.
    package private(set) var stagedLater = false
    /// Whether any staff object was staged (`OneCStaffMerge`).
    package private(set) var stagedStaff = false
    /// What the chunks applied so far changed.
    package private(set) var merged = OneCLoadSummary()

    private var pieces: [MessagePiece] = []
    private var bytesSeen: Int64 = 0
    private let batchID: String
    private let apply: @Sendable (OneCLoadChunk) async throws -> OneCLoadSummary
    private var inFlight: Task<OneCLoadSummary, any Error>?

    /// Rows are applied in chunks of about this many bytes of COPY text (some 6,000 invoices).
    package static let defaultChunkBytes = 4 << 20
    private let chunkBytes: Int

    init(batchID: Int64, chunkBytes: Int = OneCStageWriter.defaultChunkBytes,
         apply: @escaping @Sendable (OneCLoadChunk) async throws -> OneCLoadSummary) {
        self.batchID = String(batchID)
        self.chunkBytes = max(1, chunkBytes)
        self.apply = apply
    }

    /// Keeps the file's next bytes for `raw` (call before parsing them); returns the copy kept.
    @discardableResult
    package mutating func keep(_ bytes: UnsafeRawBufferPointer) -> ByteBuffer {
        let piece = ByteBuffer(bytes: bytes)
        pieces.append(MessagePiece(offset: bytesSeen, bytes: piece))
        bytesSeen += Int64(bytes.count)
        keptBytes += bytes.count
        return piece
    }

    private var stagedBytes: Int { tables.reduce(invoiceBytes) { $0 + $1.count } }
    /// The file's bytes kept since the last chunk.
    private var keptBytes = 0
    /// A chunk also goes once this much of the file is kept: a file of few objects and much else (a value past
    /// the limit, padding) would otherwise hold all of itself in memory until its end.
    static let keptBytesLimit = 16 << 20

    /// Starts applying what is staged once it makes a chunk (after waiting for the chunk before it).
    package mutating func flushIfNeeded() async throws {
        if stagedBytes >= chunkBytes || keptBytes >= Self.keptBytesLimit { try await submit() }
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
        let chunk = OneCLoadChunk(tables: tables.indices.map { tables[$0].take() }, invoices: invoices,
                                  repeatsInvoice: repeatsInvoice, pieces: pieces)
        pieces = []
        keptBytes = 0
        invoices.removeAll(keepingCapacity: true)
        invoiceBytes = 0
        invoiceRefs.removeAll(keepingCapacity: true)
        repeatsInvoice = false
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
    package mutating func append(_ row: OneCRow?, raw: RawObjectRow) {
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
        case .supplierInvoice(let invoice): appendSupplierInvoice(invoice)
        case .deletion(let deletion):
            let seq = next()
            stagedLater = true
            stage(.later) { row in
                row.field("d")
                row.field(seq)
                position(deletion.position, &row)
                row.field(deletion.ref)
                row.nulls(OneCStageTable.later.columns.count - 5)
            }
        case .staff(let staff): appendStaff(staff)
        case nil: break
        }
    }

    private mutating func appendStaff(_ staff: StaffRow) {
        stagedStaff = true
        let count = OneCStageTable.staff.columns.count
        switch staff {
        case .individual(let person):
            let seq = next()
            stage(.staff) { row in
                staffStart(seq, person.position, "i", person.ref, person.fullName, &row)
                row.nulls(5)
                row.field(person.lastName)
                row.field(person.firstName)
                row.field(person.middleName)
                row.field(person.birthDate?.iso)
                row.field(person.inn)
                row.field(person.pinfl)
                row.nulls(count - 17)
            }
        case .unit(let unit):
            let seq = next()
            stage(.staff) { row in
                staffStart(seq, unit.position, unit.kind == .department ? "d" : "j", unit.ref, unit.name, &row)
                row.nulls(count - 6)
            }
        case .employee(let employee):
            let seq = next()
            stage(.staff) { row in
                staffStart(seq, employee.position, "e", employee.ref, employee.name, &row)
                staffEmployee(employee, &row)
                row.nulls(count - 11)
            }
        case .history(let registrar, let records, let position):
            if records.isEmpty {
                let seq = next()
                stage(.staff) { row in
                    staffStart(seq, position, "c", registrar, nil, &row)
                    row.nulls(count - 6)
                }
            }
            for record in records {
                let seq = next()
                stage(.staff) { row in
                    staffStart(seq, record.position, "h", registrar, record.employee.name, &row)
                    staffEmployee(record.employee, &row)
                    row.nulls(6)
                    row.field(record.recordNo)
                    row.field(record.event.rawValue)
                    row.field(record.eventText)
                    row.field(record.effectiveOn.iso)
                    row.field(record.departmentRef)
                    row.field(record.department)
                    row.field(record.positionRef)
                    row.field(record.jobTitle)
                    row.field(record.contractKind)
                    row.field(record.rate?.text)
                    row.field(record.validUntil?.iso)
                }
            }
        }
    }

    /// A counterparty that arrived outside any object (a CommerceML document's full `Контрагент`).
    package mutating func appendCounterparty(_ counterparty: CounterpartyRow) {
        _ = parties.note(counterparty)
    }

    package mutating func quarantine(_ record: QuarantinedRecord, raw: RawObjectRow) {
        counters.objects += 1
        counters.quarantined += 1
        appendRaw(raw)
        stage(.quarantine) { row in
            position(XMLPosition(line: record.line, path: record.path ?? raw.position.path), &row)
            row.field(record.recordKind)
            row.field(record.reason)
            row.field(record.field)
            row.field(record.raw)
            byteRange(of: raw, &row)
        }
        if samples.count < Self.sampleLimit { samples.append(record) }
    }

    /// Encodes one row of `table`; `body` writes its fields in the table's column order.
    private mutating func stage(_ table: OneCStageTable, _ body: (inout CopyTextEncoder) -> Void) {
        body(&tables[table.rawValue])
        tables[table.rawValue].endRow()
    }

    private mutating func next() -> Int {
        sequence += 1
        return Int(sequence)
    }

    /// Stages the counterparties noted since the last chunk that are new or changed.
    private mutating func writeChangedParties() {
        for key in parties.takeChanged() {
            let party = parties.entries[key]
            stage(.party) { row in
                row.field(key)
                position(party.position, &row)
                row.field(Self.arrayLiteral(party.refs))
                row.field(party.inn)
                row.field(party.kpp)
                row.field(party.name ?? party.inn ?? party.refs.first)
                row.field(party.fullName)
                row.field(party.isLegalEntity.map { $0 ? "t" : "f" })
                row.field(party.bankAccount)
                row.field(party.bankCode)
                row.field(party.bankName)
                row.field(party.phone)
                row.field(party.email)
                row.field(party.address)
                row.field(party.contactsJSON)
                row.field(party.explicit ? "t" : "f")
            }
        }
    }

    private mutating func appendRaw(_ raw: RawObjectRow) {
        let batchID = self.batchID
        stage(.raw) { row in
            row.field(batchID)
            position(raw.position, &row)
            row.field(raw.objectType)
            row.field(raw.ref)
            row.field(raw.disposition.rawValue)
            if raw.byteLength > 0 {
                row.nulls(1)
                byteRange(of: raw, &row)
            } else {
                // Without a byte range (never for files CRMHub reads) the object's JSON is its raw version.
                row.field(raw.json ?? "{}")
                row.nulls(2)
            }
        }
    }

    /// The fields every staged document starts with (`OneCStageTable.document`).
    private mutating func header(_ header: DocumentHeader, _ row: inout CopyTextEncoder) {
        let partyKey = header.counterparty.map { parties.note($0, position: header.position) }
        if let organization = header.organization { self.organization = organization }
        OneCInvoiceCopy.documentFields(header, seq: next(), partyKey: partyKey, &row)
    }

    private mutating func appendInvoice(_ invoice: InvoiceRow) {
        let header = invoice.header
        if !invoiceRefs.insert(header.ref).inserted { repeatsInvoice = true }
        let partyKey = header.counterparty.map { parties.note($0, position: header.position) }
        if let organization = header.organization { self.organization = organization }
        invoices.append(StagedInvoice(seq: next(), row: invoice, partyKey: partyKey))
        invoiceBytes += 400 + 150 * invoice.lines.count
    }

    private mutating func appendPayment(_ payment: PaymentRow) {
        appendLater("p", payment.header) { row in
            row.field(payment.contract)
            row.nulls(1)
            target(payment.settles, &row)
            row.field(payment.purpose)
            row.field(payment.incomingNumber)
            row.field(payment.incomingDate?.iso)
            row.field(payment.ourAccount)
            row.nulls(2)
        }
    }

    private mutating func appendShipment(_ shipment: ShipmentRow) {
        appendLater("s", shipment.header) { row in
            row.nulls(1)
            row.field(Self.digest(shipment.lines))
            target(shipment.invoice, &row)
            row.nulls(6)
        }
    }

    private mutating func appendSupplierInvoice(_ invoice: SupplierInvoiceRow) {
        appendLater("r", invoice.header) { row in
            row.field(invoice.contract)
            row.nulls(5)
            row.field(invoice.supplierNumber)
            row.field(invoice.supplierDate?.iso)
            row.nulls(1)
            row.field(invoice.header.organization?.inn)
            row.field(invoice.header.organization?.name)
        }
    }

    private mutating func appendLater(_ kind: String, _ document: DocumentHeader,
                                      _ rest: (inout CopyTextEncoder) -> Void) {
        stagedLater = true
        var encoder = CopyTextEncoder(capacity: 0)
        swap(&encoder, &tables[OneCStageTable.later.rawValue])
        encoder.field(kind)
        header(document, &encoder)
        rest(&encoder)
        encoder.endRow()
        swap(&encoder, &tables[OneCStageTable.later.rawValue])
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

private func position(_ position: XMLPosition, _ row: inout CopyTextEncoder) {
    row.field(position.line)
    row.field(position.path)
}

/// Points a staged row at the object's text in the stored message (NULLs when its range is unknown).
private func byteRange(of raw: RawObjectRow, _ row: inout CopyTextEncoder) {
    guard raw.byteLength > 0 else { return row.nulls(2) }
    row.field(Int(raw.byteOffset))
    row.field(Int(raw.byteLength))
}

/// The columns every staged staff row starts with: its place, kind, reference and name.
private func staffStart(_ seq: Int, _ at: XMLPosition, _ kind: String, _ ref: String?, _ name: String?,
                        _ row: inout CopyTextEncoder) {
    row.field(seq)
    position(at, &row)
    row.field(kind)
    row.field(ref)
    row.field(name)
}

/// An employee's columns of a staged staff row.
private func staffEmployee(_ employee: EmployeeRow, _ row: inout CopyTextEncoder) {
    row.field(employee.personnelNumber)
    row.field(employee.ref)
    row.field(employee.individualRef)
    row.field(employee.organization)
    row.field(employee.archived.map { $0 ? "t" : "f" })
}

private func target(_ reference: DocumentReference?, _ row: inout CopyTextEncoder) {
    row.field(reference?.ref)
    row.field(reference?.number)
    row.field(reference?.date?.iso)
}
