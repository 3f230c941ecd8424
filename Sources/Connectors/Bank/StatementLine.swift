import HubCore

/// What the camt.053 and MT940 readers hand out, in file order: one internal model for both formats (and every
/// camt version), so that mapping and loading do not care which format a bank sent.
public enum BankStatementRecord: Sendable, Equatable {
    /// A statement starts (camt `Stmt`, MT940 message): emitted before its balances and lines.
    case statement(StatementInfo)
    case balance(StatementBalanceLine)
    case line(StatementLine)
    /// Something that cannot be read (a malformed entry, an amount that is not a number), kept whole for
    /// quarantine; the rest of the file goes on.
    case rejected(RejectedSection)
}

/// The header of one statement inside a file.
public struct StatementInfo: Sendable, Equatable {
    /// `camt.053.001.08`, `camt.053.001.02`, … (from the namespace) or `MT940`.
    public var format: String
    /// camt `GrpHdr/MsgId`; MT940 `:20:`.
    public var messageID: String?
    /// camt `Stmt/Id`; MT940 `:20:`.
    public var statementID: String?
    /// camt `ElctrncSeqNb` (else `LglSeqNb`); MT940 `:28C:` (`45/1`).
    public var sequenceNumber: String?
    /// camt `Stmt/CreDtTm` or `GrpHdr/CreDtTm`, as written; nil for MT940.
    public var createdAt: String?
    /// camt `FrToDt/FrDtTm` (date part); nil for MT940, which states no period (its balances carry dates).
    public var periodStart: CalendarDate?
    /// camt `FrToDt/ToDtTm` (date part); nil for MT940.
    public var periodEnd: CalendarDate?
    /// Our account: camt `Acct/Id/IBAN` or `Acct/Id/Othr/Id`; MT940 `:25:` without a leading `MFO/` or `BIC/`.
    public var account: String
    /// camt `Acct/Ccy`; MT940 the currency of `:60F:`.
    public var currency: String?
    /// Our bank's MFO / clearing member id (camt `Svcr/FinInstnId/ClrSysMmbId/MmbId`; MT940 the `01099/` part of `:25:`,
    /// or the BIC when `:25:` is written `BIC/account`).
    public var bankCode: String?
    public var ownerName: String?
    public var ownerTaxID: String?
    public var line: Int

    public init(format: String, messageID: String? = nil, statementID: String? = nil, sequenceNumber: String? = nil,
                createdAt: String? = nil, periodStart: CalendarDate? = nil, periodEnd: CalendarDate? = nil,
                account: String, currency: String? = nil, bankCode: String? = nil, ownerName: String? = nil,
                ownerTaxID: String? = nil, line: Int) {
        self.format = format
        self.messageID = messageID
        self.statementID = statementID
        self.sequenceNumber = sequenceNumber
        self.createdAt = createdAt
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.account = account
        self.currency = currency
        self.bankCode = bankCode
        self.ownerName = ownerName
        self.ownerTaxID = ownerTaxID
        self.line = line
    }
}

/// A balance of a statement: camt `Bal` (type code `OPBD`, `PRCD`, `CLBD`, `ITBD`, `CLAV`, …) or MT940
/// `:60F:`/`:60M:` (`opening`), `:62F:`/`:62M:` (`closing`), `:64:` (`available`), `:65:` (`forward`).
public struct StatementBalanceLine: Sendable, Equatable {
    public enum Role: String, Sendable {
        case opening, closing, available, forward, other
    }
    public var role: Role
    /// The code as written: `OPBD`, `CLBD`, `60F`, `62M`, …
    public var code: String
    /// Signed: a debit balance (overdraft, `DBIT` / `D`) is negative.
    public var amount: ExactAmount
    public var currency: String?
    public var date: CalendarDate
    public var line: Int

    public init(role: Role, code: String, amount: ExactAmount, currency: String?, date: CalendarDate, line: Int) {
        self.role = role
        self.code = code
        self.amount = amount
        self.currency = currency
        self.date = date
        self.line = line
    }
}

/// A document a payer points to in structured remittance: camt `RmtInf/Strd` (`RfrdDocInf/Nb`,
/// `CdtrRefInf/Ref`, `RfrdDocAmt/RmtdAmt`).
public struct StructuredReference: Sendable, Equatable {
    /// `RfrdDocInf/Nb`: the invoice number as the payer wrote it.
    public var documentNumber: String?
    /// `RfrdDocInf/Tp/CdOrPrtry/Cd` (`CINV`, `CREN`, …) or `Prtry`.
    public var documentType: String?
    /// `CdtrRefInf/Ref`: the creditor's reference (an ISO 11649 `RF…` or our own invoice reference).
    public var creditorReference: String?
    /// `RfrdDocAmt/RmtdAmt`: how much of this payment is for this document.
    public var remittedAmount: ExactAmount?

