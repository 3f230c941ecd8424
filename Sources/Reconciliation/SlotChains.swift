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
        slots(of: key) { _ in true }
    }

    /// The slots of `key` that `keep` accepts, in ascending order.
    func slots(of key: Key, where keep: (Int32) -> Bool) -> [Int32] {
        guard var slot = heads[key] else { return [] }
        var slots: [Int32] = []
        while slot >= 0 {
            if keep(slot) { slots.append(slot) }
            slot = next[Int(slot)]
        }
        return slots
    }
}

/// A 64-bit fingerprint of a client and an invoice number's key, or of a key alone: what the engine's number
/// indexes are keyed by. Two strings made a 32-byte dictionary key, and the two client-and-number indexes were a
/// quarter of the engine's memory; eight bytes hold them in a third. Different keys may share a fingerprint, so a
/// lookup keeps only the slots whose invoice has the key itself (`PaymentMatcher`).
enum NumberFingerprint {
    static func of(payer: String, number: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(payer)
        hasher.combine(number)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    static func of(number: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(number)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }
}
