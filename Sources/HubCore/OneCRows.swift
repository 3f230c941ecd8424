/// A counterparty (or our own organisation) as a 1C document names it: by value, with enough key
/// properties to find it or create it (EnterpriseData "references by value", CommerceML `Контрагент`).
public struct PartyReference: Sendable, Equatable {
    /// The sender's identifier: the UUID in `Ссылка` (EnterpriseData) or `Ид` (CommerceML).
    public var ref: String?
    public var inn: String?
    public var kpp: String?
    public var name: String?
    public var fullName: String?
    /// `ЮридическоеФизическоеЛицо`: true for a legal entity, false for a person, nil when not said.
    public var isLegalEntity: Bool?

    public init(ref: String? = nil, inn: String? = nil, kpp: String? = nil, name: String? = nil,
                fullName: String? = nil, isLegalEntity: Bool? = nil) {
        self.ref = ref
        self.inn = inn
        self.kpp = kpp
        self.name = name
        self.fullName = fullName
        self.isLegalEntity = isLegalEntity
    }

    /// Whether anything identifies the party at all (matching goes by UUID, then INN, then name).
    public var isIdentifiable: Bool { ref != nil || inn != nil || name != nil }
}

/// A document another one refers to (the invoice a payment settles, the order a shipment fulfils).
public struct DocumentReference: Sendable, Equatable {
    public var ref: String?
    public var number: String?
    public var date: CalendarDate?

    public init(ref: String? = nil, number: String? = nil, date: CalendarDate? = nil) {
        self.ref = ref
        self.number = number
        self.date = date
    }
}

/// Where a 1C object stood in its message: the line of its start tag and its XML path.
public struct XMLPosition: Sendable, Equatable {
    public var line: Int
    public var path: String

    public init(line: Int, path: String) {
        self.line = line
        self.path = path
    }
}

/// A row of `core.counterparties`, from `Справочник.Контрагенты` or a CommerceML `Контрагент`.
public struct CounterpartyRow: Sendable, Equatable {
    public var party: PartyReference
    public var bankAccount: String?
    public var bankCode: String?
    public var bankName: String?
    public var phone: String?
    public var email: String?
    public var address: String?
    /// Every contact line (`{"kind": value}`), as JSON.
    public var contactsJSON: String
    public var position: XMLPosition

    public init(party: PartyReference, bankAccount: String? = nil, bankCode: String? = nil,
                bankName: String? = nil, phone: String? = nil, email: String? = nil, address: String? = nil,
                contactsJSON: String = "{}", position: XMLPosition) {
        self.party = party
        self.bankAccount = bankAccount
        self.bankCode = bankCode
        self.bankName = bankName
        self.phone = phone
        self.email = email
        self.address = address
        self.contactsJSON = contactsJSON
        self.position = position
    }
}

/// A line of an invoice or shipment: goods, a service, or a delivery pseudo-line.
public struct DocumentLineRow: Sendable, Equatable {
    public var lineNo: Int
    /// `goods`, `services` or `delivery`.
    public var kind: String
    public var itemRef: String?
    public var itemName: String?
    public var sku: String?
    public var unit: String?
    public var quantity: ExactAmount?
    public var price: ExactAmount?
    public var amount: ExactAmount
    public var vatRate: String?
    public var vatAmount: ExactAmount?

    public init(lineNo: Int, kind: String, itemRef: String?, itemName: String?, sku: String? = nil,
                unit: String? = nil, quantity: ExactAmount?, price: ExactAmount?, amount: ExactAmount,
                vatRate: String?, vatAmount: ExactAmount?) {
        self.lineNo = lineNo
        self.kind = kind
        self.itemRef = itemRef
        self.itemName = itemName
        self.sku = sku
        self.unit = unit
        self.quantity = quantity
        self.price = price
        self.amount = amount
        self.vatRate = vatRate
        self.vatAmount = vatAmount
    }
}

/// The fields an invoice, a 1C payment and a shipment share: identity, date, parties, money.
public struct DocumentHeader: Sendable, Equatable {
    /// The sender's UUID, or (for a document sent without one) a key made of its type, number, date and
    /// organisation, which is how 1C itself finds such a document.
    public var ref: String
    public var number: String
    public var date: CalendarDate
    /// The format's name for the document (`Документ.СчетПокупателю`) or the CommerceML `ХозОперация`.
    public var documentKind: String
    public var organization: PartyReference?
    public var counterparty: PartyReference?
    public var amount: ExactAmount?
    /// ISO 4217 alphabetic code (`UZS`), or the code as written when it cannot be translated.
    public var currency: String?
    public var comment: String?
    /// Other properties kept as JSON (CommerceML `ЗначенияРеквизитов`, 1C settlement details).
    public var attributesJSON: String
    /// A deletion mark carried by the document itself (CommerceML `ПометкаУдаления`).
    public var deleted: Bool
    public var position: XMLPosition

