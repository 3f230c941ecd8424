/// Open invoices (their slots in the engine) grouped by a key, as chains through one array of next-slots rather
/// than one array per key: an index over half a million invoices holds a dictionary entry per key and four bytes
/// per invoice, not an array (a heap object) per key. Hand-written: the standard library's dictionaries of arrays
/// were most of the engine's memory (docs/performance.md).
struct SlotChains<Key: Hashable & Sendable>: Sendable {
    private var heads: [Key: Int32] = [:]
    private var next: [Int32]

    init(slotCount: Int) {
        next = Array(repeating: -1, count: slotCount)
    }

    /// Adds a slot to its key's chain. Call in descending slot order: each chain then runs in ascending order,
    /// the order the engine ranks invoices in.
    mutating func prepend(_ slot: Int32, to key: Key) {
        if let head = heads[key] { next[Int(slot)] = head }
        heads[key] = slot
    }

    /// The slots of `key`, in ascending order; empty when none.
    subscript(key: Key) -> [Int32] {
        guard var slot = heads[key] else { return [] }
        var slots: [Int32] = []
        while slot >= 0 {
            slots.append(slot)
            slot = next[Int(slot)]
        }
        return slots
    }
}

/// A client and a key of an invoice number of theirs: what a payment from that client names.
struct PayerNumberKey: Hashable, Sendable {
    var payer: String
    var number: String
}