    public init(documentNumber: String? = nil, documentType: String? = nil, creditorReference: String? = nil,
                remittedAmount: ExactAmount? = nil) {
        self.documentNumber = documentNumber
        self.documentType = documentType
        self.creditorReference = creditorReference
        self.remittedAmount = remittedAmount
    }
}

/// One movement on our account as the bank reports it: a camt `TxDtls` (a batch entry gives one line per
/// `TxDtls`, each keeping its entry's reference), a camt `Ntry` without `TxDtls`, or an MT940 `:61:` with its `:86:`.
public struct StatementLine: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An ordinary booking.
        case payment
        /// A payment sent back (camt `…/RRTN` bank transaction code or `RtrInf`; MT940 type `NRTI`).
        case `return`
        /// The bank undoing an earlier booking (camt `RvslInd=true`; MT940 `RC`/`RD` mark without `NRTI`).
        case reversal
    }

    /// Our account, as in the statement's header.
    public var account: String
    public var currency: String?
    /// The line's effect on our account: true when money came in (camt `CRDT`; MT940 `C`, or `RD`, the
    /// reversal of a debit). For a reversal this is the effect, not the original booking's side.
    public var isCredit: Bool
    /// Unsigned, as written (decimal comma in MT940 already turned into a point).
    public var amount: ExactAmount
    /// camt `BookgDt`; MT940 the entry date (`MMDD`, year inferred from the value date). Nil when the file
    /// has none (the mapping then uses the value date, then the statement's date).
    public var bookingDate: CalendarDate?
    /// camt `ValDt`; MT940 the `YYMMDD` value date.
    public var valueDate: CalendarDate?
    /// camt `Sts` (`BOOK`, `PDNG`, `INFO`; v08 `Sts/Cd`); MT940 lines are `BOOK`.
    public var status: String
    public var kind: Kind
    /// The bank's own unique reference of this movement: camt `TxDtls/Refs/AcctSvcrRef`, else
    /// `Ntry/AcctSvcrRef`; MT940 the `//` bank reference of `:61:`.
    public var bankReference: String?
    /// The reference of the booking the line belongs to: camt `Ntry/AcctSvcrRef` (not `NtryRef`, a position that repeats daily); MT940 the
    /// `//` bank reference. Equal to `bankReference` for a single entry; shared by the children of a batch.
    public var entryReference: String?
    /// 1-based position of this line among its entry's `TxDtls` (1 for a single entry).
    public var entryIndex: Int
    /// How many `TxDtls` the entry holds (1 for a single entry or MT940; camt `Btch/NbOfTxs` when larger).
    public var entryLineCount: Int
    /// The payment order's number: camt `Refs/EndToEndId` (`NOTPROVIDED` → nil); MT940 the reference for the
    /// account owner in `:61:` (`NONREF` → nil).
    public var endToEndID: String?
    /// camt `Refs/InstrId`.
    public var instructionID: String?
    /// camt `BkTxCd` as `Domain/Family/SubFamily` (`PMNT/RCDT/DMCT`, `ACMT/MDOP/CHRG`), else `Prtry/Cd`;
    /// MT940 the transaction type of `:61:` (`NTRF`, `NCHG`, `NRTI`, `S103`).
    public var bankTransactionCode: String?
    /// camt `Ntry/RvslInd`; MT940 `RC`/`RD`.
    public var reversalMark: Bool
    /// camt `RtrInf/Rsn/Cd` (or `Prtry`); MT940 `/RTRN/` codeword.
    public var returnReason: String?
    /// MT940 funds code (the letter after the D/C mark), when present.
    public var fundsCode: String?
    /// The other side: camt `RltdPties/Dbtr` on a credit, `Cdtr` on a debit (`Nm` or v08 `Pty/Nm`);
    /// MT940 `/ORDP/` on a credit, `/BENM/` on a debit (`account/MFO/name`).
    public var counterpartyName: String?
    /// INN (9 digits) or PINFL (14 digits), as written: camt `…/Id/OrgId/Othr/Id` or `PrvtId/Othr/Id`;
    /// MT940 `/INN/` (or `/PINFL/`).
    public var counterpartyTaxID: String?
    /// camt `DbtrAcct`/`CdtrAcct` `Id/IBAN` or `Id/Othr/Id`; MT940 the account in `/ORDP/` or `/BENM/`.
    public var counterpartyAccount: String?
    /// The counterparty's bank MFO: camt `RltdAgts/DbtrAgt` (credit) or `CdtrAgt` (debit)
    /// `FinInstnId/ClrSysMmbId/MmbId`; MT940 the MFO in `/ORDP/` or `/BENM/`.
    public var counterpartyBankCode: String?
    /// camt agent `BICFI` (v04+) or `BIC` (v02).
    public var counterpartyBankBIC: String?
    /// camt every `RmtInf/Ustrd`, in order; MT940 the `/REMI/` text (continuation lines joined without a
    /// separator, as banks wrap mid-word), or the whole `:86:` when it has no codewords.
    public var remittanceLines: [String]
    /// camt `RmtInf/Strd`, in order.
    public var structuredReferences: [StructuredReference]
    /// Other free text: camt `AddtlTxInf`, `AddtlNtryInf`, `RtrInf/AddtlInf`; MT940 the `:61:` supplementary
    /// details (its second line). Kept apart from the payer's purpose.
    public var additionalInfo: [String]
    /// MT940 only: the `:86:` lines as written (joined with `\n`), so nothing of the bank's text is lost.
    public var rawDetails: String?
    /// camt `AmtDtls/InstdAmt` with its `CcyXchg`: what the payer instructed in another currency than our
    /// account's, and the bank's rate. Nil when the statement gives none (MT940 never does).
    public var currencyExchange: CurrencyExchange?
    /// Line of the `TxDtls` (camt; the `Ntry` when there is none) or the `:61:` (MT940).
    public var line: Int
    /// camt: where the line stands, `Stmt[1]/Ntry[2]/TxDtls[3]`; nil for MT940.
    public var path: String?

    public init(
        account: String, currency: String?, isCredit: Bool, amount: ExactAmount, bookingDate: CalendarDate?,
        valueDate: CalendarDate?, status: String = "BOOK", kind: Kind = .payment, bankReference: String? = nil,
        entryReference: String? = nil, entryIndex: Int = 1, entryLineCount: Int = 1, endToEndID: String? = nil,
        instructionID: String? = nil, bankTransactionCode: String? = nil, reversalMark: Bool = false,
        returnReason: String? = nil, fundsCode: String? = nil, counterpartyName: String? = nil,
        counterpartyTaxID: String? = nil, counterpartyAccount: String? = nil, counterpartyBankCode: String? = nil,
        counterpartyBankBIC: String? = nil, remittanceLines: [String] = [],
        structuredReferences: [StructuredReference] = [], additionalInfo: [String] = [], rawDetails: String? = nil,
        line: Int, path: String? = nil
    ) {
        self.account = account
        self.currency = currency
        self.isCredit = isCredit
        self.amount = amount
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.status = status
        self.kind = kind
        self.bankReference = bankReference
        self.entryReference = entryReference
        self.entryIndex = entryIndex
        self.entryLineCount = entryLineCount
        self.endToEndID = endToEndID
        self.instructionID = instructionID
        self.bankTransactionCode = bankTransactionCode
        self.reversalMark = reversalMark
        self.returnReason = returnReason
        self.fundsCode = fundsCode
        self.counterpartyName = counterpartyName
        self.counterpartyTaxID = counterpartyTaxID
        self.counterpartyAccount = counterpartyAccount
        self.counterpartyBankCode = counterpartyBankCode
        self.counterpartyBankBIC = counterpartyBankBIC
        self.remittanceLines = remittanceLines
        self.structuredReferences = structuredReferences
        self.additionalInfo = additionalInfo
        self.rawDetails = rawDetails
        self.line = line
        self.path = path
    }

    /// The payer's purpose as one text for matching: the remittance lines joined with a space.
    public var purpose: String? {
        remittanceLines.isEmpty ? nil : remittanceLines.joined(separator: " ")
    }
}

/// The amount a payment was instructed in, when that is another currency than the account's, and the bank's
/// exchange (camt `AmtDtls/InstdAmt/Amt` and `CcyXchg`). The bank's own conversion is the line's amount against
/// the instructed one; `rate` is kept as the bank wrote it, for the accountant.
public struct CurrencyExchange: Sendable, Equatable {
    public var instructedAmount: ExactAmount
    public var instructedCurrency: String
    /// `CcyXchg/XchgRate`, as written.
    public var rate: String?
    /// `CcyXchg/UnitCcy`: the currency one unit of which the rate prices.
    public var unitCurrency: String?

    public init(instructedAmount: ExactAmount, instructedCurrency: String, rate: String? = nil,
                unitCurrency: String? = nil) {
        self.instructedAmount = instructedAmount
        self.instructedCurrency = instructedCurrency
        self.rate = rate
        self.unitCurrency = unitCurrency
    }
}
