import Foundation
import HubConfiguration
import HubCore
import Mapping
import Yams

/// What CRMHub needs to know of a 1C:ZUP infobase (`mappings/zup.yaml`): the words it uses (`StaffVocabulary`)
/// and how to reach its OData interface (`ZUPODataSettings`).
package struct ZUPSettings: Sendable, Equatable {
    package var vocabulary = StaffVocabulary.standard
    package var odata = ZUPODataSettings()

    package init() {}
}

/// How `zup-odata` reads ZUP's published OData interface (v3, as 1C speaks it). The entity and property names
/// are those of ZUP 3; they are settings because a configuration may differ.
package struct ZUPODataSettings: Sendable, Equatable {
    /// The user name, as text or a reference; the password only as a reference (`${env:…}`, `${file:…}`),
    /// resolved when a request is made.
    package var user: String?
    package var password: String?
    /// Records per request (`$top`), paged with `$skip`.
    package var pageSize = 500
    package var employees = "Catalog_Сотрудники"
    package var states = "InformationRegister_ДанныеСостоянийСотрудников"
    /// Seconds a request may take before it is abandoned (and retried by a job).
    package var timeoutSeconds = 60

    package init() {}
}

/// Reads `mappings/zup.yaml` like every configuration file: all problems at once with line and column, unknown
/// keys refused with a suggestion, secrets only as references. Every key is optional.
package enum ZUPSettingsLoader {
    package static let defaultPath = "mappings/zup.yaml"

    static let topLevelKeys = ["version", "description", "events", "absence_states", "odata"]
    static let odataKeys = ["user", "password", "page_size", "employees", "states", "timeout_seconds"]

    /// `--settings`: shared by the ZUP kinds.
    package static let option = SourceOption(
        key: "settings", defaultValue: defaultPath, valueName: "file",
        help: "The 1C:ZUP settings: its words for HR events and absences, and its OData interface (default: "
            + "mappings/zup.yaml, or built-in defaults when there is none).")

    /// Whether a file under `mappings/` holds ZUP settings.
    package static func isSettingsFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("zup")
    }

    package static func load(_ text: String, file: String) -> (ZUPSettings?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let settings = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : settings, reader.diagnostics)
    }

    package static func load(path: String) throws -> ZUPSettings {
        try SettingsFile.load(path: path, defaultPath: defaultPath, what: "ZUP settings", defaults: ZUPSettings(),
                              parse: load).settings
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> ZUPSettings? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "a ZUP settings file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads ZUP settings of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        Secrets.check(root, reader: &reader)
        var settings = ZUPSettings()
        var events = StaffVocabulary.defaultEvents
        var states = StaffVocabulary.defaultAbsenceStates
        if let node = entries["events"]?.value,
           let kinds = reader.mapping(node, known: EmploymentEventKind.allCases.map(\.rawValue), in: "events") {
            // A kind named replaces its default words; the others keep theirs.
            for (name, entry) in kinds {
                guard let kind = EmploymentEventKind(rawValue: name),
                      let words = reader.strings(entry.value, "events \(name)") else { continue }
                events = events.filter { $0.value != kind }
                for word in words { events[word] = kind }
            }
        }
        if let node = entries["absence_states"]?.value, let mapping = node.mapping {
            // Given, the list is the whole of it: a state no longer named is no longer an absence.
            states = [:]
            for (key, value) in mapping {
                guard let kind = key.string, kind.range(of: "^[a-z_]+$", options: .regularExpression) != nil else {
                    reader.error(at: key, "absence_states: a kind is lower-case letters and _ (vacation, sick_leave)")
                    continue
                }
                for word in reader.strings(value, "absence_states \(kind)") ?? [] { states[word] = kind }
            }
        } else if let node = entries["absence_states"]?.value {
            reader.error(at: node, "absence_states must map each absence kind to the ZUP states that are it")
        }
        settings.vocabulary = StaffVocabulary(events: events, absenceStates: states)
        if let node = entries["odata"]?.value, let odata = reader.mapping(node, known: odataKeys, in: "odata") {
            settings.odata.user = reader.string(odata["user"]?.value, "odata user")
            settings.odata.password = reader.string(odata["password"]?.value, "odata password")
            settings.odata.pageSize = reader.integer(odata["page_size"]?.value, "odata page_size", atLeast: 1)
                ?? settings.odata.pageSize
            settings.odata.employees = reader.string(odata["employees"]?.value, "odata employees")
                ?? settings.odata.employees
            settings.odata.states = reader.string(odata["states"]?.value, "odata states") ?? settings.odata.states
            settings.odata.timeoutSeconds = reader.integer(odata["timeout_seconds"]?.value, "odata timeout_seconds",
                                                           atLeast: 1) ?? settings.odata.timeoutSeconds
        }
        return settings
    }
}
