import Foundation
import HubCore

/// Turns one camt `Ntry` into statement lines: one per `TxDtls` (entry-level dates, status, code and
/// references copied into each), or one from the entry itself when it has none.
///
/// Reads every version from .02 to .14: plain `<Sts>BOOK</Sts>` and v08's `<Sts><Cd>`, `TxDtls/Amt` and v02's
/// `AmtDtls/TxAmt/Amt`, `Dbtr/Nm` and v08's `Dbtr/Pty/Nm`, agent `BIC` and `BICFI`.
struct CamtEntryReader {
    let entry: XMLElementNode
    let info: StatementInfo
    /// `Stmt[1]/Ntry[2]`.
    let path: String

    struct Outcome {
        /// The lines, or why the entry is refused as a whole.
        var result: Result<[StatementLine], CamtRejection>
        /// The entry's signed amount when it is booked (`BOOK`) and readable, for the statement's balance check.
        var bookedAmount: Decimal?
    }

    /// The fields every line of the entry shares.
    private struct Shared {
        var amount: ExactAmount
        var isCredit: Bool
        var status: String
        var bookingDate: CalendarDate?
        var valueDate: CalendarDate?
        var entryReference: String?
        var bankReference: String?
        var bankTransactionCode: String?
        var isReversal: Bool
        var additionalEntryInfo: String?
    }

    func read() -> Outcome {
        let shared: Shared
        switch readShared() {
        case .success(let value): shared = value
        case .failure(let rejection): return Outcome(result: .failure(rejection), bookedAmount: nil)
        }
        let signed = shared.isCredit ? shared.amount.decimal : -shared.amount.decimal
        let booked = shared.status == "BOOK" ? signed : nil
        let details = entry.children(named: "NtryDtls").flatMap { $0.children(named: "TxDtls") }
        let declared = entry.children(named: "NtryDtls").compactMap { $0.value("Btch", "NbOfTxs") }
            .compactMap { Int($0) }.reduce(0, +)
        let lineCount = max(details.count, declared, 1)
        if details.isEmpty {
            let line = StatementLine(
                account: info.account, currency: info.currency, isCredit: shared.isCredit, amount: shared.amount,
                bookingDate: shared.bookingDate, valueDate: shared.valueDate, status: shared.status,
                kind: shared.isReversal ? .reversal : Self.isReturnCode(shared.bankTransactionCode) ? .return : .payment,
                bankReference: shared.bankReference, entryReference: shared.entryReference, entryIndex: 1,
                entryLineCount: lineCount, bankTransactionCode: shared.bankTransactionCode,
                reversalMark: shared.isReversal, additionalInfo: shared.additionalEntryInfo.map { [$0] } ?? [],
                line: entry.line, path: path)
            return Outcome(result: .success([line]), bookedAmount: booked)
        }
        var lines: [StatementLine] = []
        var sum = Decimal(0)
        for (offset, transaction) in details.enumerated() {
            switch readTransaction(transaction, index: offset + 1, of: details.count, lineCount: lineCount,
                                   shared: shared) {
            case .success(let line):
                sum += line.isCredit ? line.amount.decimal : -line.amount.decimal
                lines.append(line)
            case .failure(let rejection):
                return Outcome(result: .failure(rejection), bookedAmount: booked)
            }
        }
        if details.count > 1, sum != signed {
            let amounts = lines.map { ($0.isCredit ? "" : "-") + $0.amount.text }.joined(separator: " + ")
            return Outcome(
                result: .failure(CamtRejection(
                    "the \(details.count) TxDtls of the batch entry add up to \(sum.amountText) (\(amounts)), "
                        + "but the entry's Amt is \(signed.amountText)", "Amt")),
                bookedAmount: booked)
        }
        return Outcome(result: .success(lines), bookedAmount: booked)
    }

    // MARK: - Entry level

