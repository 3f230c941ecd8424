import Foundation

/// Which side of the books a reconciliation pass works on: our invoices to clients, or suppliers' invoices to us.
public enum LedgerSide: String, Sendable, Hashable {
    case receivables, payables
}

/// An invoice that still has money to receive, as the reconciliation engine sees it.
public struct OpenInvoice: Sendable, Equatable {
    public var id: Int64
    public var number: String
    public var issuedOn: CalendarDate
    public var dueOn: CalendarDate?
    /// The client's INN (or PINFL), from the invoice or its counterparty.
    public var counterpartyINN: String?
    public var currency: String?
    public var amount: Decimal
    /// What is left to pay after the `auto` and `confirmed` allocations already made.
    public var residual: Decimal
    /// The client's name, to say whom a third party paid for ("за ООО …").
    public var counterpartyName: String?
    /// The contract the invoice was issued under, when 1C names one: an advance under it pays it first.
    public var contract: String?

    public init(id: Int64, number: String, issuedOn: CalendarDate, dueOn: CalendarDate?, counterpartyINN: String?,
                currency: String?, amount: Decimal, residual: Decimal, counterpartyName: String? = nil,
                contract: String? = nil) {
        self.counterpartyName = counterpartyName
        self.contract = contract
        self.id = id
        self.number = number
        self.issuedOn = issuedOn
        self.dueOn = dueOn
        self.counterpartyINN = counterpartyINN
        self.currency = currency
        self.amount = amount
        self.residual = residual
    }
}

/// A bank line to reconcile, with its counterparty already resolved by the warehouse (INN/PINFL, then
/// account + MFO, then name).
public struct PaymentToMatch: Sendable, Equatable {
    /// A structured remittance entry: the document the payer named and the amount meant for it.
    public struct Structured: Sendable, Equatable {
        public var number: String
        public var amount: Decimal?
        public init(number: String, amount: Decimal?) {
            self.number = number
            self.amount = amount
        }
    }

    public var id: Int64
    public var direction: TransactionDirection
    /// `payment`, `return` or `reversal`.
    public var entryKind: String
    public var amount: Decimal
    public var currency: String?
    public var bookedOn: CalendarDate
    public var valueDate: CalendarDate?
    /// The payer's INN/PINFL, as resolved; nil when unknown.
    public var counterpartyINN: String?
    /// `inn`, `account` or `name`: how the payer was recognised.
    public var resolvedBy: String?
    public var counterpartyName: String?
    /// Numbers that identify the payer (INN, account) and must not be read as invoice numbers.
    public var ownNumbers: [String]
    public var purpose: String?
    public var structured: [Structured]
    public var endToEndID: String?
    public var bankTransactionCode: String?
    public var returnReason: String?
    /// For a return or reversal: the bank line it undoes (found by the payment order's number).
    public var linkedTransactionID: Int64?
    /// What that line paid (invoice id, amount), auto and confirmed allocations only.
    public var linkedAllocations: [(invoiceID: Int64, amount: Decimal)]
    /// Invoices the accountant rejected for this payment: never proposed again.
    public var rejectedInvoiceIDs: Set<Int64>
    /// The accountant rejected an advance for this payment.
    public var advanceRejected: Bool
    /// What the payer instructed in another currency than the line's, as the bank states it (camt
    /// `AmtDtls/InstdAmt`): the bank's own conversion.
    public var instructed: (amount: Decimal, currency: String)?
    /// The registry file a payment agent sent for this line (`payment-registry`), adding up to its amount: the
    /// payers it pays for, in order.
    public var registryFile: (reference: String, entries: [RegistryEntry])?
    /// Whether a return or reversal may name this line as the one it undoes: what the line pays automatically is
    /// then remembered until that return is decided. True unless the warehouse knows that no return names it (a
    /// memory of every automatic payment of a run was 20 MB at a million lines).
    public var mayBeReturned = true

    /// One payer of a payment agent's registry.
    public struct RegistryEntry: Sendable, Equatable {
        public var position: Int
        /// INN (9 digits) or PINFL (14).
        public var taxID: String
        public var name: String
        public var amount: Decimal
        public var purpose: String

        public init(position: Int, taxID: String, name: String, amount: Decimal, purpose: String) {
            self.position = position
            self.taxID = taxID
            self.name = name
            self.amount = amount
            self.purpose = purpose
        }
    }

