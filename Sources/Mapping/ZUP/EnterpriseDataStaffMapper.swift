import Connectors
import HubCore

/// 1C:ZUP's staff objects in an EnterpriseData message (format 1.17 and later) → staff rows:
/// `Справочник.ФизическиеЛица`, `Справочник.Сотрудники`, `Справочник.Подразделения` (and
/// `ПодразделениеРегламентированногоУчета`), `Справочник.Должности`, `Справочник.КадроваяИсторияСотрудников`.
///
/// References are by value, as everywhere in the format: a history record names its employee with the
/// personnel number, its department and position with their names, so a message that carries only history
/// still says who moved where.
enum EnterpriseDataStaffMapper {
    static let individualType = "Справочник.ФизическиеЛица"
    static let employeeType = "Справочник.Сотрудники"
    static let departmentTypes = ["Справочник.Подразделения", "Справочник.ПодразделенияОрганизаций",
                                  "Справочник.ПодразделениеРегламентированногоУчета"]
    static let positionType = "Справочник.Должности"
    static let historyType = "Справочник.КадроваяИсторияСотрудников"

    static let types: Set<String> = Set([individualType, employeeType, positionType, historyType] + departmentTypes)

    static func map(_ typeName: String, _ reader: PropertyReader, position: XMLPosition,
                    vocabulary: StaffVocabulary) throws(OneCRejection) -> StaffRow {
        switch typeName {
        case individualType: return .individual(try individual(reader, position: position))
        case employeeType:
            return .employee(try employee(reader.node, reader: reader, path: ["КлючевыеСвойства"], position: position))
        case positionType: return .unit(try unit(.position, reader, position: position))
        case historyType: return try history(reader, position: position, vocabulary: vocabulary)
        default: return .unit(try unit(.department, reader, position: position))
        }
    }

    static func individual(_ reader: PropertyReader, position: XMLPosition) throws(OneCRejection) -> IndividualRow {
        let keys = ["КлючевыеСвойства"]
        let ref = try reader.required(keys + ["Ссылка"])
        let name = try reader.required(keys + ["ФИО"])
        let (inn, pinfl) = identifiers(reader.text(keys + ["ИНН"]))
        return IndividualRow(
            ref: ref, fullName: name, lastName: reader.text(keys + ["Фамилия"]), firstName: reader.text(keys + ["Имя"]),
            middleName: reader.text(keys + ["Отчество"]), birthDate: try reader.date(keys + ["ДатаРождения"]),
            inn: inn, pinfl: pinfl ?? reader.text(["ПИНФЛ"]), position: position)
    }

    /// An identifier "as given": 14 digits are a ПИНФЛ, anything else the ИНН.
    static func identifiers(_ text: String?) -> (inn: String?, pinfl: String?) {
        guard let text, !text.isEmpty else { return (nil, nil) }
        return text.utf8.count == 14 && text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) ? (nil, text) : (text, nil)
    }

    /// An employee's key properties, at `path` below `node` (`КлючевыеСвойства` of the catalogue object, or
    /// a history record's `Сотрудник`).
    static func employee(_ node: XMLElementNode, reader: PropertyReader, path: [String],
                         position: XMLPosition) throws(OneCRejection) -> EmployeeRow {
        guard let key = node.element(path) else { throw reader.missing(path) }
        guard let number = key.value("ТабельныйНомер") else { throw reader.missing(path + ["ТабельныйНомер"]) }
        let person = key["ФизическоеЛицо"]
        return EmployeeRow(
            ref: key.value("Ссылка"), personnelNumber: number, name: key.value("Наименование"),
            individualRef: person?.value("Ссылка") ?? person?.value("КлючевыеСвойства", "Ссылка"),
            organization: key.value("ГоловнаяОрганизация", "Наименование"),
            archived: path == ["КлючевыеСвойства"] ? reader.bool(["Архив"]) : nil, position: position)
    }

    static func unit(_ kind: StaffUnitRow.Kind, _ reader: PropertyReader,
                     position: XMLPosition) throws(OneCRejection) -> StaffUnitRow {
        let keys = ["КлючевыеСвойства"]
        return StaffUnitRow(kind: kind, ref: try reader.required(keys + ["Ссылка"]),
                            name: try reader.required(keys + ["Наименование"]), position: position)
    }

    /// Every record of the object, or the first that cannot be read (the object is then set aside whole: its
    /// records are replaced together, so half of them would say less than 1C did).
    static func history(_ reader: PropertyReader, position: XMLPosition,
                        vocabulary: StaffVocabulary) throws(OneCRejection) -> StaffRow {
        let registrar = try reader.required(["КлючевыеСвойства", "Ссылка"])
        var records: [EmploymentEventRow] = []
        for (index, line) in (reader.node["Записи"]?.children(named: "Строка") ?? []).enumerated() {
            let record = PropertyReader(node: line, below: reader, section: "Записи", element: "Строка",
                                        index: index + 1)
            let text = try record.required(["ВидСобытия"])
            guard let event = vocabulary.event(text) else {
                throw OneCRejection(
                    reason: "ВидСобытия \"\(text.escapingControlCharacters())\" is none of the words mappings/zup.yaml "
                        + "gives for hire, transfer or dismissal",
                    path: record.path + "/ВидСобытия", line: line["ВидСобытия"]?.line ?? line.line, field: "ВидСобытия")
            }
            let department = line["ПодразделениеОрганизации"] ?? line["Подразделение"]
            let job = line["Должность"]
            records.append(EmploymentEventRow(
                registrarRef: registrar, recordNo: index + 1,
                employee: try employee(line, reader: record, path: ["Сотрудник"], position: position),
                event: event, eventText: text, effectiveOn: try record.requiredDate(["ДатаСобытия"]),
                departmentRef: department.flatMap(reference), department: department.flatMap(name),
                positionRef: job.flatMap(reference), jobTitle: job.flatMap(name),
                contractKind: record.text(["ВидДоговора"]), rate: try record.amount(["КоличествоСтавок"]),
                validUntil: try record.date(["ДействуетДо"]),
                position: XMLPosition(line: line.line, path: record.path)))
        }
        return .history(registrarRef: registrar, records: records, position: position)
    }

    private static func reference(_ node: XMLElementNode) -> String? {
        node.value("Ссылка") ?? node.value("КлючевыеСвойства", "Ссылка")
    }

    private static func name(_ node: XMLElementNode) -> String? {
        node.value("Наименование") ?? node.value("КлючевыеСвойства", "Наименование")
    }
}