    public init(ref: String, number: String, date: CalendarDate, documentKind: String,
                organization: PartyReference? = nil, counterparty: PartyReference?, amount: ExactAmount?,
                currency: String?, comment: String? = nil, attributesJSON: String = "{}", deleted: Bool = false,
                position: XMLPosition) {
        self.ref = ref
        self.number = number
        self.date = date
        self.documentKind = documentKind
        self.organization = organization
        self.counterparty = counterparty
        self.amount = amount
        self.currency = currency
        self.comment = comment
        self.attributesJSON = attributesJSON
        self.deleted = deleted
        self.position = position
    }
}

/// A row of `core.invoices` with its lines (`core.invoice_lines`).
public struct InvoiceRow: Sendable, Equatable {
    public var header: DocumentHeader
    public var dueOn: CalendarDate?
    public var amountIncludesVAT: Bool?
    public var contract: String?
    public var lines: [DocumentLineRow]

    public init(header: DocumentHeader, dueOn: CalendarDate? = nil, amountIncludesVAT: Bool? = nil,
                contract: String? = nil, lines: [DocumentLineRow]) {
        self.header = header
        self.dueOn = dueOn
        self.amountIncludesVAT = amountIncludesVAT
        self.contract = contract
        self.lines = lines
    }
}

/// A row of `core.supplier_invoices`: what we owe a supplier (`Документ.ПоступлениеТоваровУслуг`, the supplier's
/// bill `Документ.СчетНаОплатуПоставщика`).
public struct SupplierInvoiceRow: Sendable, Equatable {
    public var header: DocumentHeader
    /// The supplier's own number and date of the document: what our payment orders cite.
    public var supplierNumber: String?
    public var supplierDate: CalendarDate?
    public var contract: String?

    public init(header: DocumentHeader, supplierNumber: String? = nil, supplierDate: CalendarDate? = nil,
                contract: String? = nil) {
        self.header = header
        self.supplierNumber = supplierNumber
        self.supplierDate = supplierDate
        self.contract = contract
    }
}

/// A row of `core.payments_1c`: a bank payment as booked in 1C, incoming (`ПБДС*`) or outgoing (`СБДС*`).
public struct PaymentRow: Sendable, Equatable {
    public var header: DocumentHeader
    /// The invoice (or order) the payment settles, when the document names one.
    public var settles: DocumentReference?
    public var contract: String?
    public var purpose: String?
    public var incomingNumber: String?
    public var incomingDate: CalendarDate?
    public var ourAccount: String?

    public init(header: DocumentHeader, settles: DocumentReference?, contract: String? = nil,
                purpose: String? = nil, incomingNumber: String? = nil, incomingDate: CalendarDate? = nil,
                ourAccount: String? = nil) {
        self.header = header
        self.settles = settles
        self.contract = contract
        self.purpose = purpose
        self.incomingNumber = incomingNumber
        self.incomingDate = incomingDate
        self.ourAccount = ourAccount
    }
}

/// A row of `core.shipments` (`Документ.РеализацияТоваровУслуг`, CommerceML "Отпуск товара").
public struct ShipmentRow: Sendable, Equatable {
    public var header: DocumentHeader
    /// The invoice the shipment names (`СчетПокупателю`, or the order in CommerceML).
    public var invoice: DocumentReference?
    public var lines: [DocumentLineRow]

    public init(header: DocumentHeader, invoice: DocumentReference?, lines: [DocumentLineRow]) {
        self.header = header
        self.invoice = invoice
        self.lines = lines
    }
}

/// `УдалениеОбъекта`: mark the referenced object deleted once the whole message is read.
public struct DeletionRow: Sendable, Equatable {
    /// The reference kind as the format names it (`КонтрагентыСсылка`, `СчетПокупателюСсылка`, …).
    public var referenceKind: String
    public var ref: String
    public var position: XMLPosition

    public init(referenceKind: String, ref: String, position: XMLPosition) {
        self.referenceKind = referenceKind
        self.ref = ref
        self.position = position
    }
}

/// What one 1C object becomes in `core`.
public enum OneCRow: Sendable, Equatable {
    case counterparty(CounterpartyRow)
    case invoice(InvoiceRow)
    case payment(PaymentRow)
    case shipment(ShipmentRow)
    case supplierInvoice(SupplierInvoiceRow)
    case deletion(DeletionRow)
    /// 1C:ZUP's staff objects (`zup-enterprisedata`).
    case staff(StaffRow)
}

/// Every object received, as received, for `raw.onec_objects`: the versions history of each object.
public struct RawObjectRow: Sendable, Equatable {
    public enum Disposition: String, Sendable {
        case mapped, skipped, quarantined, deletion
    }

    public var objectType: String
    public var ref: String?
    public var disposition: Disposition
    /// The object's properties as JSON, built only for a quarantined object: the message's bytes are kept
    /// whole in `raw`, so other objects need no copy of their own.
    public var json: String?
    public var position: XMLPosition
    /// Where the object's text stands in the message file (bytes); length 0 when not known.
    public var byteOffset: Int64
    public var byteLength: Int64

    public init(objectType: String, ref: String?, disposition: Disposition, json: String? = nil,
                position: XMLPosition, byteOffset: Int64 = 0, byteLength: Int64 = 0) {
        self.objectType = objectType
        self.ref = ref
        self.disposition = disposition
        self.json = json
        self.position = position
        self.byteOffset = byteOffset
        self.byteLength = byteLength
    }
}
