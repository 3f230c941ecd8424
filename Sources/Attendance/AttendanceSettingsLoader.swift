import HubConfiguration
import Connectors
import Foundation
import HubCore
import Yams

/// Reads `mappings/attendance.yaml` like every configuration file: all problems in one pass, each with its line
/// and column, unknown keys refused with a suggestion. Every key is optional; what is left out keeps the
/// default that docs/attendance.md states.
package enum AttendanceSettingsLoader {
    package static let defaultPath = "mappings/attendance.yaml"

    static let topLevelKeys = ["version", "description", "timezone", "collapse_seconds", "unknown_direction", "zkteco",
                               "turnstile"]
    static let zktecoKeys = ["source", "columns", "states", "device_timezones"]
    static let turnstileKeys = ["source", "person_key", "delimiter", "columns", "entry_words", "exit_words",
                                "pass_events", "denied_events", "timezone"]

    /// Whether a file under `mappings/` holds attendance settings.
    package static func isSettingsFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("attendance")
    }

    /// The settings in `text` (from `file`), or nil when it has errors; the diagnostics either way.
    package static func load(_ text: String, file: String) -> (AttendanceSettings?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let settings = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : settings, reader.diagnostics)
    }

    /// The settings file at `path`, with its SHA-256 (recorded on each attendance build); the defaults when
    /// `path` is the default and there is no such file. Throws one error listing every problem.
    package static func load(path: String) throws -> (settings: AttendanceSettings, sha256: String) {
        try SettingsFile.load(path: path, defaultPath: defaultPath, what: "attendance settings",
                              defaults: AttendanceSettings(), parse: load)
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> AttendanceSettings? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "an attendance settings file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads attendance settings of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        var settings = AttendanceSettings()
        settings.timeZone = reader.timeZone(entries["timezone"]?.value, "timezone") ?? settings.timeZone
        settings.rules.collapseSeconds = reader.integer(entries["collapse_seconds"]?.value, "collapse_seconds",
                                                        atLeast: 0) ?? settings.rules.collapseSeconds
        if let policy = reader.choice(entries["unknown_direction"]?.value, "unknown_direction",
                                      allowed: UnknownDirectionPolicy.allCases.map(\.rawValue)) {
            settings.rules.unknownDirection = UnknownDirectionPolicy(rawValue: policy)!
        }
        if let node = entries["zkteco"]?.value { readZKTeco(node, into: &settings.zkteco, reader: &reader) }
        if let node = entries["turnstile"]?.value { readTurnstile(node, into: &settings.turnstile, reader: &reader) }
        return settings
    }

    private static func readZKTeco(_ node: Node, into settings: inout AttendanceSettings.ZKTecoSettings,
                                   reader: inout ConfigReader) {
        guard let entries = reader.mapping(node, known: zktecoKeys, in: "zkteco") else { return }
        settings.source = reader.string(entries["source"]?.value, "zkteco source") ?? settings.source
        if let columnsNode = entries["columns"]?.value, let names = reader.strings(columnsNode, "zkteco columns") {
            let allowed = ZKTecoLogLayout.Field.allCases.map(\.rawValue)
            let fields = names.compactMap(ZKTecoLogLayout.Field.init(rawValue:))
            if fields.count != names.count {
                let unknown = names.filter { ZKTecoLogLayout.Field(rawValue: $0) == nil }
                reader.error(at: columnsNode, "zkteco columns: unknown field(s) \(unknown.joined(separator: ", ")); "
                                 + "use \(allowed.joined(separator: ", "))"
                                 + Suggestion.didYouMean(unknown[0], in: allowed))
            } else if !fields.contains(.pin) || !fields.contains(.time) {
                reader.error(at: columnsNode, "zkteco columns must name pin and time")
            } else {
                settings.layout.columns = fields
            }
        }
        if let statesNode = entries["states"]?.value, let mapping = statesNode.mapping {
            var states: [String: PunchDirection] = [:]
            for (key, value) in mapping {
                guard let state = reader.string(key, "zkteco states"),
                      let name = reader.choice(value, "zkteco state \(state)",
                                               allowed: PunchDirection.allCases.map(\.rawValue)) else { continue }
                states[state] = PunchDirection(rawValue: name)!
            }
            settings.layout.states = states
        } else if let statesNode = entries["states"]?.value {
            reader.error(at: statesNode, "zkteco states must map state numbers to in, out, break_out, break_in, "
                             + "ot_in, ot_out or unknown")
        }
        if let zonesNode = entries["device_timezones"]?.value {
            guard let mapping = zonesNode.mapping else {
                reader.error(at: zonesNode, "zkteco device_timezones must map device numbers to zones")
                return
            }
            for (key, value) in mapping {
                guard let device = reader.string(key, "zkteco device_timezones"),
                      let zone = reader.timeZone(value, "zkteco device_timezones \(device)") else { continue }
                settings.deviceTimeZones[device] = zone
            }
        }
    }

    private static func readTurnstile(_ node: Node, into settings: inout AttendanceSettings.TurnstileSettings,
                                      reader: inout ConfigReader) {
        guard let entries = reader.mapping(node, known: turnstileKeys, in: "turnstile") else { return }
        settings.source = reader.string(entries["source"]?.value, "turnstile source") ?? settings.source
        settings.timeZone = reader.timeZone(entries["timezone"]?.value, "turnstile timezone") ?? settings.timeZone
        if let key = reader.choice(entries["person_key"]?.value, "turnstile person_key",
                                   allowed: ["card", "personnel_number"]) {
            settings.layout.personKey = TurnstileExportLayout.Field(rawValue: key)!
            // Keys that are personnel numbers need no person map (`AttendanceSettings.personnelNumberSource`).
            if key == "personnel_number" && entries["source"] == nil {
                settings.source = AttendanceSettings.personnelNumberSource
            }
        }
        if let delimiterNode = entries["delimiter"]?.value, let text = reader.string(delimiterNode, "turnstile delimiter") {
            let delimiter = text == "\\t" ? "\t" : text
            if delimiter.count == 1, let character = delimiter.first {
                settings.layout.delimiter = character
            } else {
                reader.error(at: delimiterNode, "turnstile delimiter must be one character (\";\", \",\" or \"\\t\")")
            }
        }
        if let columnsNode = entries["columns"]?.value {
            let allowed = TurnstileExportLayout.Field.allCases.map(\.rawValue)
            if let columns = reader.mapping(columnsNode, known: allowed, in: "turnstile columns") {
                for (name, entry) in columns {
                    guard let field = TurnstileExportLayout.Field(rawValue: name),
                          let header = reader.string(entry.value, "turnstile column \(name)") else { continue }
                    settings.layout.columns[field] = header
                }
            }
        }
        func words(_ key: String) -> Set<String>? {
            reader.strings(entries[key]?.value, "turnstile \(key)").map(Set.init)
        }
        settings.layout.entryWords = words("entry_words") ?? settings.layout.entryWords
        settings.layout.exitWords = words("exit_words") ?? settings.layout.exitWords
        settings.layout.passEvents = words("pass_events") ?? settings.layout.passEvents
        settings.layout.deniedEvents = words("denied_events") ?? settings.layout.deniedEvents
        if !settings.layout.entryWords.isDisjoint(with: settings.layout.exitWords), let node = entries["exit_words"]?.value
            ?? entries["entry_words"]?.value {
            reader.error(at: node, "turnstile entry_words and exit_words share "
                             + settings.layout.entryWords.intersection(settings.layout.exitWords).sorted()
                                 .joined(separator: ", "))
        }
    }
}
