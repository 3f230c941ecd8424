import HubCore

/// The lines a pass proposed for review and that hold nothing automatic, with their booking-order number and
/// rule: what a withdrawal may send back to the engine (`ReconciliationStore.redecide`), and the rule count to
/// take back when it does. A line with an automatic part is never decided twice: its money would count twice.
///
/// Kept in the engine rather than looked up in PostgreSQL: a join of the withdrawn lines with the pass's lines
/// and outcomes cost half a second at a million lines. Packed (16 bytes a line, a third of the lines at most),
/// because the engine's memory is what the run's peak is made of.
struct ProposedLines: Sendable {
    private struct Line: Sendable {
        var id: Int64
        var seq: Int32
        /// Into `rules`; `Self.notProposed` once the line is decided again without a proposal.
        var rule: UInt8
    }

    private static let notProposed = UInt8.max
    private var lines: [Line] = []
    /// The rules the lines were proposed by: a rule set has a few dozen.
    private var rules: [String?] = []

    /// Records the line when its decision proposes it for review and allocates nothing automatically.
    mutating func add(_ id: Int64, seq: Int64, _ decision: PaymentDecision) {
        guard let rule = ruleIndex(decision) else { return }
        lines.append(Line(id: id, seq: Int32(truncatingIfNeeded: seq), rule: rule))
    }

    /// Call once every line is added: lines are then found by id.
    mutating func seal() {
        lines.sort { $0.id < $1.id }
    }

    /// The line's booking-order number and rule, when it was proposed for review.
    func line(_ id: Int64) -> (seq: Int64, rule: String?)? {
        guard let index = index(of: id), lines[index].rule != Self.notProposed else { return nil }
        return (Int64(lines[index].seq), rules[Int(lines[index].rule)])
    }

    /// A line decided again: still recorded only when the new decision proposes it.
    mutating func redecided(_ id: Int64, _ decision: PaymentDecision) {
        guard let index = index(of: id) else { return }
        lines[index].rule = ruleIndex(decision) ?? Self.notProposed
    }

    private mutating func ruleIndex(_ decision: PaymentDecision) -> UInt8? {
        guard decision.outcome == "review", decision.advance?.status != .auto,
              !decision.allocations.contains(where: { $0.status == .auto }) else { return nil }
        if let known = rules.firstIndex(of: decision.rule) { return UInt8(known) }
        guard rules.count < Int(Self.notProposed) else { return nil }
        rules.append(decision.rule)
        return UInt8(rules.count - 1)
    }

    private func index(of id: Int64) -> Int? {
        var low = 0, high = lines.count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < lines.count && lines[low].id == id ? low : nil
    }
}