    public init(
        id: Int64, direction: TransactionDirection, entryKind: String = "payment", amount: Decimal,
        currency: String? = "UZS", bookedOn: CalendarDate, valueDate: CalendarDate? = nil,
        counterpartyINN: String? = nil, resolvedBy: String? = nil, counterpartyName: String? = nil,
        ownNumbers: [String] = [], purpose: String? = nil, structured: [Structured] = [], endToEndID: String? = nil,
        bankTransactionCode: String? = nil, returnReason: String? = nil, linkedTransactionID: Int64? = nil,
        linkedAllocations: [(invoiceID: Int64, amount: Decimal)] = [], rejectedInvoiceIDs: Set<Int64> = [],
        advanceRejected: Bool = false
    ) {
        self.id = id
        self.direction = direction
        self.entryKind = entryKind
        self.amount = amount
        self.currency = currency
        self.bookedOn = bookedOn
        self.valueDate = valueDate
        self.counterpartyINN = counterpartyINN
        self.resolvedBy = resolvedBy
        self.counterpartyName = counterpartyName
        self.ownNumbers = ownNumbers
        self.purpose = purpose
        self.structured = structured
        self.endToEndID = endToEndID
        self.bankTransactionCode = bankTransactionCode
        self.returnReason = returnReason
        self.linkedTransactionID = linkedTransactionID
        self.linkedAllocations = linkedAllocations
        self.rejectedInvoiceIDs = rejectedInvoiceIDs
        self.advanceRejected = advanceRejected
    }

    public static func == (lhs: PaymentToMatch, rhs: PaymentToMatch) -> Bool {
        lhs.id == rhs.id && lhs.amount == rhs.amount && lhs.purpose == rhs.purpose
            && lhs.counterpartyINN == rhs.counterpartyINN && lhs.structured == rhs.structured
    }
}

/// How sure the engine is, and so what happens: `auto` allocations count as paid at once, `suggested` ones
/// wait for the accountant, `hint` is below the review threshold and only explains an unmatched line.
public enum MatchStatus: String, Sendable {
    case auto
    case suggested
    case hint
}

/// A share of a payment proposed (or made) for an invoice.
public struct ProposedAllocation: Sendable, Equatable {
    public var paymentID: Int64
    public var invoiceID: Int64
    public var amount: Decimal
    public var writtenOff: Decimal
    public var rule: String
    public var confidence: Double
    public var status: MatchStatus
    public var explanation: String
    /// Set when the money is a customer advance kept earlier, offset against this invoice (`paymentID` is then
    /// the advance's bank line).
    public var advanceID: Int64?
    /// Set when the line is in another currency than the invoice: what the allocation took of the line, in the
    /// line's currency, at what rate, and the exchange difference (`CurrencyConversion`).
    public var conversion: CurrencyConversion?

    public init(paymentID: Int64, invoiceID: Int64, amount: Decimal, writtenOff: Decimal = 0, rule: String,
                confidence: Double, status: MatchStatus, explanation: String, advanceID: Int64? = nil) {
        self.advanceID = advanceID
        self.paymentID = paymentID
        self.invoiceID = invoiceID
        self.amount = amount
        self.writtenOff = writtenOff
        self.rule = rule
        self.confidence = confidence
        self.status = status
        self.explanation = explanation
    }
}

/// How a share of a line in one currency paid an invoice in another: `amount` of the allocation (invoice
/// currency) cost `paidAmount` of the line (its currency) at `rate` units of the line's currency per unit of the
/// invoice's. The exchange difference is kept apart, never folded into the allocation: the line's value minus
/// the invoice share's value when it was issued, both in the base currency at the central bank's rates.
public struct CurrencyConversion: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The bank's own conversion (camt `AmtDtls/InstdAmt` with `CcyXchg`).
        case bank
        /// The central bank's rate for the day, from `crmhub import fx-rates`.
        case centralBank = "central_bank"
    }

    public var paidAmount: Decimal
    public var rate: Decimal
    public var source: Source
    /// In the base currency; nil when a rate it needs is not known.
    public var exchangeDifference: Decimal?

    public init(paidAmount: Decimal, rate: Decimal, source: Source, exchangeDifference: Decimal?) {
        self.paidAmount = paidAmount
        self.rate = rate
        self.source = source
        self.exchangeDifference = exchangeDifference
    }
}

/// The central bank's rates by day: units of the base currency (UZS for the Central Bank of Uzbekistan) per one
/// unit of each other currency. A day without a published rate (a weekend, a holiday) takes the latest earlier
/// one, up to `maxAgeDays` back.
public struct ExchangeRates: Sendable, Equatable {
    public var base: String
    public var maxAgeDays: Int
    /// Currency → (day number, rate per unit), in day order.
    private var byCurrency: [String: [(day: Int, rate: Decimal)]] = [:]
    /// Client INN → the one currency all their invoices are in, paid ones included (clients with invoices in
    /// several currencies, or without one, are absent): what a payment in another currency is converted into.
    /// The warehouse sets it, so that whether a line is converted does not depend on which invoices a run has
    /// paid (a rerun would otherwise convert differently); nil: the engine takes it from the open invoices.
    public var invoiceCurrencies: [String: String]?

    public init(base: String = "UZS", maxAgeDays: Int = 7) {
        self.base = base
        self.maxAgeDays = maxAgeDays
    }

    public var isEmpty: Bool { byCurrency.isEmpty }

