import Connectors
import HubCore
import Mapping

/// ZUP's employee states (`InformationRegister_ДанныеСостоянийСотрудников`: Сотрудник_Key, Состояние, Начало,
/// Окончание) → absence days inside a window, no I/O. A state the vocabulary does not call an absence
/// (`Работа`) is skipped; a record whose employee is unknown or whose dates do not read is quarantined.
///
/// `Окончание` is taken as the last day of the state, included (its time part ignored), and 1C's empty date
/// as "until further notice" (the window's end): an assumption, docs/connectors/zup.md.
package struct ZUPAbsenceReader: Sendable {
    package let vocabulary: StaffVocabulary
    /// Personnel number per `Ref_Key` of `Catalog_Сотрудники`.
    package let personnelNumbers: [String: String]
    package let window: ClosedRange<CalendarDate>

    package enum Outcome: Equatable {
        case days([AbsenceDayRow])
        case notAnAbsence
        case rejected(reason: String, field: String)
    }

    package func read(_ entity: ODataEntity, line: Int) -> Outcome {
        let properties = entity.properties
        guard let state = properties["Состояние"], !state.isEmpty else {
            return .rejected(reason: "no Состояние", field: "Состояние")
        }
        guard let kind = vocabulary.absenceKind(state) else { return .notAnAbsence }
        guard let key = properties["Сотрудник_Key"], let number = personnelNumbers[key] else {
            return .rejected(reason: "Сотрудник_Key \(properties["Сотрудник_Key"] ?? "(none)") is no employee of the "
                                 + "employees entity set", field: "Сотрудник_Key")
        }
        guard let startText = properties["Начало"], !ODataPage.isEmptyDate(startText),
              let start = CalendarDate(isoDate: startText) else {
            return .rejected(reason: "Начало \"\(properties["Начало"] ?? "")\" is not a date", field: "Начало")
        }
        var end = window.upperBound
        if let endText = properties["Окончание"], !ODataPage.isEmptyDate(endText) {
            guard let date = CalendarDate(isoDate: endText) else {
                return .rejected(reason: "Окончание \"\(endText)\" is not a date", field: "Окончание")
            }
            end = date
        }
        guard start <= end else {
            return .rejected(reason: "Окончание \(end.iso) is before Начало \(start.iso)", field: "Окончание")
        }
        var days: [AbsenceDayRow] = []
        var day = max(start, window.lowerBound)
        while day <= min(end, window.upperBound) {
            days.append(AbsenceDayRow(personnelNumber: number, day: day, kind: kind, line: line))
            day = day.adding(days: 1)
        }
        return .days(days)
    }

    package init(vocabulary: StaffVocabulary, personnelNumbers: [String: String], window: ClosedRange<CalendarDate>) {
        self.vocabulary = vocabulary
        self.personnelNumbers = personnelNumbers
        self.window = window
    }
}
