import HubCore

/// The counterparties one 1C file names, merged: by UUID first, then INN, then name (for parties without
/// an INN), the order in which 1C itself matches references.
///
/// Memory grows with the number of distinct counterparties in the file, not with its documents.
struct PartyRegistry: Sendable {
    struct Entry: Sendable {
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
        entries[key] = entry
        return key
    }

    /// Notes a party named by value and returns its key in this file.
    mutating func note(_ party: PartyReference, position: XMLPosition, explicit: Bool = false) -> Int {
        let nameKey = party.name.map { $0.lowercased() }
        let found = party.ref.flatMap { byRef[$0] } ?? party.inn.flatMap { byINN[$0] }
            ?? (party.inn == nil ? nameKey.flatMap { byName[$0] } : nil)
        let key: Int
        if let found, entries[found].inn == nil || party.inn == nil || entries[found].inn == party.inn {
            key = found
        } else {
            key = entries.count
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
        entries[key] = entry
        for ref in entry.refs { byRef[ref] = key }
        if let inn = entry.inn { byINN[inn] = key }
        if let name = entry.name?.lowercased(), entry.inn == nil { byName[name] = key }
        return key
    }
}
