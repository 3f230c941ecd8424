import HubCore

/// How a turnstile system's event export (`;`-separated, a header line, Russian column names) is read: which
/// column holds what, which words mean in and out, which event is a passage.
///
/// The default is the CIS-style export of `Дата;Время;Сотрудник;Табельный номер;Подразделение;Точка доступа;
/// Направление;Событие;Карта`. Other vendors' exports (Sigur, PERCo, Parsec) differ in names, not in shape, so
/// every name is a setting (`turnstile` in `mappings/attendance.yaml`).
public struct TurnstileExportLayout: Sendable, Equatable {
    /// The columns a layout maps.
    public enum Field: String, Sendable, CaseIterable {
        case date, time, name, personnelNumber = "personnel_number", department, accessPoint = "access_point"
        case direction, event, card
    }

    /// Field → the export's column name.
    public var columns: [Field: String]
    /// Which column identifies the person for the person map: `card` or `personnel_number`.
    public var personKey: Field
    public var entryWords: Set<String>
    public var exitWords: Set<String>
    /// Events that are passages; others (denied, alarms) are kept and never counted.
    public var passEvents: Set<String>
    /// Words that begin a refusal (`Доступ запрещён: неизвестная карта` begins with `Доступ запрещён`), kept as
    /// `denied`; any other event that is not a passage is `other`.
    public var deniedEvents: Set<String>
    public var delimiter: Character

    public static let `default` = TurnstileExportLayout(
        columns: [.date: "Дата", .time: "Время", .name: "Сотрудник", .personnelNumber: "Табельный номер",
                  .department: "Подразделение", .accessPoint: "Точка доступа", .direction: "Направление",
                  .event: "Событие", .card: "Карта"],
        personKey: .card, entryWords: ["Вход", "Entry", "In", "1"], exitWords: ["Выход", "Exit", "Out", "2"],
        passEvents: ["Проход"], deniedEvents: ["Отказ в доступе", "Отказ", "Доступ запрещён", "Доступ запрещен"],
        delimiter: ";")

    public init(columns: [Field: String], personKey: Field, entryWords: Set<String>, exitWords: Set<String>,
                passEvents: Set<String>, deniedEvents: Set<String>, delimiter: Character) {
        self.columns = columns
        self.personKey = personKey
        self.entryWords = entryWords
        self.exitWords = exitWords
        self.passEvents = passEvents
        self.deniedEvents = deniedEvents
        self.delimiter = delimiter
    }

    /// The columns found in a header line: field → index. Throws, naming the missing columns and the line,
    /// when a required one (date, time, direction, event and the person key's) is not there.
    public func header(_ row: DelimitedTextFile.Row) throws(LineRejection) -> [Field: Int] {
        let names = row.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var found: [Field: Int] = [:]
        for (field, name) in columns {
            if let index = names.firstIndex(of: name) { found[field] = index }
        }
        let required: [Field] = [.date, .time, .direction, .event, personKey]
        let missing = required.filter { found[$0] == nil }
        guard missing.isEmpty else {
            throw LineRejection(
                line: row.line, reason: "the header has no column "
                    + missing.map { "'\(columns[$0] ?? $0.rawValue)' (\($0.rawValue))" }.joined(separator: ", ")
                    + "; its columns: " + names.joined(separator: ", "),
                field: missing.first?.rawValue, raw: row.text)
        }
        return found
    }

    /// The punch on one data line, by the header's columns.
    public func punch(_ row: DelimitedTextFile.Row, columns index: [Field: Int]) -> Result<PunchRecord, LineRejection> {
        func reject(_ reason: String, _ field: Field) -> Result<PunchRecord, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: columns[field], raw: row.text))
        }
        func value(_ field: Field) -> String? {
            guard let position = index[field], position < row.fields.count else { return nil }
            let text = row.fields[position].trimmingSpacesAndTabs
            return text.isEmpty ? nil : text
        }
        guard let dateText = value(.date), let timeText = value(.time),
              let time = LocalDateTime(dottedDate: dateText, time: timeText) else {
            return reject("the date and time '\(value(.date) ?? "") \(value(.time) ?? "")' are not dd.mm.yyyy HH:MM:SS",
                          .date)
        }
        guard let key = value(personKey) else { return reject("no \(columns[personKey] ?? personKey.rawValue)", personKey) }
        let eventText = value(.event) ?? ""
        let event: PunchRecord.Event = passEvents.contains(eventText) ? .pass
            : deniedEvents.contains(where: { eventText.hasPrefix($0) }) ? .denied : .other
        let directionText = value(.direction) ?? ""
        let direction: PunchDirection = entryWords.contains(directionText) ? .checkIn
            : exitWords.contains(directionText) ? .checkOut : .unknown
        if event == .pass && direction == .unknown {
            return reject("the direction '\(directionText)' is neither an entry word ("
                          + entryWords.sorted().joined(separator: ", ") + ") nor an exit word ("
                          + exitWords.sorted().joined(separator: ", ") + ")", .direction)
        }
        return .success(PunchRecord(
            line: row.line, personKey: key, personName: value(.name), personnelNumber: value(.personnelNumber),
            localTime: time, device: value(.accessPoint) ?? "export", direction: direction, event: event,
            eventText: eventText.isEmpty ? nil : eventText, raw: row.text))
    }
}
