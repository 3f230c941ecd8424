import HubCore

/// The general-information block at the top of a 1CClientBankExchange file.
public struct StatementHeader: Sendable, Equatable {
    public var formatVersion: String?
    /// `Кодировка` as written (`Windows`, `DOS`, …).
    public var declaredEncoding: String?
    public var sender: String?
    public var receiver: String?
    public var createdOn: CalendarDate?
    public var createdAt: String?
    public var periodStart: CalendarDate?
    public var periodEnd: CalendarDate?
    /// `РасчСчет` lines: our accounts the file covers (the key repeats, one line per account).
    public var accounts: [String] = []
    /// `Документ` lines: document kinds the file carries.
    public var documentKinds: [String] = []
    /// Every header line in order, as written.
    public var fields: [(key: String, value: String)] = []

    public init() {}

    public static func == (lhs: StatementHeader, rhs: StatementHeader) -> Bool {
        lhs.formatVersion == rhs.formatVersion && lhs.declaredEncoding == rhs.declaredEncoding
            && lhs.sender == rhs.sender && lhs.receiver == rhs.receiver && lhs.accounts == rhs.accounts
            && lhs.periodStart == rhs.periodStart && lhs.periodEnd == rhs.periodEnd
            && lhs.documentKinds == rhs.documentKinds
            && lhs.fields.map(\.key) == rhs.fields.map(\.key) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }
}

/// One `СекцияРасчСчет`: an account's balances over a period (real banks send one per account per day).
public struct StatementBalance: Sendable, Equatable {
    public var account: String
    public var periodStart: CalendarDate
    public var periodEnd: CalendarDate
    public var opening: ExactAmount
    public var credited: ExactAmount
    public var debited: ExactAmount
    public var closing: ExactAmount
    /// Line of the `СекцияРасчСчет` marker.
    public var line: Int
}

/// One side of a payment: payer or payee.
public struct PaymentParty: Sendable, Equatable {
    /// `…Счет`: the account the money left or reached.
    public var account: String?
    /// `…РасчСчет`: the party's own settlement account (differs from `account` in indirect settlements).
    public var checkingAccount: String?
    /// `…ИНН` (alias `…ОКПО`): a 9-digit Uzbek INN, a 10/12-digit Russian one, or a 14-digit PINFL.
    public var taxID: String?
    /// `…1`, or the name part of the combined `Плательщик=ИНН … Name` line.
    public var name: String?
    public var bankName: String?
    /// `…МФО` (5-digit Uzbek bank code) or `…БИК`.
    public var bankCode: String?

    public init(
        account: String? = nil, checkingAccount: String? = nil, taxID: String? = nil, name: String? = nil,
        bankName: String? = nil, bankCode: String? = nil
    ) {
        self.account = account
        self.checkingAccount = checkingAccount
        self.taxID = taxID
        self.name = name
        self.bankName = bankName
        self.bankCode = bankCode
    }
}

/// One `СекцияДокумент=<kind>` with its fields typed and validated.
public struct StatementDocument: Sendable, Equatable {
    /// The section's kind as written (`Платежное поручение`, `Банковский ордер`, …): an open set.
    public var kind: String
    /// Alphanumeric: kept as text.
    public var number: String
    public var date: CalendarDate
    public var amount: ExactAmount
    public var payer: PaymentParty
    public var payee: PaymentParty
    public var writtenOffOn: CalendarDate?
    public var creditedOn: CalendarDate?
    public var operationKind: String?
    public var priority: String?
    /// `Код`; `0` means empty.
    public var paymentID: String?
    public var supplierInvoiceNumber: String?
    /// `НазначениеПлатежа`, or the `НазначениеПлатежа1…6` lines joined with spaces when it is empty.
    public var purpose: String?
    /// Every key without a typed field, in file order, as written.
    public var otherFields: [(key: String, value: String)]
    /// Line of the `СекцияДокумент` marker.
    public var line: Int

    public init(
        kind: String, number: String, date: CalendarDate, amount: ExactAmount, payer: PaymentParty,
        payee: PaymentParty, writtenOffOn: CalendarDate?, creditedOn: CalendarDate?, operationKind: String?,
        priority: String?, paymentID: String?, supplierInvoiceNumber: String?, purpose: String?,
        otherFields: [(key: String, value: String)], line: Int
    ) {
        self.kind = kind
        self.number = number
        self.date = date
        self.amount = amount
        self.payer = payer
        self.payee = payee
        self.writtenOffOn = writtenOffOn
        self.creditedOn = creditedOn
        self.operationKind = operationKind
        self.priority = priority
        self.paymentID = paymentID
        self.supplierInvoiceNumber = supplierInvoiceNumber
        self.purpose = purpose
        self.otherFields = otherFields
        self.line = line
    }

    public static func == (lhs: StatementDocument, rhs: StatementDocument) -> Bool {
        lhs.kind == rhs.kind && lhs.number == rhs.number && lhs.date == rhs.date && lhs.amount == rhs.amount
            && lhs.payer == rhs.payer && lhs.payee == rhs.payee && lhs.writtenOffOn == rhs.writtenOffOn
            && lhs.creditedOn == rhs.creditedOn && lhs.purpose == rhs.purpose && lhs.line == rhs.line
            && lhs.otherFields.map(\.key) == rhs.otherFields.map(\.key)
            && lhs.otherFields.map(\.value) == rhs.otherFields.map(\.value)
    }
}

/// A section or line that cannot be read, kept whole with the reason, for quarantine.
public struct RejectedSection: Sendable, Equatable {
    /// 1CClientBankExchange: `document`, `balance`, `header` or `trailer`; camt.053: `entry`, `balance` or
    /// `statement` (totals that do not add up); MT940: `line` (a `:61:`), `balance` or `statement`.
    public var kind: String
    /// Line where the section starts.
    public var line: Int
    public var reason: String
    /// The key whose value was wrong, when one was.
    public var field: String?
    /// The section's lines as they stood in the file (decoded), joined with `\n`.
    public var raw: String
}

/// What the reader hands out, in file order.
public enum ClientBankExchangeRecord: Sendable, Equatable {
    /// The header; emitted once, when the first section starts (or at the end of a file without sections).
    case header(StatementHeader)
    case balance(StatementBalance)
    case document(StatementDocument)
    case rejected(RejectedSection)
}
