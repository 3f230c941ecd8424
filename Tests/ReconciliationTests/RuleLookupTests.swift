import Foundation
import Reconciliation
import Testing

/// The engine's rule table against the rules' own conditions: the same first rule for every combination of
/// evidence, for the shipped rules and for a rule set written to catch a wrong stride.
@Suite struct RuleLookupTests {
    static func allFacts() -> [[String: String]] {
        RuleLookup.keys.reduce([[:]]) { partial, key in
            partial.flatMap { facts in
                ReconciliationRules.evidence[key]!.map { facts.merging([key: $0]) { $1 } }
            }
        }
    }

    static func check(_ ruleSet: ReconciliationRules) {
        let lookup = RuleLookup(ruleSet)
        for facts in allFacts() {
            let expected = ruleSet.rules.first { ReconciliationRules.accepts($0, facts) }?.id
            let found = lookup.firstRule(line: facts["line"]!, bankCode: facts["bank_code"]!, payer: facts["payer"]!,
                                         reference: facts["reference"]!, amount: facts["amount"]!)?.id
            #expect(found == expected, "\(facts)")
        }
    }

    @Test func theShippedRulesAreLookedUpAsTheirConditionsSay() {
        Self.check(PaymentMatcherTests.rules)
    }

    @Test func eachKeyCountsForItsOwnPositionOnly() {
        // One rule per key, each accepting only the last value of its key: a stride mixed up between two keys
        // sends some combination to the wrong rule.
        let rules = RuleLookup.keys.enumerated().map { index, key in
            ReconciliationRules.Rule(id: "K\(index)", description: key,
                                     conditions: [key: [ReconciliationRules.evidence[key]!.last!]],
                                     confidence: 0.9, action: .explain)
        } + [ReconciliationRules.Rule(id: "payer", description: "", conditions: ["payer": ["known"], "amount": ["other"]],
                                      confidence: 0.8, action: .explain)]
        Self.check(ReconciliationRules(rules: rules))
    }

    @Test func aValueOutsideTheVocabularyFailsOnlyItsOwnConditions() {
        let rules = ReconciliationRules(rules: [
            .init(id: "A", description: "", conditions: ["reference": ["one"]], confidence: 0.9, action: .explain),
            .init(id: "B", description: "", conditions: ["line": ["credit"]], confidence: 0.9, action: .explain),
        ])
        let lookup = RuleLookup(rules)
        #expect(lookup.firstRule(line: "credit", bankCode: "none", payer: "known", reference: "unheard_of",
                                 amount: "other")?.id == "B")
        #expect(lookup.firstRule(line: "unheard_of", bankCode: "none", payer: "known", reference: "unheard_of",
                                 amount: "other") == nil)
    }
}
