import Connectors
import Crypto
import Foundation
import HubCore

/// Turns camt.053 and MT940 records into `core.bank_transactions` and `core.bank_balances` rows: one mapping
/// for both formats, so that the same booking gets the same row whichever file brought it.
///
/// - **Identity.** A line with a bank reference is keyed by our account and the booking's reference (camt
///   `Ntry/AcctSvcrRef`, MT940 `//…`); both formats carry the same one, so a statement received as camt.053
///   and as MT940 is stored once. The lines of a camt batch entry share the key and are told apart by the
///   occurrence counter; the loader adds a booking only when no line of it is known yet. A line without a
///   bank reference falls back to the content key of the foundation (`BankStatementMapper.naturalKey`).
/// - **Dates.** The booking date, else the value date, else the statement's first day; the document date is
///   the booking date (neither format carries the payment order's date).
/// - **Balances.** One `core.bank_balances` row per statement, from its opening and closing balances and the
///   booked lines in between; a statement whose lines do not add up is quarantined instead (the lines load).
package struct StatementLineMapper: Sendable {
    /// What became of a record.
    package enum Output: Sendable {
        case transaction(BankTransactionRow)
        case balance(BankBalanceRow)
        /// Not booked yet (`PDNG`, `INFO`): not a movement of money, so not stored; counted in the result.
        case notBooked(status: String, line: Int)
        case quarantine(QuarantinedRecord)
    }

    private let format: String
    private var statement: StatementInfo?
    private var opening: StatementBalanceLine?
    private var closing: StatementBalanceLine?
    private var credited = Decimal(0)
    private var debited = Decimal(0)
    package private(set) var statements = 0
    package private(set) var accounts: [String] = []
    package private(set) var periodStart: CalendarDate?
    package private(set) var periodEnd: CalendarDate?

    /// - Parameter format: how rows name their document kind: `camt.053` or `MT940`.
    package init(format: String) {
        self.format = format
    }

    /// Maps one record; the balance of a statement comes out when the next one starts or `finish` is called.
    package mutating func map(_ record: BankStatementRecord) -> [Output] {
        switch record {
        case .statement(let info):
            let pending = closeStatement()
            statement = info
            statements += 1
            if !accounts.contains(info.account) { accounts.append(info.account) }
            note(info.periodStart)
            note(info.periodEnd)
            return pending
        case .balance(let balance):
            switch balance.role {
            case .opening where opening == nil: opening = balance
            case .closing: closing = balance
            default: break
            }
            note(balance.date)
            return []
        case .line(let line):
            guard line.status == "BOOK" else { return [.notBooked(status: line.status, line: line.line)] }
            if line.isCredit { credited += line.amount.decimal } else { debited += line.amount.decimal }
            return [.transaction(row(for: line))]
        case .rejected(let section):
            return [.quarantine(QuarantinedRecord(line: section.line, recordKind: section.kind, reason: section.reason,
                                                  field: section.field, raw: section.raw))]
        }
    }

    /// Ends the file: the last statement's balance.
    package mutating func finish() -> [Output] {
        closeStatement()
    }

    private mutating func note(_ date: CalendarDate?) {
        guard let date else { return }
        if periodStart.map({ date < $0 }) ?? true { periodStart = date }
        if periodEnd.map({ date > $0 }) ?? true { periodEnd = date }
    }

    private mutating func closeStatement() -> [Output] {
        defer {
            opening = nil
            closing = nil
            credited = 0
            debited = 0
        }
        guard let statement, let opening, let closing else { return [] }
        let expected = opening.amount.decimal + credited - debited
        let row = BankBalanceRow(
            account: statement.account, periodStart: opening.date, periodEnd: closing.date, opening: opening.amount,
            credited: ExactAmount(parsing: credited.amountText)!, debited: ExactAmount(parsing: debited.amountText)!,
            closing: closing.amount,
            currency: closing.currency ?? statement.currency, sourceLine: opening.line)
        guard expected == closing.amount.decimal else {
            return [.quarantine(QuarantinedRecord(
                line: closing.line, recordKind: "balance",
                reason: "closing balance \(closing.amount) of account "
                    + "\(statement.account.escapingControlCharacters(limit: 40)) is not opening "
                    + "\(opening.amount) + credits \(credited.amountText) − debits \(debited.amountText) "
                    + "= \(expected.amountText) (a line is missing from the statement?)",
                field: closing.code,
                raw: "opening \(opening.code) \(opening.amount) \(opening.date.iso); closing \(closing.code) "
                    + "\(closing.amount) \(closing.date.iso)"))]
        }
        return [.balance(row)]
    }

    /// The warehouse row for one booked line.
    package func row(for line: StatementLine) -> BankTransactionRow {
        let direction: TransactionDirection = line.isCredit ? .incoming : .outgoing
        let date = line.bookingDate ?? line.valueDate ?? statement?.periodStart ?? statement?.periodEnd
            ?? CalendarDate(year: 1970, month: 1, day: 1)!
        let taxID = TaxIdentifier(line.counterpartyTaxID)
        let purpose = line.purpose ?? (line.additionalInfo.isEmpty ? nil : line.additionalInfo.joined(separator: " "))
        let number = line.endToEndID ?? line.bankReference ?? ""
        let (payer, payee): ((String?, String?, String?, String?), (String?, String?, String?, String?)) = {
            let ours: (String?, String?, String?, String?) = (line.account, statement?.ownerTaxID,
                                                             statement?.ownerName, statement?.bankCode)
            let theirs: (String?, String?, String?, String?) = (line.counterpartyAccount, line.counterpartyTaxID,
                                                               line.counterpartyName, line.counterpartyBankCode)
            return line.isCredit ? (theirs, ours) : (ours, theirs)
        }()
        let baseKey: String
        if let entryReference = line.entryReference {
            baseKey = Self.referenceKey(account: line.account, entryReference: entryReference)
        } else {
            baseKey = BankStatementMapper.naturalKey(
                account: line.account, direction: direction, number: number, date: date, amount: line.amount,
                counterpartyAccount: line.counterpartyAccount, purpose: purpose)
        }
        var row = BankTransactionRow(
            account: line.account, direction: direction, docKind: format, docNumber: number, docDate: date,
            amount: line.amount, currency: line.currency ?? statement?.currency,
            counterpartyINN: taxID?.inn, counterpartyPINFL: taxID?.pinfl, counterpartyName: line.counterpartyName,
            counterpartyAccount: line.counterpartyAccount, counterpartyBankCode: line.counterpartyBankCode,
            counterpartyBankName: nil, purpose: purpose, paymentCode: BankStatementMapper.paymentCode(in: purpose),
            bookedOn: date, payerAccount: payer.0, payerINN: payer.1, payerName: payer.2, payerBankCode: payer.3,
            payeeAccount: payee.0, payeeINN: payee.1, payeeName: payee.2, payeeBankCode: payee.3,
            writtenOffOn: line.isCredit ? nil : date, creditedOn: line.isCredit ? date : nil, operationKind: nil,
            priority: nil, paymentID: nil, supplierInvoiceNumber: nil, attributesJSON: attributes(of: line),
            baseKey: baseKey, sourceLine: line.line)
        row.bankReference = line.bankReference
        row.entryReference = line.entryReference
        row.endToEndID = line.endToEndID
        row.bankTransactionCode = line.bankTransactionCode
        row.entryKind = line.kind.rawValue
        row.returnReason = line.returnReason
        row.valueDate = line.valueDate
        row.structuredReferencesJSON = Self.structuredJSON(line.structuredReferences)
        return row
    }

    /// The key of a booking the bank gave a reference to: our account and that reference.
    package static func referenceKey(account: String, entryReference: String) -> String {
        var hasher = SHA256()
        for var part in ["bank-reference", account, entryReference] {
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            hasher.update(data: [0x1F])
        }
        return hasher.finalize().withUnsafeBytes { digest in UUIDText.format(digest) }
    }

    private func attributes(of line: StatementLine) -> String {
        var fields: [(String, String)] = [("format", format)]
        if let statement {
            if let id = statement.statementID { fields.append(("statement_id", id)) }
            if let sequence = statement.sequenceNumber { fields.append(("statement_sequence", sequence)) }
            if let message = statement.messageID { fields.append(("message_id", message)) }
        }
        if line.entryLineCount > 1 {
            fields.append(("entry_line", "\(line.entryIndex) of \(line.entryLineCount)"))
        }
        if let value = line.instructionID { fields.append(("instruction_id", value)) }
        if let value = line.fundsCode { fields.append(("funds_code", value)) }
        if let value = line.counterpartyBankBIC { fields.append(("counterparty_bic", value)) }
        if line.reversalMark { fields.append(("reversal_mark", "true")) }
        for (index, info) in line.additionalInfo.enumerated() { fields.append(("additional_info_\(index + 1)", info)) }
        if let value = line.rawDetails { fields.append(("details", value)) }
        if let value = line.path { fields.append(("path", value)) }
        // The reconciliation converts by these (ReconciliationStore, docs/reconciliation.md "Foreign currency").
        if let exchange = line.currencyExchange {
            fields.append(("instructed_amount", exchange.instructedAmount.text))
            fields.append(("instructed_currency", exchange.instructedCurrency))
            if let rate = exchange.rate { fields.append(("exchange_rate", rate)) }
            if let unit = exchange.unitCurrency { fields.append(("exchange_rate_unit_currency", unit)) }
        }
        return JSONText.object(fields.map { (key: $0.0, value: $0.1) })
    }

    static func structuredJSON(_ references: [StructuredReference]) -> String? {
        guard !references.isEmpty else { return nil }
        let objects = references.map { reference -> String in
            JSONText.object([
                ("number", reference.documentNumber), ("type", reference.documentType),
                ("reference", reference.creditorReference), ("amount", reference.remittedAmount?.text),
            ].compactMap { key, value in value.map { (key: key, value: $0) } })
        }
        return "[" + objects.joined(separator: ",") + "]"
    }
}
