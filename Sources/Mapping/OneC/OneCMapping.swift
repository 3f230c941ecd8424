import Connectors
import HubCore

/// What a mapper makes of one 1C object. The raw row (every object, always) keeps the version received.
package enum OneCMapping: Sendable {
    case mapped(OneCRow, raw: RawObjectRow)
    /// A type CRMHub does not map: kept in `raw` and counted as "skipped: type not mapped".
    case skipped(raw: RawObjectRow)
    case rejected(OneCRejection, raw: RawObjectRow)
}

/// Shapes shared by the EnterpriseData and CommerceML mappers.
enum OneCShapes {
    /// A party named by value: either a key-properties block itself (`Ссылка`, `ИНН`, `Наименование`, …) or
    /// a wrapper around one (`Владелец/КонтрагентыСсылка`).
    static func party(_ node: XMLElementNode?) -> PartyReference? {
        guard var node else { return nil }
        if node["КлючевыеСвойства"] != nil { node = node["КлючевыеСвойства"]! }
        let identifying = ["Ссылка", "Ид", "ИНН", "Наименование", "ФИО"]
        if !identifying.contains(where: { node[$0] != nil }), node.children.count == 1 { node = node.children[0] }
        if node.children.isEmpty, let text = node.trimmedText { return PartyReference(ref: text) }
        let party = PartyReference(
            ref: node.value("Ссылка") ?? node.value("Ид"), inn: node.value("ИНН"), kpp: node.value("КПП"),
            name: node.value("Наименование") ?? node.value("ФИО"),
            fullName: node.value("НаименованиеПолное") ?? node.value("ОфициальноеНаименование")
                ?? node.value("ПолноеНаименование"),
            isLegalEntity: legalEntity(node))
        return party.isIdentifiable ? party : nil
    }

    static func legalEntity(_ node: XMLElementNode) -> Bool? {
        switch node.value("ЮридическоеФизическоеЛицо") {
        case "ЮридическоеЛицо": return true
        case "ФизическоеЛицо": return false
        default:
            if node["ОфициальноеНаименование"] != nil { return true }
            if node["ПолноеНаименование"] != nil { return false }
            return nil
        }
    }

    /// A referenced document: a key block (`Ссылка`, `Номер`, `Дата`), a wrapper around one
    /// (`ДокументРасчетов/СчетПокупателюСсылка`), or a bare UUID.
    static func document(_ node: XMLElementNode?) -> DocumentReference? {
        guard var node else { return nil }
        while node["Ссылка"] == nil && node["Номер"] == nil, node.children.count == 1 { node = node.children[0] }
        if node.children.isEmpty {
            return node.trimmedText.map { DocumentReference(ref: $0) }
        }
        let key = node["КлючевыеСвойства"] ?? node
        let reference = DocumentReference(
            ref: key.value("Ссылка"), number: key.value("Номер"),
            date: key.value("Дата").flatMap { CalendarDate(isoDate: $0) })
        return reference.ref == nil && reference.number == nil ? nil : reference
    }

    /// A key for a document sent without a UUID: 1C finds such documents by type, number, date and
    /// organisation, and so does CRMHub.
    static func syntheticRef(kind: String, number: String, date: CalendarDate, organization: PartyReference?)
        -> String
    {
        "key:\(kind)|\(number)|\(date.iso)|\(organization?.inn ?? organization?.name ?? "")"
    }
}