    private func readShared() -> Result<Shared, CamtRejection> {
        guard let amountText = entry.value("Amt") else { return .failure(CamtRejection("the entry has no Amt", "Amt")) }
        guard let amount = ExactAmount(parsing: amountText) else {
            return .failure(CamtRejection("the entry's Amt \"\(amountText.escapingControlCharacters())\" is not a number", "Amt"))
        }
        let indicator = entry.value("CdtDbtInd")
        guard let isCredit = Self.isCredit(indicator) else {
            return .failure(CamtRejection("the entry's CdtDbtInd \"\((indicator ?? "").escapingControlCharacters())\" is neither CRDT nor DBIT",
                                          "CdtDbtInd"))
        }
        // v02/v04: <Sts>BOOK</Sts>; v08+: <Sts><Cd>BOOK</Cd></Sts> or <Sts><Prtry>…</Prtry></Sts>.
        guard let status = entry.value("Sts", "Cd") ?? entry.value("Sts", "Prtry") ?? entry.value("Sts") else {
            return .failure(CamtRejection("the entry has no Sts (BOOK, PDNG, INFO)", "Sts"))
        }
        let bookingDate: CalendarDate?
        let valueDate: CalendarDate?
        switch (Self.date(entry, "BookgDt"), Self.date(entry, "ValDt")) {
        case (.success(let booking), .success(let value)):
            bookingDate = booking
            valueDate = value
        case (.failure(let rejection), _), (_, .failure(let rejection)):
            return .failure(rejection)
        }
        let reversal = entry.value("RvslInd")
        return .success(Shared(
            amount: amount, isCredit: isCredit, status: status, bookingDate: bookingDate, valueDate: valueDate,
            // Only the bank's own reference identifies a booking across files: `NtryRef` is often just the
            // entry's position in the day's statement (1, 2, …) and repeats every day.
            entryReference: entry.value("AcctSvcrRef"),
            bankReference: entry.value("AcctSvcrRef"),
            bankTransactionCode: entry["BkTxCd"].flatMap(Self.transactionCode),
            isReversal: reversal == "true" || reversal == "1",
            additionalEntryInfo: entry.value("AddtlNtryInf")))
    }

    /// `CRDT` → true, `DBIT` → false, anything else → nil.
    static func isCredit(_ indicator: String?) -> Bool? {
        switch indicator {
        case "CRDT": true
        case "DBIT": false
        default: nil
        }
    }

    /// `BookgDt`/`ValDt`: `Dt` or `DtTm` (its date part, as written, without converting the zone).
    static func date(_ parent: XMLElementNode, _ name: String) -> Result<CalendarDate?, CamtRejection> {
        guard let element = parent[name] else { return .success(nil) }
        guard let text = element.value("Dt") ?? element.value("DtTm") else {
            return .failure(CamtRejection("\(name) has neither Dt nor DtTm", name))
        }
        guard let date = CalendarDate(isoDate: text) else {
            return .failure(CamtRejection("\(name) \"\(text.escapingControlCharacters())\" is not a date (yyyy-mm-dd)", name))
        }
        return .success(date)
    }

    /// `Domn/Cd` `/` `Fmly/Cd` `/` `Fmly/SubFmlyCd` (`PMNT/RCDT/DMCT`), else `Prtry/Cd`.
    static func transactionCode(_ code: XMLElementNode) -> String? {
        if let domain = code.value("Domn", "Cd") {
            return [domain, code.value("Domn", "Fmly", "Cd"), code.value("Domn", "Fmly", "SubFmlyCd")]
                .compactMap { $0 }.joined(separator: "/")
        }
        return code.value("Prtry", "Cd")
    }

    static func isReturnCode(_ code: String?) -> Bool { code?.hasSuffix("/RRTN") ?? false }

    // MARK: - Transaction level

