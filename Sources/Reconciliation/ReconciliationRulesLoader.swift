import Crypto
import Foundation
import HubCore
import HubConfiguration
import Yams

/// Reads `mappings/reconciliation.yaml`: the ranked reconciliation rules, thresholds, tolerances, the bank's
/// own line codes and the words payers use (docs/reconciliation.md). Checked like every configuration file:
/// all problems in one pass, each with its line and column, unknown keys and values refused with a suggestion.
package enum ReconciliationRulesLoader {
    /// Where `crmhub reconcile` and the reconcile step look when no file is given.
    package static let defaultPath = "mappings/reconciliation.yaml"

    static let topLevelKeys = ["version", "description", "thresholds", "tolerance", "window", "rules", "advances",
                               "payables", "foreign_currency", "bank_lines", "vocabulary"]
    static let ruleKeys = ["id", "description", "when", "confidence", "action"]
    static let vocabularyKeys = ["invoice_anchors", "contract_anchors", "advance_words", "tax_words"]

    /// Whether a file under `mappings/` holds reconciliation rules (rather than data-quality tests).
    package static func isRulesFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("reconciliation")
    }

    /// The rules in `text` (from `file`), or nil when it has errors; the diagnostics either way.
    package static func load(_ text: String, file: String) -> (ReconciliationRules?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let rules = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : rules, reader.diagnostics)
    }

    /// Reads a rules file from disk, throwing one error that lists every problem; also returns its SHA-256.
    package static func load(path: String) throws -> (rules: ReconciliationRules, sha256: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HubError(.configuration, "no reconciliation rules file (the default is "
                           + "\(defaultPath); give another with --rules)", location: SourceLocation(source: path))
        }
        let text = String(decoding: data, as: UTF8.self)
        let (rules, diagnostics) = load(text, file: path)
        guard let rules else {
            throw HubError(.configuration, "the rules file has errors:\n"
                           + diagnostics.map(\.description).joined(separator: "\n"))
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return (rules, digest)
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> ReconciliationRules? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "a reconciliation rules file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads reconciliation rules of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        var rules = ReconciliationRules(rules: [])

        if let node = entries["thresholds"]?.value,
           let thresholds = reader.mapping(node, known: ["auto", "suggest"], in: "thresholds") {
            rules.autoThreshold = reader.fraction(thresholds["auto"]?.value, "thresholds auto") ?? rules.autoThreshold
            rules.suggestThreshold = reader.fraction(thresholds["suggest"]?.value, "thresholds suggest")
                ?? rules.suggestThreshold
            if rules.suggestThreshold > rules.autoThreshold {
                reader.error(at: node, "thresholds: suggest (\(rules.suggestThreshold)) must not be above auto "
                                 + "(\(rules.autoThreshold))")
            }
        }
        if let node = entries["tolerance"]?.value,
           let tolerance = reader.mapping(node, known: ["absolute", "percent"], in: "tolerance") {
            rules.toleranceAbsolute = decimal(tolerance["absolute"]?.value, "tolerance absolute", reader: &reader)
                ?? rules.toleranceAbsolute
            rules.tolerancePercent = decimal(tolerance["percent"]?.value, "tolerance percent", reader: &reader)
                ?? rules.tolerancePercent
        }
        if let node = entries["window"]?.value,
           let window = reader.mapping(node, known: ["months", "invoice_date_grace_days"], in: "window") {
            rules.searchWindowMonths = reader.integer(window["months"]?.value, "window months", atLeast: 1)
                ?? rules.searchWindowMonths
            rules.invoiceDateGraceDays = reader.integer(window["invoice_date_grace_days"]?.value,
                                                        "window invoice_date_grace_days", atLeast: 0)
                ?? rules.invoiceDateGraceDays
        }
        if let list = reader.required("rules", in: entries, parent: root, place: place) {
            if let sequence = list.sequence, !sequence.isEmpty {
                var ids: Set<String> = []
                var nodes: [Node] = []
                for (index, node) in sequence.enumerated() {
                    guard let rule = self.rule(node, index: index + 1, reader: &reader) else { continue }
                    if !ids.insert(rule.id).inserted { reader.error(at: node, "rule id '\(rule.id)' is used twice") }
                    rules.rules.append(rule)
                    nodes.append(node)
                }
                // Only a rule set read without errors is checked for rules that can never happen: a rule that
                // failed to load would make its neighbours look shadowed or reachable when they are not.
                if !reader.diagnostics.contains(where: { $0.severity == .error }) {
                    for index in rules.rules.indices {
                        if let problem = ReconciliationRuleReachability.problem(ofRuleAt: index, in: rules) {
                            reader.error(at: nodes[index], problem)
                        }
                    }
                }
            } else {
                reader.error(at: list, "rules must be a non-empty list")
            }
        }
        if let node = entries["advances"]?.value,
           let advances = reader.mapping(node, known: ["offset", "confidence"], in: "advances") {
            if let policy = reader.choice(advances["offset"]?.value, "advances offset",
                                          allowed: ReconciliationRules.AdvanceOffset.allCases.map(\.rawValue)) {
                rules.advanceOffset = ReconciliationRules.AdvanceOffset(rawValue: policy)!
            }
            rules.advanceOffsetConfidence = reader.fraction(advances["confidence"]?.value, "advances confidence")
                ?? rules.advanceOffsetConfidence
        }
        if let node = entries["payables"]?.value,
           let payables = reader.mapping(node, known: ["match"], in: "payables"),
           let match = reader.boolean(payables["match"]?.value, "payables match") {
            rules.matchPayables = match
        }
        if let node = entries["foreign_currency"]?.value,
           let currency = reader.mapping(node, known: ["base", "rate_max_age_days"], in: "foreign_currency") {
            if let base = reader.string(currency["base"]?.value, "foreign_currency base") {
                if base.count == 3, base.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                    rules.exchangeRates.base = base
                } else {
                    reader.error(at: currency["base"]?.value, "foreign_currency base must be an ISO 4217 code such "
                                 + "as UZS, not '\(base)'")
                }
            }
            if let days = reader.integer(currency["rate_max_age_days"]?.value, "foreign_currency rate_max_age_days",
                                         atLeast: 0) {
                rules.exchangeRates.maxAgeDays = days
            }
        }
        if let node = entries["bank_lines"]?.value {
            if let sequence = node.sequence {
                for (index, item) in sequence.enumerated() {
                    let place = "bank line kind \(index + 1)"
                    guard let fields = reader.mapping(item, known: ["kind", "codes", "purpose_words"], in: place)
                    else { continue }
                    let kind = reader.choice(reader.required("kind", in: fields, parent: item, place: place),
                                             "\(place) kind", allowed: ["fee", "interest"])
                    let codes = strings(fields["codes"]?.value, "\(place) codes", reader: &reader)
                    let words = strings(fields["purpose_words"]?.value, "\(place) purpose_words", reader: &reader)
                    if let kind { rules.bankLines.append(.init(kind: kind, codes: codes, purposeWords: words)) }
                }
            } else {
                reader.error(at: node, "bank_lines must be a list")
            }
        }
        if let node = entries["vocabulary"]?.value,
           let words = reader.mapping(node, known: vocabularyKeys, in: "vocabulary") {
            // Words listed here are added to the standard ones, so a file never loses the built-in spellings.
            var vocabulary = PurposeVocabulary.standard
            vocabulary.invoiceAnchors += strings(words["invoice_anchors"]?.value, "invoice_anchors", reader: &reader)
            vocabulary.contractAnchors += strings(words["contract_anchors"]?.value, "contract_anchors", reader: &reader)
            vocabulary.advanceWords += strings(words["advance_words"]?.value, "advance_words", reader: &reader)
            vocabulary.taxWords += strings(words["tax_words"]?.value, "tax_words", reader: &reader)
            rules.vocabulary = vocabulary
        }
        return rules
    }

    private static func rule(_ node: Node, index: Int, reader: inout ConfigReader) -> ReconciliationRules.Rule? {
        var place = "rule \(index)"
        guard let fields = reader.mapping(node, known: ruleKeys, in: place) else { return nil }
        let id = reader.string(reader.required("id", in: fields, parent: node, place: place), "\(place) id")
        if let id { place = "rule \(id)" }
        let description = reader.string(fields["description"]?.value, "\(place) description") ?? ""
        let confidence = reader.fraction(reader.required("confidence", in: fields, parent: node, place: place),
                                         "\(place) confidence")
        let action = reader.choice(reader.required("action", in: fields, parent: node, place: place),
                                   "\(place) action", allowed: ReconciliationRules.Action.allCases.map(\.rawValue))
        var conditions: [String: Set<String>] = [:]
        if let whenNode = reader.required("when", in: fields, parent: node, place: place),
           let when = reader.mapping(whenNode, known: ReconciliationRules.evidence.keys.sorted(), in: "\(place) when") {
            for (key, entry) in when {
                let allowed = ReconciliationRules.evidence[key]!
                let values = entry.value.sequence ?? [entry.value]
                var accepted: Set<String> = []
                for value in values {
                    if let text = reader.choice(value, "\(place) when \(key)", allowed: allowed) { accepted.insert(text) }
                }
                conditions[key] = accepted
            }
        }
        guard let id, let confidence, let action, let actionValue = ReconciliationRules.Action(rawValue: action)
        else { return nil }
        return ReconciliationRules.Rule(id: id, description: description, conditions: conditions,
                                        confidence: confidence, action: actionValue)
    }

    private static func strings(_ node: Node?, _ what: String, reader: inout ConfigReader) -> [String] {
        guard let node else { return [] }
        guard let sequence = node.sequence else {
            reader.error(at: node, "\(what) must be a list")
            return []
        }
        return sequence.compactMap { reader.string($0, what) }
    }

    private static func decimal(_ node: Node?, _ what: String, reader: inout ConfigReader) -> Decimal? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = Decimal(string: text), value >= 0 else {
            reader.error(at: node, "\(what) must be a number, 0 or more")
            return nil
        }
        return value
    }
}