    /// Adds a published rate: `rate` base units for `nominal` units of `currency` (the central bank quotes some
    /// currencies per 10 or 100).
    public mutating func add(currency: String, on day: CalendarDate, rate: Decimal, nominal: Int) {
        guard nominal > 0, rate > 0 else { return }
        byCurrency[currency, default: []].append((day.dayNumber, rate / Decimal(nominal)))
    }

    /// Call once every rate is added.
    public mutating func sort() {
        for key in byCurrency.keys { byCurrency[key]!.sort { $0.day < $1.day } }
    }

    /// Base units per one unit of `currency` on `day` (1 for the base itself).
    public func rate(of currency: String, on day: CalendarDate) -> Decimal? {
        if currency == base { return 1 }
        guard let rates = byCurrency[currency] else { return nil }
        let target = day.dayNumber
        var low = 0, high = rates.count
        while low < high {
            let middle = (low + high) / 2
            if rates[middle].day <= target { low = middle + 1 } else { high = middle }
        }
        guard low > 0, target - rates[low - 1].day <= maxAgeDays else { return nil }
        return rates[low - 1].rate
    }

    public static func == (lhs: ExchangeRates, rhs: ExchangeRates) -> Bool {
        lhs.base == rhs.base && lhs.maxAgeDays == rhs.maxAgeDays && lhs.invoiceCurrencies == rhs.invoiceCurrencies
            && lhs.byCurrency.mapValues { $0.map(\.day) } == rhs.byCurrency.mapValues { $0.map(\.day) }
            && lhs.byCurrency.mapValues { $0.map(\.rate) } == rhs.byCurrency.mapValues { $0.map(\.rate) }
    }
}

/// Money kept for a client with no invoice to pay (yet).
public struct ProposedAdvance: Sendable, Equatable {
    public var paymentID: Int64
    public var counterpartyINN: String?
    public var amount: Decimal
    public var contract: String?
    public var rule: String
    public var confidence: Double
    public var status: MatchStatus
    public var explanation: String

    public init(paymentID: Int64, counterpartyINN: String?, amount: Decimal, contract: String?, rule: String,
                confidence: Double, status: MatchStatus, explanation: String) {
        self.paymentID = paymentID
        self.counterpartyINN = counterpartyINN
        self.amount = amount
        self.contract = contract
        self.rule = rule
        self.confidence = confidence
        self.status = status
        self.explanation = explanation
    }
}

/// A customer advance (a prepayment or an overpayment's surplus) the accountant has, or the rules have, kept,
/// with money left to offset against the client's later invoices.
public struct OpenAdvance: Sendable, Equatable {
    public var id: Int64
    /// The bank line that brought the money.
    public var paymentID: Int64
    public var counterpartyINN: String
    public var contract: String?
    public var bookedOn: CalendarDate
    public var currency: String?
    /// What is left after the offsets already made (auto and confirmed).
    public var remaining: Decimal
    /// Invoices the accountant rejected for this advance.
    public var rejectedInvoiceIDs: Set<Int64>

    public init(id: Int64, paymentID: Int64, counterpartyINN: String, contract: String?, bookedOn: CalendarDate,
                currency: String?, remaining: Decimal, rejectedInvoiceIDs: Set<Int64> = []) {
        self.id = id
        self.paymentID = paymentID
        self.counterpartyINN = counterpartyINN
        self.contract = contract
        self.bookedOn = bookedOn
        self.currency = currency
        self.remaining = remaining
        self.rejectedInvoiceIDs = rejectedInvoiceIDs
    }
}

/// What the engine concluded for one bank line.
public struct PaymentDecision: Sendable, Equatable {
    /// `matched`, `review`, `unmatched`, `bank` or `own_payment` (`core.payment_reconciliation.outcome`).
    public var outcome: String
    public var rule: String?
    public var confidence: Double?
    public var explanation: String
    public var allocations: [ProposedAllocation]
    public var advance: ProposedAdvance?

    public init(outcome: String, rule: String? = nil, confidence: Double? = nil, explanation: String,
                allocations: [ProposedAllocation] = [], advance: ProposedAdvance? = nil) {
        self.outcome = outcome
        self.rule = rule
        self.confidence = confidence
        self.explanation = explanation
        self.allocations = allocations
        self.advance = advance
    }
}

/// Decides what bank lines pay, one at a time in booking order (the engine: `PaymentMatcher` in Mapping).
public protocol PaymentDecider {
    mutating func decide(_ payment: PaymentToMatch) -> PaymentDecision
    /// After every line: what the open advances pay of the clients' later invoices (oldest first).
    mutating func offset(_ advances: [OpenAdvance]) -> [ProposedAllocation]
    /// How many lines each rule decided (`none` when no rule applied).
    var ruleCounts: [String: Int] { get }
    /// The invoices this run's automatic allocations paid in full: proposals for them cannot be right any more.
    var paidInFull: [Int64] { get }
}
