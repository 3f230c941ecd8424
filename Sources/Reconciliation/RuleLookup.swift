/// The first rule of a rule set for every combination of evidence, computed once per run.
///
/// The evidence has few values (`ReconciliationRules.evidence`: about 1,500 combinations), so the engine looks a
/// line's rule up by the positions of its five facts instead of building a dictionary of facts and testing each
/// rule's conditions against it: that test was a twentieth of the engine's time at a million lines.
package struct RuleLookup: Sendable {
    /// The evidence keys in the order their positions are combined.
    package static let keys = ["line", "bank_code", "payer", "reference", "amount"]
    private static let values: [[String]] = keys.map { ReconciliationRules.evidence[$0]! }

    private let rules: [ReconciliationRules.Rule]
    /// Combination → index of its first rule in `rules`, or -1 when none applies.
    private let firstIndex: [Int16]

    package init(_ ruleSet: ReconciliationRules) {
        precondition(Set(Self.keys) == Set(ReconciliationRules.evidence.keys), "every kind of evidence is looked up")
        rules = ruleSet.rules
        var table: [Int16] = []
        table.reserveCapacity(Self.values.reduce(1) { $0 * $1.count })
        // Enumerated with the last key varying fastest, which is how `position` combines them.
        func fill(_ depth: Int, _ facts: inout [String: String]) {
            guard depth < Self.keys.count else {
                table.append(ruleSet.rules.firstIndex { ReconciliationRules.accepts($0, facts) }.map(Int16.init) ?? -1)
                return
            }
            for value in Self.values[depth] {
                facts[Self.keys[depth]] = value
                fill(depth + 1, &facts)
            }
        }
        var facts: [String: String] = [:]
        fill(0, &facts)
        firstIndex = table
    }

    /// The first rule, in rank order, whose conditions all hold for these facts. A value outside the evidence
    /// vocabulary satisfies no condition on its key.
    package func firstRule(line: String, bankCode: String, payer: String, reference: String, amount: String)
        -> ReconciliationRules.Rule?
    {
        guard let line = Self.index(0, line), let bankCode = Self.index(1, bankCode), let payer = Self.index(2, payer),
              let reference = Self.index(3, reference), let amount = Self.index(4, amount)
        else {
            let facts = Dictionary(uniqueKeysWithValues: zip(Self.keys, [line, bankCode, payer, reference, amount]))
            return rules.first { ReconciliationRules.accepts($0, facts) }
        }
        let position = (((line * Self.values[1].count + bankCode) * Self.values[2].count + payer)
            * Self.values[3].count + reference) * Self.values[4].count + amount
        let rule = firstIndex[position]
        return rule < 0 ? nil : rules[Int(rule)]
    }

    /// The position of `value` among key `depth`'s values: a linear search over at most eight short strings,
    /// cheaper than hashing.
    private static func index(_ depth: Int, _ value: String) -> Int? {
        values[depth].firstIndex(of: value)
    }
}
