import Foundation
import HubCore

/// Decides, one bank line at a time, what it pays: the evidence (who paid, which invoices the text or the
/// structured remittance names, how the amount compares) is gathered, and the first rule of the rule set whose
/// conditions hold decides, with its confidence.
///
/// Guarantees:
/// - **Never two auto allocations for the same money.** An `auto` allocation takes the invoice's residual at
///   once, so a later line naming the same invoice finds it paid; lines are fed in booking order.
/// - **Ties go to review.** When the evidence points at several invoices equally, every one is proposed and
///   none is auto-matched; a number that matches several open invoices of the payer is not trusted.
/// - **An amount alone never identifies an invoice** unless the rule set says so for the payer's own invoices,
///   below the auto threshold.
/// - **Rejected pairs stay rejected**: an invoice the accountant rejected for a payment is invisible to it.
///
/// Memory: the open invoices and their indexes (by payer, number and amount); payments stream through.
package struct PaymentMatcher: Sendable, PaymentDecider {
    private let rules: ReconciliationRules
    private let ruleLookup: RuleLookup
    /// Whose documents the lines pay: ours (the client is the payer) or suppliers' (we pay; the engine is fed
    /// our outgoing payments as the lines that pay, and the supplier stands where the payer stood). Only the
    /// wording differs.
    private let side: LedgerSide
    private let extractor: InvoiceReferenceExtractor
    private var invoices: [OpenInvoice] = []
    /// Each invoice's number keys (`InvoiceReferenceExtractor.keys`): what an index lookup checks its slots by.
    private var numericCores: [String] = []
    private var serialCores: [String] = []
    /// Each invoice's issue date as a day number, for the date window (compared millions of times).
    private var issuedDays: [Int] = []
    /// The date window of the line being decided: invoices issued between these days are candidates.
    private var earliestDay = 0
    private var latestDay = 0
    /// Bank transaction code → `fee`, `interest` or `none`: a statement has few distinct codes.
    private var bankCodeKinds: [String: String] = [:]
    /// The slots in the order of their invoices' ids, for returns that reopen an invoice (few lines): searched
    /// by bisection, two megabytes where a dictionary by id was twelve.
    private var slotsByID: [Int32] = []
    /// What each line paid automatically in this run, for a later return of that line in the same run.
    private var autoPaid: [Int64: [(invoiceID: Int64, amount: Decimal)]] = [:]
    /// A tie among more invoices than this is not proposed at all: the accountant is told, not flooded.
    package static let maxTiedProposals = 3
    /// The number indexes are keyed by fingerprints (`NumberFingerprint`); `invoices(…)` looks them up.
    /// Full numeric core of the number → invoices.
    private var byCore: SlotChains<UInt64>
    /// Payer + full numeric core of the number → invoices.
    private var byPayerNumber: SlotChains<UInt64>
    /// Payer + serial (the number's last digit group) → invoices.
    private var byPayerSerial: SlotChains<UInt64>
    /// Payer → invoices, oldest due date first.
    private var byPayer: SlotChains<String>
    /// Residual when loaded → invoices (R11 checks the current residual).
    private var byAmount: SlotChains<Decimal>
    package private(set) var ruleCounts: [String: Int] = [:]

    /// Every invoice was open when loaded; those with nothing left now were paid in full by this run.
    package var paidInFull: [Int64] {
        invoices.lazy.filter { $0.residual <= 0 }.map(\.id)
    }
    /// Set while the entries of a payment agent's registry are decided, so that an entry is never split again.
    private var decidingRegistryEntry = false
    /// Client INN → the key of their name, to see whether a third party's purpose names whom it pays for.
    private var nameKeyByINN: [String: String] = [:]
    /// Client INN → the one currency of their invoices (absent when they are in several): a payment in another
    /// currency is converted into it. The warehouse's `ExchangeRates.invoiceCurrencies` (all invoices, paid ones
    /// too) when given, else the open invoices'; taken once, not per line (a set per line cost seconds).
    private var currencyByPayer: [String: String] = [:]

    /// The central bank's rates, for a line in another currency than its payer's invoices.
    private let rates: ExchangeRates

    package init(rules: ReconciliationRules, invoices open: [OpenInvoice], side: LedgerSide = .receivables,
                 rates: ExchangeRates = ExchangeRates()) {
        self.rules = rules
        ruleLookup = RuleLookup(rules)
        self.side = side
        self.rates = rates
        extractor = InvoiceReferenceExtractor(vocabulary: rules.vocabulary)
        // The warehouse reads them in this order: then the caller's array is shared, not copied and sorted (a
        // second copy of every invoice was the run's peak memory).
        let inOrder = zip(open, open.dropFirst()).allSatisfy { !Self.ranksBefore($1, $0) }
        invoices = inOrder ? open : open.sorted(by: Self.ranksBefore)
        let count = invoices.count
        (byCore, byAmount, byPayer) = (SlotChains(slotCount: count), SlotChains(slotCount: count), SlotChains(slotCount: count))
        (byPayerNumber, byPayerSerial) = (SlotChains(slotCount: count), SlotChains(slotCount: count))
        serialCores = Array(repeating: "", count: count)
        numericCores = Array(repeating: "", count: count)
        issuedDays = invoices.map(\.issuedOn.dayNumber)
        slotsByID = (0..<Int32(count)).sorted { invoices[Int($0)].id < invoices[Int($1)].id }
        // A client's name is the same on their invoices: its key is computed once per client.
        var openCurrencies: [String: String?] = [:]
        for invoice in invoices {
            guard let inn = invoice.counterpartyINN else { continue }
            if nameKeyByINN[inn] == nil, let name = invoice.counterpartyName {
                nameKeyByINN[inn] = CounterpartyNameKey.key(name)
            }
            guard rates.invoiceCurrencies == nil else { continue }
            switch openCurrencies[inn] {
            case nil: openCurrencies[inn] = .some(invoice.currency)
            case .some(let known) where known != invoice.currency: openCurrencies[inn] = .some(nil)
            default: break
            }
        }
        currencyByPayer = rates.invoiceCurrencies ?? openCurrencies.compactMapValues { $0 }
        // Descending, so that every chain runs in the invoices' order.
        for index in stride(from: count - 1, through: 0, by: -1) {
            let slot = Int32(index)
            let invoice = invoices[index]
            let keys = InvoiceReferenceExtractor.keys(forInvoiceNumber: invoice.number)
            serialCores[index] = keys.serialCore
            numericCores[index] = keys.numericCore
            byCore.prepend(slot, to: NumberFingerprint.of(number: keys.numericCore))
            byAmount.prepend(slot, to: invoice.residual)
            if let inn = invoice.counterpartyINN {
                byPayer.prepend(slot, to: inn)
                byPayerNumber.prepend(slot, to: NumberFingerprint.of(payer: inn, number: keys.numericCore))
                byPayerSerial.prepend(slot, to: NumberFingerprint.of(payer: inn, number: keys.serialCore))
            }
        }
    }


    /// The slots of the invoices whose number has this numeric core.
    private func invoices(numericCore: String) -> [Int32] {
        byCore.slots(of: NumberFingerprint.of(number: numericCore)) { numericCores[Int($0)] == numericCore }
    }

    /// The slots of this client's invoices whose number has this numeric core.
    private func invoices(of payer: String, numericCore: String) -> [Int32] {
        byPayerNumber.slots(of: NumberFingerprint.of(payer: payer, number: numericCore)) {
            numericCores[Int($0)] == numericCore && invoices[Int($0)].counterpartyINN == payer
        }
    }

    /// The slots of this client's invoices whose number's last digit group is `serialCore`.
    private func invoices(of payer: String, serialCore: String) -> [Int32] {
        byPayerSerial.slots(of: NumberFingerprint.of(payer: payer, number: serialCore)) {
            serialCores[Int($0)] == serialCore && invoices[Int($0)].counterpartyINN == payer
        }
    }

    /// The slot of the invoice with this id, or nil when it is not open.
    private func slot(ofInvoice id: Int64) -> Int32? {
        var low = 0, high = slotsByID.count
        while low < high {
            let middle = (low + high) / 2
            if invoices[Int(slotsByID[middle])].id < id { low = middle + 1 } else { high = middle }
        }
        return low < slotsByID.count && invoices[Int(slotsByID[low])].id == id ? slotsByID[low] : nil
    }

    /// The order invoices are ranked in: oldest due date first, then issue date, number and id.
    static func ranksBefore(_ a: OpenInvoice, _ b: OpenInvoice) -> Bool {
        (a.dueOn ?? a.issuedOn, a.issuedOn, a.number, a.id) < (b.dueOn ?? b.issuedOn, b.issuedOn, b.number, b.id)
    }

    /// Decides one line. Call in booking order: `auto` decisions consume invoice residuals.
    package mutating func decide(_ payment: PaymentToMatch) -> PaymentDecision {
        let decision: PaymentDecision
        if let conversion = conversion(of: payment) {
            // Two statements, not `converted(evaluate(…), …)`: there Swift copies `self` for the outer call before
            // the inner one mutates it, and the mutation then copies every open invoice (copy on write).
            let evaluated = evaluate(conversion.payment)
            decision = converted(evaluated, conversion)
        } else {
            decision = evaluate(payment)
        }
        ruleCounts[decision.rule ?? "none", default: 0] += 1
        return decision
    }

    // MARK: - Foreign currency

    /// A line seen in its invoices' currency: the converted payment, and how to get back to the line's money.
    private struct LineConversion {
        var payment: PaymentToMatch
        var lineCurrency: String
        var lineAmount: Decimal
        /// Units of the line's currency per unit of the invoices'.
        var rate: Decimal
        var source: CurrencyConversion.Source
        var description: String
    }

    /// A payment is matched in the invoice's currency: by the bank's conversion when the statement gives one
    /// (camt `AmtDtls/InstdAmt`), else, when every invoice of the payer open at the run's start is in one other
    /// currency, at the central bank's rate for the day. Nil when the line needs no conversion or none is possible.
    private func conversion(of payment: PaymentToMatch) -> LineConversion? {
        guard payment.direction == .incoming, payment.entryKind == "payment", let lineCurrency = payment.currency,
              payment.amount > 0 else { return nil }
        var converted = payment
        converted.instructed = nil
        if let instructed = payment.instructed, instructed.currency != lineCurrency, instructed.amount > 0 {
            converted.amount = instructed.amount
            converted.currency = instructed.currency
            let rate = payment.amount / instructed.amount
            return LineConversion(
                payment: converted, lineCurrency: lineCurrency, lineAmount: payment.amount, rate: rate, source: .bank,
                description: "\(money(payment.amount)) \(lineCurrency) = \(money(instructed.amount)) "
                    + "\(instructed.currency) by the bank's conversion (\(Self.rateText(rate)) \(lineCurrency) per "
                    + "\(instructed.currency))")
        }
        guard !rates.isEmpty, let inn = payment.counterpartyINN,
              let target = currencyByPayer[inn], target != lineCurrency,
              let lineRate = rates.rate(of: lineCurrency, on: payment.bookedOn),
              let targetRate = rates.rate(of: target, on: payment.bookedOn) else { return nil }
        let rate = targetRate / lineRate
        converted.amount = Self.rounded(payment.amount / rate)
        converted.currency = target
        return LineConversion(
            payment: converted, lineCurrency: lineCurrency, lineAmount: payment.amount, rate: rate,
            source: .centralBank,
            description: "\(money(payment.amount)) \(lineCurrency) = \(money(converted.amount)) \(target) at the central "
                + "bank's rate of \(payment.bookedOn.iso) (\(Self.rateText(rate)) \(lineCurrency) per \(target))")
    }

    /// The decision taken in the invoices' currency, told in the line's: each allocation says what it took of
    /// the line and its exchange difference (kept apart, never in the allocation's amount), the last one takes
    /// the rounding so that a line paid whole is spent whole, and a surplus is kept in the line's currency.
    private func converted(_ decision: PaymentDecision, _ conversion: LineConversion) -> PaymentDecision {
        var result = decision
        result.explanation = conversion.description + " + " + decision.explanation
        var spent: Decimal = 0
        for index in result.allocations.indices {
            var allocation = result.allocations[index]
            var paid = Self.rounded(allocation.amount * conversion.rate)
            let isLast = index == result.allocations.count - 1
            if isLast, result.advance == nil, abs(conversion.lineAmount - spent - paid) <= 1 {
                paid = conversion.lineAmount - spent
            }
            spent += paid
            var difference: Decimal?
            if let slot = slot(ofInvoice: allocation.invoiceID), let currency = invoices[Int(slot)].currency,
               let issued = rates.rate(of: currency, on: invoices[Int(slot)].issuedOn),
               let paidRate = rates.rate(of: conversion.lineCurrency, on: conversion.payment.bookedOn) {
                difference = Self.rounded(paid * paidRate - allocation.amount * issued)
            }
            allocation.conversion = CurrencyConversion(paidAmount: paid, rate: conversion.rate,
                                                       source: conversion.source, exchangeDifference: difference)
            allocation.explanation = conversion.description + " + " + allocation.explanation
                + "; \(money(paid)) \(conversion.lineCurrency) of the line"
                + (difference.map { ", exchange difference \(money($0)) \(rates.base)" } ?? "")
            result.allocations[index] = allocation
        }
        if var advance = result.advance {
            advance.amount = max(conversion.lineAmount - spent, 0)
            advance.explanation = conversion.description + " + " + advance.explanation
                + " (\(money(advance.amount)) \(conversion.lineCurrency))"
            result.advance = advance.amount > 0 ? advance : nil
        }
        return result
    }

    private static func rounded(_ value: Decimal) -> Decimal {
        var result = Decimal()
        var source = value
        NSDecimalRound(&result, &source, 2, .plain)
        return result
    }

    private static func rateText(_ rate: Decimal) -> String {
        var result = Decimal()
        var source = rate
        NSDecimalRound(&result, &source, 4, .plain)
        return "\(result)"
    }

    /// Offsets the open advances against their clients' invoices issued on or after the advance's day, oldest
    /// first, under the advance's contract when it names one (invoices of another contract are skipped), by the
    /// rules file's policy. Call after every line is decided: what lines paid automatically is not offered again,
    /// and two advances never propose the same money.
    package mutating func offset(_ advances: [OpenAdvance]) -> [ProposedAllocation] {
        guard rules.advanceOffset != .off else { return [] }
        let status: MatchStatus = rules.advanceOffset == .auto ? .auto : .suggested
        let confidence = rules.advanceOffsetConfidence
        var offered: [Int32: Decimal] = [:]
        var proposals: [ProposedAllocation] = []
        let ordered = advances.sorted { ($0.bookedOn, $0.id) < ($1.bookedOn, $1.id) }
        for advance in ordered where advance.remaining > 0 {
            let contractKey = advance.contract.map(Self.contractKey)
            let fromDay = advance.bookedOn.dayNumber
            let candidates = byPayer[advance.counterpartyINN].filter { slot in
                let invoice = invoices[Int(slot)]
                guard issuedDays[Int(slot)] >= fromDay, invoice.residual - (offered[slot] ?? 0) > 0,
                      !advance.rejectedInvoiceIDs.contains(invoice.id) else { return false }
                if let currency = invoice.currency, let paid = advance.currency, currency != paid { return false }
                if let contractKey, let own = invoice.contract, Self.contractKey(own) != contractKey { return false }
                return true
            }.sorted { (issuedDays[Int($0)], invoices[Int($0)].number) < (issuedDays[Int($1)], invoices[Int($1)].number) }
            var left = advance.remaining
            for slot in candidates where left > 0 {
                let open = invoices[Int(slot)].residual - (offered[slot] ?? 0)
                let share = min(open, left)
                left -= share
                let under = advance.contract.map { " under contract \($0)" } ?? ""
                proposals.append(ProposedAllocation(
                    paymentID: advance.paymentID, invoiceID: invoices[Int(slot)].id, amount: share, rule: "A1",
                    confidence: confidence, status: status,
                    explanation: "advance \(advance.id) of \(advance.bookedOn.iso)\(under) offset against invoice "
                        + "№\(invoices[Int(slot)].number) of \(invoices[Int(slot)].issuedOn.iso), issued after it "
                        + "(oldest first): \(money(share)) of \(money(advance.remaining)), \(money(left)) left (A1, "
                        + confidenceText(confidence) + ")",
                    advanceID: advance.id))
                if status == .auto {
                    invoices[Int(slot)].residual -= share
                } else {
                    offered[slot, default: 0] += share
                }
            }
        }
        ruleCounts["A1", default: 0] += proposals.count
        return proposals
    }

    /// A contract number for comparison: `К-77`, `K 77` and `k-77` are the same contract.
    private static func contractKey(_ text: String) -> String {
        CounterpartyNameKey.words(text).filter { $0 != "dogovor" && $0 != "shartnoma" && $0 != "contract" }.joined()
    }

    // MARK: - Evidence

    private mutating func evaluate(_ payment: PaymentToMatch) -> PaymentDecision {
        let line: String
        switch (payment.direction, payment.entryKind) {
        case (_, "return"): line = "return"
        case (_, "reversal"): line = "reversal"
        case (.incoming, _): line = "credit"
        case (.outgoing, _): line = "debit"
        }
        let bankCode = bankLineKind(payment)
        latestDay = (payment.valueDate ?? payment.bookedOn).dayNumber + rules.invoiceDateGraceDays
        earliestDay = payment.bookedOn.adding(months: -rules.searchWindowMonths).dayNumber
        let payer = payment.counterpartyINN == nil ? "unknown" : "known"
        if line != "credit" || bankCode != "none" {
            guard let rule = ruleLookup.firstRule(line: line, bankCode: bankCode, payer: payer, reference: "none",
                                                  amount: "other") else {
                return PaymentDecision(outcome: "unmatched",
                                       explanation: "\(line) line: no rule of the rule set applies")
            }
            return ownOrBankLine(payment, rule: rule, line: line, bankCode: bankCode)
        }

        if !decidingRegistryEntry {
            // The agent's registry file first (the warehouse gives it only when it adds up to the line), then a
            // registry written into the purpose.
            if let file = payment.registryFile,
               file.entries.reduce(Decimal(0), { $0 + $1.amount }) == payment.amount,
               let decision = registryDecision(payment, entries: file.entries,
                                               source: "in the registry file \(file.reference)") {
                return decision
            }
            if let purpose = payment.purpose, let entries = PaymentRegistry.entries(in: purpose, total: payment.amount),
               let decision = registryDecision(payment, entries: entries, source: "in the purpose") {
                return decision
            }
        }
        var notes: [String] = []
        let payerText = payerDescription(payment)
        var evidence = referenceEvidence(payment, notes: &notes)
        let reference = evidence.kind
        let amountFacts = amountEvidence(payment, evidence: &evidence)
        guard let rule = ruleLookup.firstRule(line: line, bankCode: bankCode, payer: payer, reference: reference,
                                              amount: amountFacts.kind) else {
            var parts = [payerText] + notes
            parts.append(evidence.description.isEmpty ? "no invoice number found" : evidence.description)
            if let amountText = amountFacts.description { parts.append(amountText) }
            return PaymentDecision(outcome: "unmatched", explanation: parts.joined(separator: " + ")
                                   + ": no rule applies, left for the accountant")
        }
        var parts = [payerText] + notes
        if !evidence.description.isEmpty { parts.append(evidence.description) }
        if let amountText = amountFacts.description { parts.append(amountText) }
        let explanation = parts.joined(separator: " + ")
        return build(payment, rule: rule, evidence: evidence, amountKind: amountFacts.kind, explanation: explanation)
    }

    /// A payment agent's line split by the registry in its purpose: each entry decided as the payment of its own
    /// payer, the line's decision their sum. Nil (the line is then decided whole, and goes to review with the
    /// invoices it names) when more than one entry would keep an advance: a line keeps at most one advance.
    private mutating func registryDecision(_ payment: PaymentToMatch, entries: [PaymentRegistry.Entry],
                                           source: String) -> PaymentDecision?
    {
        decidingRegistryEntry = true
        defer { decidingRegistryEntry = false }
        var parts: [PaymentDecision] = []
        for entry in entries {
            var part = payment
            part.registryFile = nil
            part.amount = entry.amount
            part.counterpartyINN = entry.taxID
            part.counterpartyName = entry.name
            part.resolvedBy = "registry"
            part.purpose = entry.purpose
            part.structured = []
            part.ownNumbers = [entry.taxID]
            parts.append(evaluate(part))
        }
        guard parts.filter({ $0.advance != nil }).count <= 1 else {
            // Undo what the entries paid automatically: the line is decided whole instead.
            for allocation in parts.flatMap(\.allocations) where allocation.status == .auto {
                if let slot = slot(ofInvoice: allocation.invoiceID) {
                    invoices[Int(slot)].residual += allocation.amount + allocation.writtenOff
                }
            }
            autoPaid[payment.id] = nil
            return nil
        }
        let outcome = parts.allSatisfy { $0.outcome == "matched" } ? "matched"
            : parts.allSatisfy { $0.allocations.isEmpty && $0.advance == nil } ? "unmatched" : "review"
        let described = zip(entries, parts).map { entry, part in
            "\(entry.position)) \(entry.taxID.utf8.count == 14 ? "PINFL" : "INN") \(entry.taxID) \(entry.name) "
                + "\(money(entry.amount)): \(part.explanation)"
        }
        return PaymentDecision(
            outcome: outcome, rule: "registry", confidence: parts.compactMap(\.confidence).min(),
            explanation: "payment agent's registry of \(entries.count) payers \(source), adding up to the "
                + "amount; each decided on its own: " + described.joined(separator: "; "),
            allocations: parts.flatMap(\.allocations), advance: parts.compactMap(\.advance).first)
    }

    private func payerDescription(_ payment: PaymentToMatch) -> String {
        guard let inn = payment.counterpartyINN else {
            return payment.counterpartyName.map { "\(side.party) \"\($0)\" not known to the CRM" }
                ?? "\(side.party) unknown"
        }
        let label = inn.utf8.count == 14 ? "PINFL" : "INN"
        switch payment.resolvedBy {
        case "account": return "\(side.party)'s account → \(label) \(inn)"
        case "name": return "\(side.party)'s name \"\(payment.counterpartyName ?? "")\" → \(label) \(inn)"
        default: return "\(label) \(inn)"
        }
    }

    /// What the invoice references of a line point at.
    private struct ReferenceEvidence {
        var kind = "none"
        var targets: [Int32] = []
        /// Structured remittance amounts per target, when the payer gave them all.
        var structuredAmounts: [Decimal]?
        var contract: String?
        var description = ""
    }

    /// `fee`, `interest` or `none`: by the transaction code (cached), else by words when nobody is named.
    private mutating func bankLineKind(_ payment: PaymentToMatch) -> String {
        if let code = payment.bankTransactionCode {
            let cached = bankCodeKinds[code]
            let kind = cached ?? (rules.bankLineKind(code: code, purpose: nil, hasCounterparty: true) ?? "none")
            if cached == nil { bankCodeKinds[code] = kind }
            if kind != "none" { return kind }
        }
        guard payment.counterpartyINN == nil, payment.counterpartyName == nil else { return "none" }
        return rules.bankLineKind(code: nil, purpose: payment.purpose, hasCounterparty: false) ?? "none"
    }

    /// Whether an invoice can be what this line pays: open, not rejected for it, same currency, in the window.
    private func eligible(_ slot: Int32, for payment: PaymentToMatch) -> Bool {
        let index = Int(slot)
        let issued = issuedDays[index]
        guard issued <= latestDay, issued >= earliestDay else { return false }
        // Field by field in place: a copy of the invoice (`let invoice = invoices[index]`) retained and released
        // its five strings, millions of times a run.
        guard invoices[index].residual > 0 else { return false }
        if !payment.rejectedInvoiceIDs.isEmpty, payment.rejectedInvoiceIDs.contains(invoices[index].id) { return false }
        if let paid = payment.currency, let currency = invoices[index].currency, currency != paid { return false }
        return true
    }

    private func referenceEvidence(_ payment: PaymentToMatch, notes: inout [String]) -> ReferenceEvidence {
        var evidence = ReferenceEvidence()
        let inn = payment.counterpartyINN
        // Structured remittance first: the payer's own statement of what it pays.
        if !payment.structured.isEmpty {
            var targets: [Int32] = []
            var amounts: [Decimal] = []
            var allResolved = true
            for reference in payment.structured {
                let keys = InvoiceReferenceExtractor.keys(forInvoiceNumber: reference.number)
                let own = inn.map { invoices(of: $0, numericCore: keys.numericCore) } ?? []
                var found = own.filter { eligible($0, for: payment) }
                if found.isEmpty, inn == nil {
                    found = invoices(numericCore: keys.numericCore).filter { eligible($0, for: payment) }
                }
                guard found.count == 1, !targets.contains(found[0]) else {
                    allResolved = false
                    break
                }
                targets.append(found[0])
                if let amount = reference.amount { amounts.append(amount) }
            }
            if allResolved {
                evidence.kind = targets.count == 1 ? "structured" : "structured_several"
                evidence.targets = targets
                evidence.structuredAmounts = amounts.count == targets.count ? amounts : nil
                evidence.description = "structured reference " + numbers(targets)
                return evidence
            }
            notes.append("structured reference \(payment.structured.map { "№\($0.number)" }.joined(separator: ", ")) "
                         + "does not name one open invoice of this payer")
        }

        let found = extractor.extract(payment.purpose ?? "", maskedNumbers: payment.ownNumbers)
        var targets: [Int32] = []
        var otherClient: [Int32] = []
        var ambiguous: [String] = []
        for reference in found.invoices {
            var matches: [Int32] = []
            if let inn {
                matches = invoices(of: inn, numericCore: reference.numericCore).filter { eligible($0, for: payment) }
                if matches.isEmpty {
                    matches = invoices(of: inn, serialCore: reference.numericCore)
                        .filter { eligible($0, for: payment) }
                }
            }
            if matches.isEmpty, let inn {
                // Say why a number of the payer's own invoices does not count, rather than "no number found".
                let named = invoices(of: inn, numericCore: reference.numericCore)
                    + invoices(of: inn, serialCore: reference.numericCore)
                // An invoice an earlier line of this run paid is passed over in silence, as one paid in an earlier
                // run is (the engine never sees that one): an explanation that depended on which run paid the
                // invoice changed on every rerun (244,000 lines at a million).
                let rejected = named.filter { payment.rejectedInvoiceIDs.contains(invoices[Int($0)].id) }
                if !rejected.isEmpty {
                    notes.append("invoice \(numbers(rejected)) named, but rejected for this payment by the accountant")
                    continue
                }
                if named.contains(where: { invoices[Int($0)].residual <= 0 }) { continue }
            }
            if matches.count == 1 {
                if !targets.contains(matches[0]) { targets.append(matches[0]) }
            } else if matches.count > 1 {
                ambiguous.append("№\(reference.text) matches \(matches.count) open invoices (\(numbers(matches)))")
            } else if reference.anchored {
                // Not the payer's: someone else's invoice with exactly this number (a third party paying).
                let elsewhere = invoices(numericCore: reference.numericCore).filter {
                    eligible($0, for: payment) && invoices[Int($0)].counterpartyINN != inn
                }
                if elsewhere.count == 1, !otherClient.contains(elsewhere[0]) { otherClient.append(elsewhere[0]) }
            }
        }
        notes += ambiguous.map { "invoice number \($0): not trusted" }
        if !targets.isEmpty {
            evidence.kind = targets.count == 1 ? "one" : "several"
            evidence.targets = targets
            evidence.description = (targets.count == 1 ? "invoice " : "invoices ") + numbers(targets)
                + " found in purpose"
        } else if !otherClient.isEmpty {
            evidence.targets = otherClient
            let owners = Set(otherClient.compactMap { invoices[Int($0)].counterpartyINN }).sorted()
            let ownerNames = owners.map { inn in
                let name = otherClient.map { invoices[Int($0)] }.first { $0.counterpartyINN == inn }?.counterpartyName
                return name.map { "\($0) (INN \(inn))" } ?? "INN \(inn)"
            }
            // "за ООО …": the payer says whom it pays for, and it is the invoice's own client. A key shorter than
            // four letters says too little to count.
            let purposeKey = CounterpartyNameKey.words(payment.purpose ?? "").joined()
            let named = !owners.isEmpty && owners.allSatisfy { inn in
                nameKeyByINN[inn].map { $0.count >= 4 && purposeKey.contains($0) } ?? false
            }
            evidence.kind = named ? "other_client_named" : "other_client"
            let payer = payment.counterpartyName.map { "\"\($0)\"" } ?? "the payer"
            evidence.description = "invoice " + numbers(otherClient) + " found in purpose but issued to "
                + (owners.isEmpty ? "an unknown client" : ownerNames.joined(separator: ", "))
                + "; paid by \(payer)" + (payment.counterpartyINN.map { " (INN \($0))" } ?? "")
                + (named ? ", whose purpose names that client" : "")
        } else if !found.contracts.isEmpty || found.mentionsAdvance {
            evidence.kind = "contract"
            evidence.contract = found.contracts.first
            evidence.description = found.contracts.isEmpty
                ? "prepayment named, no invoice number"
                : "contract \(found.contracts.joined(separator: ", ")) named, no invoice number"
        }
        return evidence
    }

    private func numbers(_ slots: [Int32]) -> String {
        slots.map { "№" + invoices[Int($0)].number }.joined(separator: ", ")
    }

    private func tolerance(for residual: Decimal) -> Decimal {
        max(rules.toleranceAbsolute, residual * rules.tolerancePercent / 100)
    }

    /// How the amount compares with what the evidence names; may pick the targets (R7, R8, R11).
    private func amountEvidence(_ payment: PaymentToMatch, evidence: inout ReferenceEvidence)
        -> (kind: String, description: String?)
    {
        let amount = payment.amount
        switch evidence.kind {
        case "structured", "structured_several", "one", "several", "other_client", "other_client_named":
            let residuals = evidence.targets.map { invoices[Int($0)].residual }
            let total = residuals.reduce(0, +)
            if let structured = evidence.structuredAmounts, structured.reduce(0, +) == amount {
                let exact = zip(structured, residuals).allSatisfy { share, residual in
                    share <= residual && residual - share <= tolerance(for: residual)
                }
                if exact { return ("equals_residual", "remitted amounts equal the residuals") }
                if zip(structured, residuals).allSatisfy({ $0 <= $1 }) {
                    return ("below_residual", "remitted amounts below the residuals: partial")
                }
                return ("above_residual", "remitted amounts above the residuals")
            }
            let plural = residuals.count > 1
            if amount == total {
                return ("equals_residual", plural ? "amount equals the residuals' sum" : "amount equals residual")
            }
            if amount < total {
                if total - amount <= tolerance(for: total) {
                    return ("equals_residual", "amount equals residual within tolerance (\(money(total - amount)) "
                            + "written off)")
                }
                return ("below_residual", "amount \(money(amount)) < residual \(money(total)): partial payment, "
                        + "\(money(total - amount)) left open")
            }
            return ("above_residual", "amount \(money(amount)) > residual \(money(total)): surplus "
                    + "\(money(amount - total)) kept as advance")
        default:
            if let inn = payment.counterpartyINN {
                let open = byPayer[inn].filter { eligible($0, for: payment) }
                let equal = open.filter { invoices[Int($0)].residual == amount }
                if equal.count == 1 {
                    evidence.targets = equal
                    return ("equals_one_open", "the only open invoice of this client with residual = amount is "
                            + numbers(equal))
                }
                if equal.count > Self.maxTiedProposals {
                    return ("other", "\(equal.count) open invoices of this client have residual = amount: too many "
                            + "to propose")
                }
                if equal.count > 1 {
                    evidence.targets = equal
                    return ("several_equal_open", "\(equal.count) open invoices of this client have residual = "
                            + "amount (\(numbers(equal))): cannot tell which")
                }
                var sum = Decimal(0)
                for (index, slot) in open.enumerated() {
                    sum += invoices[Int(slot)].residual
                    if sum > amount { break }
                    if sum == amount, index >= 1 {
                        evidence.targets = Array(open[0...index])
                        return ("oldest_first_sum", "oldest open invoices " + numbers(evidence.targets)
                                + " sum to the amount")
                    }
                }
                return ("other", open.isEmpty && evidence.kind == "none" ? "client has no open invoice" : nil)
            }
            let equal = byAmount[amount].filter { eligible($0, for: payment) && invoices[Int($0)].residual == amount }
            if equal.count == 1 {
                evidence.targets = equal
                return ("equals_any_open", "amount equals the residual of " + numbers(equal) + " only")
            }
            return ("other", equal.count > 1 ? "\(equal.count) open invoices have this amount" : nil)
        }
    }

    // MARK: - Decisions

    private mutating func build(_ payment: PaymentToMatch, rule: ReconciliationRules.Rule, evidence: ReferenceEvidence,
                                amountKind: String, explanation: String) -> PaymentDecision {
        var status = rules.status(for: rule.confidence)
        // A tie, or someone else's invoice, is never decided without the accountant.
        let neverAuto = amountKind == "several_equal_open"
            || ReconciliationRuleReachability.thirdPartyReferences.contains(evidence.kind)
        if neverAuto, status == .auto { status = .suggested }
        let outcome = status == .auto ? "matched" : status == .suggested ? "review" : "unmatched"
        switch rule.action {
        case .advance:
            if payment.advanceRejected {
                return PaymentDecision(outcome: "unmatched", rule: rule.id, confidence: rule.confidence,
                                       explanation: explanation + ": the advance was rejected by the accountant")
            }
            guard status != .hint else {
                return PaymentDecision(outcome: "unmatched", rule: rule.id, confidence: rule.confidence,
                                       explanation: explanation + ": below the review threshold")
            }
            let advanceStatus = status
            let advance = ProposedAdvance(
                paymentID: payment.id, counterpartyINN: payment.counterpartyINN, amount: payment.amount,
                contract: evidence.contract, rule: rule.id, confidence: rule.confidence, status: advanceStatus,
                explanation: explanation + ": kept as \(side.advance)")
            return PaymentDecision(outcome: advanceStatus == .auto ? "matched" : "review", rule: rule.id,
                                   confidence: rule.confidence, explanation: advance.explanation, advance: advance)
        case .linkPayment, .bankLine:
            return ownOrBankLine(payment, rule: rule, line: "credit", bankCode: "none")
        case .explain:
            let candidates = evidence.targets.isEmpty ? "" : ": " + numbers(evidence.targets) + " not proposed"
            return PaymentDecision(outcome: "unmatched", rule: rule.id, confidence: rule.confidence,
                                   explanation: explanation + " (\(rule.id), \(confidenceText(rule.confidence)))"
                                       + candidates + ", left for the accountant")
        case .allocate:
            break
        }
        guard !evidence.targets.isEmpty else {
            return PaymentDecision(outcome: "unmatched", rule: rule.id, confidence: rule.confidence,
                                   explanation: explanation + ": rule \(rule.id) names no invoice")
        }
        let fullExplanation = explanation + " (\(rule.id), \(confidenceText(rule.confidence)))"
        guard status != .hint else {
            return PaymentDecision(outcome: "unmatched", rule: rule.id, confidence: rule.confidence,
                                   explanation: fullExplanation + ": below the review threshold")
        }

        var allocations: [ProposedAllocation] = []
        var remaining = payment.amount
        if amountKind == "several_equal_open" {
            // A tie: every candidate is proposed with the whole amount; the accountant picks one.
            for slot in evidence.targets {
                allocations.append(ProposedAllocation(
                    paymentID: payment.id, invoiceID: invoices[Int(slot)].id, amount: payment.amount, rule: rule.id,
                    confidence: rule.confidence, status: .suggested, explanation: fullExplanation))
            }
            remaining = 0
        } else {
            for (index, slot) in evidence.targets.enumerated() where remaining > 0 {
                let residual = invoices[Int(slot)].residual
                let share = evidence.structuredAmounts?[index] ?? residual
                var amount = min(share, residual, remaining)
                let isLast = index == evidence.targets.count - 1
                if isLast, evidence.structuredAmounts == nil, remaining > residual { amount = residual }
                var writtenOff = Decimal(0)
                if amountKind == "equals_residual", residual - amount > 0, residual - amount <= tolerance(for: residual) {
                    writtenOff = residual - amount
                }
                allocations.append(ProposedAllocation(
                    paymentID: payment.id, invoiceID: invoices[Int(slot)].id, amount: amount, writtenOff: writtenOff,
                    rule: rule.id, confidence: rule.confidence, status: status, explanation: fullExplanation))
                remaining -= amount
                if status == .auto {
                    invoices[Int(slot)].residual -= amount + writtenOff
                    if payment.mayBeReturned {
                        autoPaid[payment.id, default: []].append((invoices[Int(slot)].id, amount))
                    }
                }
            }
        }
        var advance: ProposedAdvance?
        if remaining > 0, !payment.advanceRejected {
            advance = ProposedAdvance(
                paymentID: payment.id, counterpartyINN: payment.counterpartyINN, amount: remaining, contract: nil,
                rule: rule.id, confidence: rule.confidence, status: status,
                explanation: fullExplanation + ": surplus \(money(remaining)) kept as \(side.advance)")
        }
        return PaymentDecision(outcome: outcome, rule: rule.id, confidence: rule.confidence,
                               explanation: fullExplanation, allocations: allocations, advance: advance)
    }

    /// R2 and R12: our own payment orders, returns and reversals, and the bank's own lines.
    private mutating func ownOrBankLine(_ payment: PaymentToMatch, rule: ReconciliationRules.Rule, line: String,
                               bankCode: String) -> PaymentDecision {
        let confidence = "(\(rule.id), \(confidenceText(rule.confidence)))"
        if rule.action == .bankLine {
            let kind = bankCode == "interest" ? "interest" : "bank charge"
            return PaymentDecision(
                outcome: "bank", rule: rule.id, confidence: rule.confidence,
                explanation: "\(kind) (code \(payment.bankTransactionCode ?? "by its text")): posted to the bank "
                    + "account, never to an invoice \(confidence)")
        }
        guard rule.action == .linkPayment else {
            return PaymentDecision(outcome: "unmatched", rule: rule.id, confidence: rule.confidence,
                                   explanation: "\(line) line: rule \(rule.id) does not apply to it")
        }
        let order = payment.endToEndID.map { "payment order \($0)" } ?? "payment order"
        switch line {
        case "debit":
            return PaymentDecision(outcome: "own_payment", rule: rule.id, confidence: rule.confidence,
                                   explanation: "our \(order) to \(payment.counterpartyName ?? "a supplier") "
                                       + confidence)
        default:
            let reason = payment.returnReason.map { " (reason \($0))" } ?? ""
            let what = line == "return" ? "returned" : "reversed by the bank"
            guard payment.linkedTransactionID != nil else {
                return PaymentDecision(
                    outcome: "own_payment", rule: rule.id, confidence: rule.confidence,
                    explanation: "\(order) \(what)\(reason); the original line is not in the warehouse; "
                        + "never an invoice payment \(confidence)")
            }
            // Money that paid invoices went back: the allocations are taken back and the invoices reopen. What
            // the original paid is what earlier runs recorded plus what this run allocated automatically.
            let status = rules.status(for: rule.confidence)
            let paidBefore = payment.linkedAllocations + (autoPaid[payment.linkedTransactionID!] ?? [])
            let allocations = payment.direction == .outgoing ? paidBefore.map { paid in
                ProposedAllocation(paymentID: payment.id, invoiceID: paid.invoiceID, amount: -paid.amount,
                                   rule: rule.id, confidence: rule.confidence, status: status,
                                   explanation: "\(order) \(what)\(reason): the payment it made is taken back "
                                       + "and the invoice reopens \(confidence)")
            } : []
            if status == .auto {
                for allocation in allocations {
                    if let slot = slot(ofInvoice: allocation.invoiceID) { invoices[Int(slot)].residual -= allocation.amount }
                }
            }
            return PaymentDecision(
                outcome: "own_payment", rule: rule.id, confidence: rule.confidence,
                explanation: "\(order) \(what)\(reason), linked to the original line"
                    + (allocations.isEmpty ? "" : "; \(allocations.count) invoice(s) reopened") + " \(confidence)",
                allocations: allocations.filter { _ in rules.status(for: rule.confidence) != .hint })
        }
    }

    private func confidenceText(_ confidence: Double) -> String {
        confidence.twoDecimalsText
    }
}

/// An amount for people: grouped thousands, two decimals (`45 600 000.00`).
func money(_ value: Decimal) -> String { value.moneyText }

extension LedgerSide {
    /// Who stands on the line's other side, in explanations.
    fileprivate var party: String { self == .receivables ? "payer" : "payee" }
    /// What a surplus becomes, in explanations.
    fileprivate var advance: String { self == .receivables ? "customer advance" : "advance to the supplier" }
}
