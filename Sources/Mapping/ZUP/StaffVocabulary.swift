import HubCore

/// The words 1C:ZUP uses that CRMHub must understand: what each `ВидСобытия` of the HR history does, and what
/// kind of absence each employee state (`Состояние`, over OData) is. 1C's own lists of these words were not
/// confirmed (docs/connectors/zup.md), so they are settings (`mappings/zup.yaml`), with these defaults.
package struct StaffVocabulary: Sendable, Equatable {
    /// `ВидСобытия` → what it does, compared without case.
    package var events: [String: EmploymentEventKind]
    /// `Состояние` → the absence kind stored (`vacation`, `sick_leave`, …); states not named (`Работа`) are
    /// not absences.
    package var absenceStates: [String: String]

    package init(events: [String: EmploymentEventKind], absenceStates: [String: String]) {
        self.events = Dictionary(events.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.absenceStates = Dictionary(absenceStates.map { ($0.key.lowercased(), $0.value) },
                                        uniquingKeysWith: { $1 })
    }

    package static let defaultEvents: [String: EmploymentEventKind] = [
        "Прием": .hire, "ПриемНаРаботу": .hire,
        "Перемещение": .transfer, "Перевод": .transfer, "КадровыйПеревод": .transfer,
        "Увольнение": .dismissal,
    ]

    package static let defaultAbsenceStates: [String: String] = [
        "ОтпускОсновной": "vacation", "ОтпускДополнительный": "vacation", "ОтпускЕжегодный": "vacation",
        "ОтпускБезОплаты": "unpaid_leave", "ОтпускПоУходуЗаРебенком": "parental_leave",
        "ОтпускПоБеременностиИРодам": "maternity_leave", "Болезнь": "sick_leave", "Командировка": "business_trip",
        "Прогул": "truancy", "Отгул": "day_off",
    ]

    package static let standard = StaffVocabulary(events: defaultEvents, absenceStates: defaultAbsenceStates)

    package func event(_ text: String) -> EmploymentEventKind? { events[text.lowercased()] }
    package func absenceKind(_ state: String) -> String? { absenceStates[state.lowercased()] }
}