    private func readTransaction(
        _ transaction: XMLElementNode, index: Int, of count: Int, lineCount: Int, shared: Shared
    ) -> Result<StatementLine, CamtRejection> {
        let label = count > 1 ? "TxDtls[\(index)]" : "TxDtls"
        let amount: ExactAmount
        if let text = transaction.value("Amt") ?? transaction.value("AmtDtls", "TxAmt", "Amt") {
            guard let parsed = ExactAmount(parsing: text) else {
                return .failure(CamtRejection("\(label): Amt \"\(text.escapingControlCharacters())\" is not a number", "TxDtls/Amt"))
            }
            amount = parsed
        } else if count == 1 {
            amount = shared.amount
        } else {
            return .failure(CamtRejection(
                "\(label) of a batch entry has no Amt (nor AmtDtls/TxAmt/Amt)", "TxDtls/Amt"))
        }
        var isCredit = shared.isCredit
        if let indicator = transaction.value("CdtDbtInd") {
            guard let credit = Self.isCredit(indicator) else {
                return .failure(CamtRejection("\(label): CdtDbtInd \"\(indicator.escapingControlCharacters())\" is neither CRDT nor DBIT",
                                              "TxDtls/CdtDbtInd"))
            }
            isCredit = credit
        }
        let code = transaction["BkTxCd"].flatMap(Self.transactionCode) ?? shared.bankTransactionCode
        let returnInfo = transaction["RtrInf"]
        let kind: StatementLine.Kind =
            shared.isReversal ? .reversal : (Self.isReturnCode(code) || returnInfo != nil) ? .return : .payment

        var bankReference = transaction.value("Refs", "AcctSvcrRef")
        if bankReference == nil {
            bankReference = count > 1 ? shared.entryReference.map { "\($0)-\(index)" } : shared.bankReference
        }
        let endToEnd = transaction.value("Refs", "EndToEndId")

        let party = Self.counterparty(transaction, isCredit: isCredit)
        let remittance = transaction.children(named: "RmtInf")
        var additional: [String] = []
        if let text = transaction.value("AddtlTxInf") { additional.append(text) }
        additional += returnInfo?.children(named: "AddtlInf").compactMap(\.trimmedText) ?? []
        if let text = shared.additionalEntryInfo { additional.append(text) }

        var exchange: CurrencyExchange?
        if let instructed = transaction["AmtDtls"]?["InstdAmt"], let amountNode = instructed["Amt"],
           let currency = amountNode.attribute("Ccy"), currency != info.currency, let text = amountNode.trimmedText {
            guard let parsed = ExactAmount(parsing: text) else {
                return .failure(CamtRejection("\(label): AmtDtls/InstdAmt/Amt \"\(text.escapingControlCharacters())\" is "
                                              + "not a number", "TxDtls/AmtDtls/InstdAmt/Amt"))
            }
            exchange = CurrencyExchange(instructedAmount: parsed, instructedCurrency: currency,
                                        rate: instructed.value("CcyXchg", "XchgRate"),
                                        unitCurrency: instructed.value("CcyXchg", "UnitCcy"))
        }
        var line = StatementLine(
            account: info.account, currency: info.currency, isCredit: isCredit, amount: amount,
            bookingDate: shared.bookingDate, valueDate: shared.valueDate, status: shared.status, kind: kind,
            bankReference: bankReference, entryReference: shared.entryReference, entryIndex: index,
            entryLineCount: lineCount, endToEndID: endToEnd == "NOTPROVIDED" ? nil : endToEnd,
            instructionID: transaction.value("Refs", "InstrId"), bankTransactionCode: code,
            reversalMark: shared.isReversal,
            returnReason: returnInfo.flatMap { $0.value("Rsn", "Cd") ?? $0.value("Rsn", "Prtry") },
            counterpartyName: party.name, counterpartyTaxID: party.taxID, counterpartyAccount: party.account,
            counterpartyBankCode: party.bankCode, counterpartyBankBIC: party.bic,
            remittanceLines: remittance.flatMap { $0.children(named: "Ustrd") }.compactMap(\.trimmedText),
            structuredReferences: remittance.flatMap { $0.children(named: "Strd") }.map(Self.structuredReference),
            additionalInfo: additional, line: transaction.line, path: "\(path)/TxDtls[\(index)]")
        line.currencyExchange = exchange
        return .success(line)
    }

    struct Counterparty {
        var name: String?
        var taxID: String?
        var account: String?
        var bankCode: String?
        var bic: String?
    }

    /// The debtor on a credit, the creditor on a debit; the other side when the expected one is absent (a
    /// returned payment is often sent back with the original creditor only).
    static func counterparty(_ transaction: XMLElementNode, isCredit: Bool) -> Counterparty {
        let parties = transaction["RltdPties"]
        func present(_ side: String) -> Bool { parties?[side] != nil || parties?[side + "Acct"] != nil }
        let expected = isCredit ? "Dbtr" : "Cdtr"
        let other = isCredit ? "Cdtr" : "Dbtr"
        let side = !present(expected) && present(other) ? other : expected
        var result = Counterparty()
        if let element = parties?[side] {
            // v08+: Dbtr/Pty/…; earlier: Dbtr/….
            let party = element["Pty"] ?? element
            result.name = party.value("Nm")
            result.taxID = party.value("Id", "OrgId", "Othr", "Id") ?? party.value("Id", "PrvtId", "Othr", "Id")
        }
        if let account = parties?[side + "Acct"] {
            result.account = account.value("Id", "IBAN") ?? account.value("Id", "Othr", "Id")
        }
        if let agent = transaction.element(["RltdAgts", side + "Agt", "FinInstnId"]) {
            result.bankCode = agent.value("ClrSysMmbId", "MmbId")
            result.bic = agent.value("BICFI") ?? agent.value("BIC")
        }
        return result
    }

    static func structuredReference(_ node: XMLElementNode) -> StructuredReference {
        let document = node["RfrdDocInf"]
        return StructuredReference(
            documentNumber: document?.value("Nb"),
            documentType: document.flatMap { $0.value("Tp", "CdOrPrtry", "Cd") ?? $0.value("Tp", "CdOrPrtry", "Prtry") },
            creditorReference: node.value("CdtrRefInf", "Ref"),
            remittedAmount: node.value("RfrdDocAmt", "RmtdAmt").flatMap { ExactAmount(parsing: $0) })
    }
}
