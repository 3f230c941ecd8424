import Connectors
import Crypto
import HubCore

/// Turns parsed 1CClientBankExchange records into `core.bank_transactions` and `core.bank_balances` rows.
///
/// Direction is not a field of the format: it comes from our accounts (the header's `РасчСчет` lines and the
/// balance sections) against the payer's and payee's accounts, with `ДатаСписано`/`ДатаПоступило` deciding
/// when both sides are ours. A transfer between two of our accounts is two movements, one per account.
package struct BankStatementMapper: Sendable {
    package private(set) var ourAccounts: Set<String>

    package init(ourAccounts: some Sequence<String> = []) {
        self.ourAccounts = Set(ourAccounts)
    }

    /// Registers the accounts a header names.
    package mutating func note(_ header: StatementHeader) {
        ourAccounts.formUnion(header.accounts)
    }

    package mutating func balanceRow(_ balance: StatementBalance) -> BankBalanceRow {
        ourAccounts.insert(balance.account)
        return BankBalanceRow(
            account: balance.account, periodStart: balance.periodStart, periodEnd: balance.periodEnd,
            opening: balance.opening, credited: balance.credited, debited: balance.debited,
            closing: balance.closing, currency: AccountCurrency.code(forAccount: balance.account),
            sourceLine: balance.line)
    }

    /// Why a well-formed document still cannot become a transaction.
    package struct Rejection: Error, Sendable, Equatable {
        package var reason: String
        package var field: String?
    }

    /// The movements a document makes on our accounts: one, or two for a transfer between our own accounts.
    package func rows(for document: StatementDocument) -> Result<[BankTransactionRow], Rejection> {
        let payerAccount = document.payer.account ?? document.payer.checkingAccount
        let payeeAccount = document.payee.account ?? document.payee.checkingAccount
        let payerIsOurs = payerAccount.map(ourAccounts.contains) ?? false
        let payeeIsOurs = payeeAccount.map(ourAccounts.contains) ?? false

        var directions: [TransactionDirection] = []
        switch (payerIsOurs, payeeIsOurs) {
        case (true, false): directions = [.outgoing]
        case (false, true): directions = [.incoming]
        case (true, true):
            switch (document.writtenOffOn != nil, document.creditedOn != nil) {
            case (true, false): directions = [.outgoing]
            case (false, true): directions = [.incoming]
            default: directions = [.outgoing, .incoming]
            }
        case (false, false):
            let ours = ourAccounts.isEmpty
                ? "the file names none of our accounts (no РасчСчет in the header or balance sections)"
                : "our accounts are \(ourAccounts.sorted().joined(separator: ", "))"
            return .failure(Rejection(
                reason: "neither the payer's account \((payerAccount ?? "(empty)").escapingControlCharacters(limit: 40)) "
                    + "nor the payee's account \((payeeAccount ?? "(empty)").escapingControlCharacters(limit: 40)) "
                    + "is ours: \(ours)",
                field: "ПлательщикСчет"))
        }

        let attributes = JSONText.object(document.otherFields)
        let paymentCode = Self.paymentCode(in: document.purpose)
        return .success(directions.map { direction in
            let (ourSide, other) = direction == .outgoing
                ? (document.payer, document.payee) : (document.payee, document.payer)
            let account = (direction == .outgoing ? payerAccount : payeeAccount) ?? ""
            let counterpartyAccount = other.account ?? other.checkingAccount
            let taxID = TaxIdentifier(other.taxID)
            var counterpartyName = other.name
            var counterpartyBankName = other.bankName
            var counterpartyBankCode = other.bankCode
            if counterpartyName == nil, taxID == nil {
                // Fees and interest often come without a counterparty: the bank itself is the other side.
                counterpartyName = ourSide.bankName
                counterpartyBankName = ourSide.bankName
                counterpartyBankCode = counterpartyBankCode ?? ourSide.bankCode
            }
            let bookedOn = (direction == .outgoing ? document.writtenOffOn : document.creditedOn) ?? document.date
            return BankTransactionRow(
                account: account, direction: direction, docKind: document.kind, docNumber: document.number,
                docDate: document.date, amount: document.amount,
                currency: AccountCurrency.code(forAccount: account),
                counterpartyINN: taxID?.inn, counterpartyPINFL: taxID?.pinfl, counterpartyName: counterpartyName,
                counterpartyAccount: counterpartyAccount, counterpartyBankCode: counterpartyBankCode,
                counterpartyBankName: counterpartyBankName, purpose: document.purpose, paymentCode: paymentCode,
                bookedOn: bookedOn, payerAccount: payerAccount, payerINN: document.payer.taxID,
                payerName: document.payer.name, payerBankCode: document.payer.bankCode,
                payeeAccount: payeeAccount, payeeINN: document.payee.taxID, payeeName: document.payee.name,
                payeeBankCode: document.payee.bankCode, writtenOffOn: document.writtenOffOn,
                creditedOn: document.creditedOn, operationKind: document.operationKind,
                priority: document.priority, paymentID: document.paymentID,
                supplierInvoiceNumber: document.supplierInvoiceNumber, attributesJSON: attributes,
                baseKey: Self.naturalKey(
                    account: account, direction: direction, number: document.number, date: document.date,
                    amount: document.amount, counterpartyAccount: counterpartyAccount, purpose: document.purpose),
                sourceLine: document.line)
        })
    }

    /// The leading 5-digit payment-purpose code of Uzbek payment orders (`00668 Оплата по счету …`).
    package static func paymentCode(in purpose: String?) -> String? {
        guard let purpose else { return nil }
        let utf8 = Array(purpose.utf8.prefix(6))
        guard utf8.count >= 5, utf8[0..<5].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard utf8.count == 5 || utf8[5] == 0x20 || utf8[5] == 0x09 else { return nil }
        return String(decoding: utf8[0..<5], as: UTF8.self)
    }

    /// The natural key of a movement, without the occurrence counter: account, direction, document number,
    /// date, amount, counterparty account and purpose (reference §2.4, G9), hashed to a UUID.
    ///
    /// The same business transaction in two overlapping statements gets the same key; the warehouse adds
    /// the occurrence counter so that two identical payments on one day in one file both survive.
    package static func naturalKey(
        account: String, direction: TransactionDirection, number: String, date: CalendarDate,
        amount: ExactAmount, counterpartyAccount: String?, purpose: String?
    ) -> String {
        var hasher = SHA256()
        let separator: [UInt8] = [0x1F]
        for var part in [account, direction.rawValue, number, date.iso, amount.normalized, counterpartyAccount ?? "",
                         purpose ?? ""] {
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            hasher.update(data: separator)
        }
        return hasher.finalize().withUnsafeBytes { digest in UUIDText.format(digest) }
    }
}
