import Connectors
import Foundation
import HubCore
import Mapping
import Testing

@Suite("1C:ZUP staff objects → staff rows")
struct StaffMapperTests {
    static let staff = EnterpriseDataMapper.Profile.staff(.standard)

    static func map(_ xml: String, type: String, profile: EnterpriseDataMapper.Profile = staff) throws -> OneCMapping {
        EnterpriseDataMapper.map(try OneCMapperTests.object(xml, type: type), profile: profile)
    }

    static func staffRow(_ mapping: OneCMapping) -> StaffRow? {
        if case .mapped(.staff(let row), _) = mapping { return row }
        return nil
    }

    @Test("the 1C:Accounting sample's person, employee and hire, read for ZUP; its invoice skipped")
    func sampleObjects() throws {
        let objects = try OneCMapperTests.sampleObjects()
        guard case .individual(let person) = Self.staffRow(EnterpriseDataMapper.map(objects[3], profile: Self.staff)),
              case .employee(let employee) = Self.staffRow(EnterpriseDataMapper.map(objects[4], profile: Self.staff)),
              case .history(let registrar, let records, _) = Self.staffRow(EnterpriseDataMapper.map(objects[5], profile: Self.staff))
        else {
            Issue.record("the sample's HR objects must map")
            return
        }
        #expect(person.fullName == "Рахимов Бахтиёр Олимович" && person.inn == "612345670" && person.pinfl == nil)
        #expect(person.birthDate == CalendarDate(year: 1991, month: 7, day: 23))
        #expect(employee.personnelNumber == "0000-00031" && employee.individualRef == person.ref)
        #expect(employee.organization == "Алмазар Софт Сервис" && employee.archived == false)
        #expect(registrar == "4a5b6c7d-3333-11ee-b7a1-005056a1c0de" && records.count == 1)
        let hire = records[0]
        #expect(hire.event == .hire && hire.eventText == "Прием" && hire.effectiveOn == CalendarDate(year: 2024, month: 4, day: 1))
        #expect(hire.department == "Отдел продаж" && hire.jobTitle == "Менеджер по продажам")
        #expect(hire.employee.personnelNumber == "0000-00031" && hire.contractKind == "ТрудовойДоговор")
        #expect(hire.rate == ExactAmount(parsing: "1"))
        #expect(hire.position.path == "Message/Body/Справочник.КадроваяИсторияСотрудников[6]/Записи/Строка[1]")
        guard case .skipped = EnterpriseDataMapper.map(objects[1], profile: Self.staff) else {
            Issue.record("an invoice is not ZUP's: skipped")
            return
        }
        #expect(Self.staffRow(EnterpriseDataMapper.map(objects[6], profile: Self.staff)) == nil)
        guard case .mapped(.deletion, _) = EnterpriseDataMapper.map(objects[6], profile: Self.staff) else {
            Issue.record("deletions are read for ZUP too")
            return
        }
    }

    @Test("an identifier of 14 digits is a ПИНФЛ; anything else the ИНН", arguments: [
        ("31102880123456", nil, "31102880123456"), ("478123654", "478123654", nil), ("3110288012345X", "3110288012345X", nil),
    ] as [(String, String?, String?)])
    func identifiers(given: String, inn: String?, pinfl: String?) throws {
        let mapping = try Self.map("""
            <КлючевыеСвойства><Ссылка>e1</Ссылка><ФИО>Иванов Иван</ФИО><ИНН>\(given)</ИНН></КлючевыеСвойства>
            """, type: "Справочник.ФизическиеЛица")
        guard case .individual(let person) = Self.staffRow(mapping) else {
            Issue.record("a person must map: \(mapping)")
            return
        }
        #expect(person.inn == inn && person.pinfl == pinfl)
    }

    @Test("a history object with a record of an unknown event, or without a date, is set aside whole, pointing at the record")
    func rejectedHistory() throws {
        let record = { (event: String, date: String) in """
            <Строка><ВидСобытия>\(event)</ВидСобытия><Сотрудник><Ссылка>s1</Ссылка><ТабельныйНомер>0001</ТабельныйНомер>
            </Сотрудник>\(date.isEmpty ? "" : "<ДатаСобытия>\(date)</ДатаСобытия>")</Строка>
            """ }
        let unknown = try Self.map("""
            <КлючевыеСвойства><Ссылка>h1</Ссылка></КлючевыеСвойства>
            <Записи>\(record("Прием", "2025-01-10T00:00:00"))\(record("Повышение", "2025-02-01T00:00:00"))</Записи>
            """, type: "Справочник.КадроваяИсторияСотрудников")
        guard case .rejected(let rejection, let raw) = unknown else {
            Issue.record("must be rejected: \(unknown)")
            return
        }
        #expect(rejection.field == "ВидСобытия" && rejection.reason.contains("\"Повышение\""))
        #expect(rejection.path.hasSuffix("/Записи/Строка[2]/ВидСобытия") && raw.disposition == .quarantined)

        let undated = try Self.map("<КлючевыеСвойства><Ссылка>h2</Ссылка></КлючевыеСвойства><Записи>\(record("Прием", ""))</Записи>",
                                   type: "Справочник.КадроваяИсторияСотрудников")
        guard case .rejected(let missing, _) = undated else {
            Issue.record("must be rejected: \(undated)")
            return
        }
        #expect(missing.field == "ДатаСобытия" && missing.reason == "missing required property ДатаСобытия")
    }

    @Test("a history object 1C cleared has no records; an employee without a personnel number is rejected")
    func emptyAndIncomplete() throws {
        let cleared = try Self.map("<КлючевыеСвойства><Ссылка>h3</Ссылка></КлючевыеСвойства><Записи/>",
                                   type: "Справочник.КадроваяИсторияСотрудников")
        #expect(Self.staffRow(cleared) == .history(registrarRef: "h3", records: [],
                                                   position: XMLPosition(line: 3, path: "Message/Body/Справочник.КадроваяИсторияСотрудников[1]")))
        let noNumber = try Self.map("<КлючевыеСвойства><Ссылка>s9</Ссылка><Наименование>Кто-то</Наименование></КлючевыеСвойства>",
                                    type: "Справочник.Сотрудники")
        guard case .rejected(let rejection, _) = noNumber else {
            Issue.record("must be rejected")
            return
        }
        #expect(rejection.field == "КлючевыеСвойства/ТабельныйНомер")
    }

    @Test("the words are settings, compared without case; a state not named is no absence")
    func vocabulary() {
        let words = StaffVocabulary(events: ["ПереводНаДругуюДолжность": .transfer], absenceStates: ["Болезнь": "sick_leave"])
        #expect(words.event("переводнадругуюдолжность") == .transfer && words.event("Прием") == nil)
        #expect(StaffVocabulary.standard.event("УВОЛЬНЕНИЕ") == .dismissal)
        #expect(words.absenceKind("болезнь") == "sick_leave" && words.absenceKind("Работа") == nil)
    }
}
