/// Which way money moved on our account.
public enum TransactionDirection: String, Sendable, Hashable {
    case incoming = "in"
    case outgoing = "out"
}

/// One movement on one of our bank accounts: a row of `core.bank_transactions`.
///
/// Produced by Mapping from a connector's document, loaded by CRMWarehouse. `baseKey` is the natural key
/// without the occurrence counter (see `NaturalKey`); the warehouse numbers identical keys within a file.
public struct BankTransactionRow: Sendable, Equatable {
    public var account: String
    public var direction: TransactionDirection
    public var docKind: String
    public var docNumber: String
    public var docDate: CalendarDate
    public var amount: ExactAmount
    /// ISO 4217 alphabetic code, derived from the account's currency digits; nil when it cannot be told.
    public var currency: String?
    public var counterpartyINN: String?
    public var counterpartyPINFL: String?
    public var counterpartyName: String?
    public var counterpartyAccount: String?
    public var counterpartyBankCode: String?
    public var counterpartyBankName: String?
    public var purpose: String?
    /// The 5-digit payment-purpose code Uzbek payment orders put at the start of the purpose.
    public var paymentCode: String?
    public var bookedOn: CalendarDate
    public var payerAccount: String?
    public var payerINN: String?
    public var payerName: String?
    public var payerBankCode: String?
    public var payeeAccount: String?
    public var payeeINN: String?
    public var payeeName: String?
    public var payeeBankCode: String?
    public var writtenOffOn: CalendarDate?
    public var creditedOn: CalendarDate?
    /// `ВидОплаты`: the operation kind (`01` payment order, `17` bank order, …).
    public var operationKind: String?
    public var priority: String?
    /// `Код`: the unique payment identifier, nil when empty or `0`.
    public var paymentID: String?
    /// `НомерСчетаПоставщика`: the supplier's invoice number, when the payer filled it.
    public var supplierInvoiceNumber: String?
    /// Every key of the document that has no column of its own, as a JSON object (`{}` when none).
    public var attributesJSON: String
    /// Hex of the natural key hash without the occurrence counter.
    public var baseKey: String
    /// Line where the document section starts in the source file.
    public var sourceLine: Int

    // What camt.053 and MT940 add (nil for 1CClientBankExchange). When `entryReference` is set, `baseKey` is
    // made from it (the bank's own reference), so the same booking from two formats or files is one row.

    /// The bank's unique reference of this movement (camt `AcctSvcrRef`, MT940 `//` reference).
    public var bankReference: String? = nil
    /// The booking's reference, shared by the lines of one camt batch entry.
    public var entryReference: String? = nil
    /// The payment order's number (camt `EndToEndId`, MT940 reference for the account owner).
    public var endToEndID: String? = nil
    public var bankTransactionCode: String? = nil
    /// `payment`, `return` or `reversal`.
    public var entryKind: String = "payment"
    public var returnReason: String? = nil
    public var valueDate: CalendarDate? = nil
    /// Structured remittance as a JSON array, nil when none.
    public var structuredReferencesJSON: String? = nil

    public init(
        account: String, direction: TransactionDirection, docKind: String, docNumber: String,
        docDate: CalendarDate, amount: ExactAmount, currency: String?, counterpartyINN: String?,
        counterpartyPINFL: String?, counterpartyName: String?, counterpartyAccount: String?,
        counterpartyBankCode: String?, counterpartyBankName: String?, purpose: String?, paymentCode: String?,
        bookedOn: CalendarDate, payerAccount: String?, payerINN: String?, payerName: String?,
        payerBankCode: String?, payeeAccount: String?, payeeINN: String?, payeeName: String?,
        payeeBankCode: String?, writtenOffOn: CalendarDate?, creditedOn: CalendarDate?,
        operationKind: String?, priority: String?, paymentID: String?, supplierInvoiceNumber: String?,
        attributesJSON: String, baseKey: String, sourceLine: Int
    ) {
        self.account = account
        self.direction = direction
        self.docKind = docKind
        self.docNumber = docNumber
        self.docDate = docDate
        self.amount = amount
        self.currency = currency
        self.counterpartyINN = counterpartyINN
        self.counterpartyPINFL = counterpartyPINFL
        self.counterpartyName = counterpartyName
        self.counterpartyAccount = counterpartyAccount
        self.counterpartyBankCode = counterpartyBankCode
        self.counterpartyBankName = counterpartyBankName
        self.purpose = purpose
        self.paymentCode = paymentCode
        self.bookedOn = bookedOn
        self.payerAccount = payerAccount
        self.payerINN = payerINN
        self.payerName = payerName
        self.payerBankCode = payerBankCode
        self.payeeAccount = payeeAccount
        self.payeeINN = payeeINN
        self.payeeName = payeeName
        self.payeeBankCode = payeeBankCode
        self.writtenOffOn = writtenOffOn
        self.creditedOn = creditedOn
        self.operationKind = operationKind
        self.priority = priority
        self.paymentID = paymentID
        self.supplierInvoiceNumber = supplierInvoiceNumber
        self.attributesJSON = attributesJSON
        self.baseKey = baseKey
        self.sourceLine = sourceLine
    }
}

/// One balance section of a statement: a row of `core.bank_balances`.
public struct BankBalanceRow: Sendable, Equatable {
    public var account: String
    public var periodStart: CalendarDate
    public var periodEnd: CalendarDate
    public var opening: ExactAmount
    public var credited: ExactAmount
    public var debited: ExactAmount
    public var closing: ExactAmount
    public var currency: String?
    public var sourceLine: Int

    public init(
        account: String, periodStart: CalendarDate, periodEnd: CalendarDate, opening: ExactAmount,
        credited: ExactAmount, debited: ExactAmount, closing: ExactAmount, currency: String?, sourceLine: Int
    ) {
        self.account = account
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.opening = opening
        self.credited = credited
        self.debited = debited
        self.closing = closing
        self.currency = currency
        self.sourceLine = sourceLine
    }
}

/// A record that could not be loaded, kept whole in `ops.quarantine` so it can be fixed and replayed.
public struct QuarantinedRecord: Sendable, Equatable {
    /// Line where the record starts in the source.
    public var line: Int
    /// What kind of record it was (`document`, `balance`, `header`).
    public var recordKind: String
    public var reason: String
    public var field: String?
    /// The record's text as it stood in the file, decoded to UTF-8 (for XML: the element as JSON).
    public var raw: String
    /// For XML sources, where the record stands (`Message/Body/Документ.СчетПокупателю[3]/Сумма`).
    public var path: String?

    public init(line: Int, recordKind: String, reason: String, field: String? = nil, raw: String,
                path: String? = nil) {
        self.path = path
        self.line = line
        self.recordKind = recordKind
        self.reason = reason
        self.field = field
        self.raw = raw
    }
}
