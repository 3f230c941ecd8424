import Foundation

/// Which rules of a rule set can ever decide a line, and why not when they cannot: `crmhub validate` refuses a
/// rules file with a rule whose action can never happen (an allocation below the proposal threshold, a rule
/// every line it accepts is taken by an earlier one, evidence that never occurs together).
///
/// The evidence has few values, so every combination a bank line can present is enumerated (about a thousand)
/// and each rule is checked against those it would be first for; a proof by cases, not a heuristic.
package enum ReconciliationRuleReachability {
    /// Reference kinds that name invoices, so that the amount is compared with their residuals.
    static let namingReferences: Set<String> = [
        "structured", "structured_several", "one", "several", "other_client", "other_client_named",
    ]
    /// Reference kinds of a third party's payment: never allocated automatically.
    package static let thirdPartyReferences: Set<String> = ["other_client", "other_client_named"]

    /// Whether the engine can produce these facts for one line (mirrors `PaymentMatcher.evaluate`).
    static func possible(_ facts: [String: String]) -> Bool {
        let (line, bank, payer, reference, amount) =
            (facts["line"]!, facts["bank_code"]!, facts["payer"]!, facts["reference"]!, facts["amount"]!)
        if line != "credit" || bank != "none" { return reference == "none" && amount == "other" }
        if namingReferences.contains(reference) {
            if (reference == "one" || reference == "several"), payer != "known" { return false }
            return ["equals_residual", "below_residual", "above_residual"].contains(amount)
        }
        if payer == "known" {
            return ["equals_one_open", "several_equal_open", "oldest_first_sum", "other"].contains(amount)
        }
        return ["equals_any_open", "other"].contains(amount)
    }

    /// Every combination of evidence a line can present.
    static let possibleFacts: [[String: String]] = {
        let keys = ReconciliationRules.evidence.keys.sorted()
        var all: [[String: String]] = [[:]]
        for key in keys {
            all = all.flatMap { partial in
                ReconciliationRules.evidence[key]!.map { value in partial.merging([key: value]) { $1 } }
            }
        }
        return all.filter(possible)
    }()

    /// Why rule `index` of `rules` can never happen, or nil when it can.
    package static func problem(ofRuleAt index: Int, in rules: ReconciliationRules) -> String? {
        let rule = rules.rules[index]
        let accepts = ReconciliationRules.accepts
        let own = possibleFacts.filter { accepts(rule, $0) }
        guard !own.isEmpty else {
            return "rule \(rule.id) can never apply: no bank line presents all of its conditions together "
                + "(docs/reconciliation.md lists which amount facts go with which references)"
        }
        let reached = own.filter { facts in !rules.rules[..<index].contains { accepts($0, facts) } }
        guard !reached.isEmpty else {
            let earlier = rules.rules[..<index].first { earlier in own.contains { accepts(earlier, $0) } }!
            return "rule \(rule.id) can never apply: every line it accepts is decided first by rule \(earlier.id), "
                + "which comes before it"
        }
        switch rule.action {
        case .allocate, .advance:
            if rule.confidence < rules.suggestThreshold {
                return "rule \(rule.id): action \(rule.action.rawValue) with confidence \(rule.confidence) lies below "
                    + "the proposal threshold \(rules.suggestThreshold), so it can never happen; raise the "
                    + "confidence, or use action explain to only name the candidate for the accountant"
            }
            let thirdPartyOnly = reached.allSatisfy { thirdPartyReferences.contains($0["reference"]!) }
            if thirdPartyOnly, rule.confidence >= rules.autoThreshold {
                return "rule \(rule.id): a payment for another client's invoice is never allocated automatically, "
                    + "only proposed; its confidence \(rule.confidence) must lie below the auto threshold "
                    + "\(rules.autoThreshold)"
            }
        case .explain, .linkPayment, .bankLine:
            break
        }
        return nil
    }
}
