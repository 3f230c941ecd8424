import Connectors
import HubCore
import Ingest
import Mapping
import Testing

@Suite("1C:ZUP settings and states")
struct ZUPSettingsTests {
    @Test("the repository's mappings/zup.yaml says what the defaults say")
    func repositoryFile() throws {
        let path = SourceKindRegistryTests.repository.appendingPathComponent("mappings/zup.yaml").path
        let settings = try ZUPSettingsLoader.load(path: path)
        #expect(settings.vocabulary == StaffVocabulary.standard)
        #expect(settings.odata.states == "InformationRegister_ДанныеСостоянийСотрудников" && settings.odata.pageSize == 500)
        #expect(settings.odata.password == "${env:ZUP_ODATA_PASSWORD}")
    }

    @Test("every problem with its line: an unknown kind, a literal password, a bad page size, a bad absence kind")
    func diagnostics() {
        let (settings, diagnostics) = ZUPSettingsLoader.load("""
            version: 1
            events:
              promotion: [Повышение]
            absence_states:
              Vacation: [ОтпускОсновной]
            odata:
              password: hunter2
              page_size: 0
            """, file: "zup.yaml")
        #expect(settings == nil)
        let lines = diagnostics.map { "\($0.line): \($0.message)" }
        #expect(lines.contains { $0.hasPrefix("3: unknown key 'promotion' in events") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("5: absence_states: a kind is lower-case") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("7: 'password' holds a literal secret") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("8: odata page_size") }, "\(lines)")
    }

    @Test("a kind given replaces its default words only; absence states given are the whole list")
    func overrides() throws {
        let (settings, diagnostics) = ZUPSettingsLoader.load("""
            version: 1
            events: {transfer: [ПереводНаДругуюДолжность]}
            absence_states: {vacation: [Отпуск]}
            """, file: "zup.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let words = try #require(settings).vocabulary
        #expect(words.event("ПереводНаДругуюДолжность") == .transfer && words.event("Перемещение") == nil)
        #expect(words.event("Прием") == .hire && words.event("Увольнение") == .dismissal)
        #expect(words.absenceKind("Отпуск") == "vacation" && words.absenceKind("Болезнь") == nil)
    }

    static let window = CalendarDate(year: 2026, month: 7, day: 1)!...CalendarDate(year: 2026, month: 7, day: 31)!
    static let reader = ZUPAbsenceReader(vocabulary: .standard, personnelNumbers: ["k1": "0001"], window: window)

    static func state(_ properties: [String: String]) -> ODataEntity {
        ODataEntity(index: 0, properties: properties, json: "{}")
    }

    @Test("states → days: clipped to the window, the end included, 1C's empty date open-ended; not absences skipped")
    func states() {
        func days(_ start: String, _ end: String, state: String = "Болезнь") -> [String] {
            guard case .days(let days) = Self.reader.read(Self.state([
                "Сотрудник_Key": "k1", "Состояние": state, "Начало": start, "Окончание": end]), line: 1)
            else { return [] }
            return days.map { "\($0.day.iso) \($0.kind)" }
        }
        #expect(days("2026-06-30T00:00:00", "2026-07-02T23:59:59") == ["2026-07-01 sick_leave", "2026-07-02 sick_leave"])
        #expect(days("2026-07-31T00:00:00", "0001-01-01T00:00:00", state: "Командировка") == ["2026-07-31 business_trip"])
        #expect(days("2026-08-01T00:00:00", "2026-08-05T00:00:00").isEmpty)
        #expect(Self.reader.read(Self.state(["Сотрудник_Key": "k1", "Состояние": "Работа", "Начало": "2026-07-01T00:00:00"]),
                                 line: 1) == .notAnAbsence)
    }

    @Test("an unknown employee, a missing start, an end before the start: rejected, naming the property")
    func rejected() {
        func field(_ properties: [String: String]) -> String? {
            if case .rejected(_, let field) = Self.reader.read(Self.state(properties), line: 1) { return field }
            return nil
        }
        #expect(field(["Сотрудник_Key": "k9", "Состояние": "Болезнь", "Начало": "2026-07-01T00:00:00"]) == "Сотрудник_Key")
        #expect(field(["Сотрудник_Key": "k1", "Состояние": "Болезнь", "Начало": "0001-01-01T00:00:00"]) == "Начало")
        #expect(field(["Сотрудник_Key": "k1", "Состояние": "Болезнь", "Начало": "2026-07-05T00:00:00",
                       "Окончание": "2026-07-01T00:00:00"]) == "Окончание")
        #expect(field(["Сотрудник_Key": "k1", "Начало": "2026-07-05T00:00:00"]) == "Состояние")
    }
}
