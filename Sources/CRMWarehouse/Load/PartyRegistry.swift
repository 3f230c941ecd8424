import HubCore

/// The counterparties one 1C file names, merged: by UUID first, then INN, then name (for parties without
/// an INN), the order in which 1C itself matches references.
///
/// Memory grows with the number of distinct counterparties in the file, not with its documents.
///
/// A file is loaded in chunks: `takeChanged()` hands over the parties that are new or changed since the last
/// chunk, so each party is written once per change, not once per document naming it.
struct PartyRegistry: Sendable {
    struct Entry: Sendable, Equatable {
        var refs: [String] = []
        var inn: String?
        var kpp: String?
        var name: String?
        var fullName: String?
        var isLegalEntity: Bool?
        var bankAccount: String?
        var bankCode: String?
        var bankName: String?
        var phone: String?
        var email: String?
        var address: String?
        var contactsJSON: String?
        /// A catalogue entry (`Справочник.Контрагенты`, CommerceML `Контрагент`) rather than a mention inside
        /// a document: its properties update the warehouse row.
        var explicit = false
        var position: XMLPosition
    }

    private(set) var entries: [Entry] = []
    private var byRef: [String: Int] = [:]
    private var byINN: [String: Int] = [:]
    private var byName: [String: Int] = [:]
    private var changed: [Int] = []
    private var isChanged: [Bool] = []

    /// The keys of the parties new or changed since the last call, in the order they were first noted.
    mutating func takeChanged() -> [Int] {
        defer {
            for key in changed { isChanged[key] = false }
            changed.removeAll(keepingCapacity: true)
        }
        return changed.sorted()
    }

    private mutating func markChanged(_ key: Int) {
        while isChanged.count <= key { isChanged.append(false) }
        if !isChanged[key] {
            isChanged[key] = true
            changed.append(key)
        }
    }

    /// Notes a full counterparty; its properties win over earlier mentions (the latest version counts).
    mutating func note(_ row: CounterpartyRow) -> Int {
        let key = note(row.party, position: row.position, explicit: true)
        var entry = entries[key]
        entry.bankAccount = row.bankAccount ?? entry.bankAccount
        entry.bankCode = row.bankCode ?? entry.bankCode
        entry.bankName = row.bankName ?? entry.bankName
        entry.phone = row.phone ?? entry.phone
        entry.email = row.email ?? entry.email
        entry.address = row.address ?? entry.address
        if row.contactsJSON != "{}" { entry.contactsJSON = row.contactsJSON }
        if entry != entries[key] {
            entries[key] = entry
            markChanged(key)
        }
        return key
    }

    /// Notes a party named by value and returns its key in this file.
    mutating func note(_ party: PartyReference, position: XMLPosition, explicit: Bool = false) -> Int {
        // The common case, a document naming a counterparty already known by its UUID with nothing new:
        // answered without touching names (lower-casing Cyrillic is the costly part).
        if !explicit, let ref = party.ref, let key = byRef[ref], Self.addsNothing(party, to: entries[key]) {
            return key
        }
        let nameKey = party.name.map { $0.lowercased() }
        let found = party.ref.flatMap { byRef[$0] } ?? party.inn.flatMap { byINN[$0] }
            ?? (party.inn == nil ? nameKey.flatMap { byName[$0] } : nil)
        let key: Int
        let isNew: Bool
        if let found, entries[found].inn == nil || party.inn == nil || entries[found].inn == party.inn {
            key = found
            isNew = false
        } else {
            key = entries.count
            isNew = true
            entries.append(Entry(position: position))
        }
        var entry = entries[key]
        if let ref = party.ref, !entry.refs.contains(ref) { entry.refs.append(ref) }
        if explicit || entry.inn == nil { entry.inn = party.inn ?? entry.inn }
        if explicit {
            entry.kpp = party.kpp ?? entry.kpp
            entry.name = party.name ?? entry.name
            entry.fullName = party.fullName ?? entry.fullName
            entry.isLegalEntity = party.isLegalEntity ?? entry.isLegalEntity
            entry.explicit = true
            entry.position = position
        } else {
            entry.kpp = entry.kpp ?? party.kpp
            entry.name = entry.name ?? party.name
            entry.fullName = entry.fullName ?? party.fullName
            entry.isLegalEntity = entry.isLegalEntity ?? party.isLegalEntity
        }
        guard isNew || entry != entries[key] else { return key }
        entries[key] = entry
        markChanged(key)
        for ref in entry.refs { byRef[ref] = key }
        if let inn = entry.inn { byINN[inn] = key }
        if let name = entry.name?.lowercased(), entry.inn == nil { byName[name] = key }
        return key
    }

    /// Whether a mention inside a document would leave the entry as it is (mentions only fill gaps).
    private static func addsNothing(_ party: PartyReference, to entry: Entry) -> Bool {
        (party.inn == nil || party.inn == entry.inn) && (party.kpp == nil || entry.kpp != nil)
            && (party.name == nil || entry.name != nil) && (party.fullName == nil || entry.fullName != nil)
            && (party.isLegalEntity == nil || entry.isLegalEntity != nil)
    }
}
