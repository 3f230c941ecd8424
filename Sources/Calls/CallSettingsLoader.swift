import Connectors
import Foundation
import HubConfiguration
import HubCore
import Yams

/// Reads `mappings/calls.yaml` like every configuration file: all problems at once with line and column,
/// unknown keys refused with a suggestion, the PBX's key and salt only as references. Every key is optional.
package enum CallSettingsLoader {
    package static let defaultPath = "mappings/calls.yaml"

    static let topLevelKeys = ["version", "description", "timezone", "auto_create_client",
                               "update_responsible_on_transfer", "ivr_missed_responsible", "group_missed_responsible",
                               "phone_format", "callback_within_hours", "short_talk_seconds", "mango", "asterisk",
                               "extensions"]
    static let mangoKeys = ["api_url", "api_key", "api_salt", "stats_fields", "lines", "poll_seconds",
                            "result_timeout_seconds", "timeout_seconds"]
    static let asteriskKeys = ["cdr_columns", "timezone", "trunk_channel_prefix", "line_column"]

    /// Whether a file under `mappings/` holds call settings.
    package static func isSettingsFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("calls")
    }

    package static func load(_ text: String, file: String) -> (CallSettings?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let settings = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : settings, reader.diagnostics)
    }

    package static func load(path: String) throws -> CallSettings {
        try SettingsFile.load(path: path, defaultPath: defaultPath, what: "call settings", defaults: CallSettings(),
                              parse: load).settings
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> CallSettings? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "a call settings file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = entries["version"]?.value, version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads call settings of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        Secrets.check(root, reader: &reader)
        var settings = CallSettings()
        settings.timeZone = reader.timeZone(entries["timezone"]?.value, "timezone") ?? settings.timeZone
        if let node = entries["auto_create_client"]?.value,
           let create = reader.mapping(node, known: ["incoming", "missed", "outgoing"], in: "auto_create_client") {
            settings.autoCreate.incoming = reader.boolean(create["incoming"]?.value, "auto_create_client incoming")
                ?? settings.autoCreate.incoming
            settings.autoCreate.missed = reader.boolean(create["missed"]?.value, "auto_create_client missed")
                ?? settings.autoCreate.missed
            settings.autoCreate.outgoing = reader.boolean(create["outgoing"]?.value, "auto_create_client outgoing")
                ?? settings.autoCreate.outgoing
        }
        settings.updateResponsibleOnTransfer = reader.boolean(entries["update_responsible_on_transfer"]?.value,
                                                              "update_responsible_on_transfer")
            ?? settings.updateResponsibleOnTransfer
        settings.ivrMissedResponsible = responsible(entries["ivr_missed_responsible"]?.value,
                                                    "ivr_missed_responsible", reader: &reader)
        settings.groupMissedResponsible = responsible(entries["group_missed_responsible"]?.value,
                                                      "group_missed_responsible", reader: &reader)
        if let format = reader.choice(entries["phone_format"]?.value, "phone_format",
                                      allowed: CallSettings.PhoneFormat.allCases.map(\.rawValue)) {
            settings.phoneFormat = CallSettings.PhoneFormat(rawValue: format)!
        }
        settings.callbackWithinHours = reader.integer(entries["callback_within_hours"]?.value, "callback_within_hours",
                                                      atLeast: 1) ?? settings.callbackWithinHours
        settings.shortTalkSeconds = reader.integer(entries["short_talk_seconds"]?.value, "short_talk_seconds",
                                                   atLeast: 0) ?? settings.shortTalkSeconds
        if let node = entries["mango"]?.value, let mango = reader.mapping(node, known: mangoKeys, in: "mango") {
            readMango(mango, into: &settings.mango, reader: &reader)
        }
        if let node = entries["asterisk"]?.value,
           let asterisk = reader.mapping(node, known: asteriskKeys, in: "asterisk") {
            if let columns = reader.strings(asterisk["cdr_columns"]?.value, "asterisk cdr_columns") {
                settings.asterisk.cdrColumns = columns
            }
            settings.asterisk.timeZone = reader.timeZone(asterisk["timezone"]?.value, "asterisk timezone")
            if let prefixes = reader.strings(asterisk["trunk_channel_prefix"]?.value, "asterisk trunk_channel_prefix") {
                settings.asterisk.trunkChannelPrefixes = prefixes
            }
            settings.asterisk.lineColumn = reader.string(asterisk["line_column"]?.value, "asterisk line_column")
            if let problem = settings.asteriskLayout().problem {
                reader.error(at: asterisk["cdr_columns"]?.value ?? node, "asterisk: \(problem)")
            }
        }
        if let node = entries["extensions"]?.value { settings.extensions = extensions(node, reader: &reader) }
        for (node, fixed) in [(entries["ivr_missed_responsible"]?.value, settings.ivrMissedResponsible),
                              (entries["group_missed_responsible"]?.value, settings.groupMissedResponsible)]
            where fixed.enabled && fixed.extension == nil {
            reader.error(at: node, "an enabled responsible needs its extension")
        }
        return settings
    }

    private static func readMango(_ mango: [String: (key: Node, value: Node)], into settings: inout CallSettings.MangoSettings,
                                  reader: inout ConfigReader) {
        if let url = reader.string(mango["api_url"]?.value, "mango api_url") {
            let lower = url.lowercased()
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || URL(string: url)?.host == nil {
                reader.error(at: mango["api_url"]?.value, "mango api_url must be an http(s) address")
            } else {
                settings.apiURL = url.hasSuffix("/") ? url : url + "/"
            }
        }
        settings.apiKey = reader.string(mango["api_key"]?.value, "mango api_key")
        settings.apiSalt = reader.string(mango["api_salt"]?.value, "mango api_salt")
        if let fields = reader.string(mango["stats_fields"]?.value, "mango stats_fields") {
            settings.statsFields = fields
            if let problem = MangoStatsLayout(fields: fields).problem {
                reader.error(at: mango["stats_fields"]?.value, "mango stats_fields: \(problem)")
            }
        }
        if let node = mango["lines"]?.value {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let number = key.string, let name = reader.string(value, "mango lines \(key.string ?? "")")
                    else { continue }
                    settings.lines[number] = name
                }
            } else {
                reader.error(at: node, "mango lines must map each company number to its name")
            }
        }
        settings.pollSeconds = reader.integer(mango["poll_seconds"]?.value, "mango poll_seconds", atLeast: 0)
            ?? settings.pollSeconds
        settings.resultTimeoutSeconds = reader.integer(mango["result_timeout_seconds"]?.value,
                                                       "mango result_timeout_seconds", atLeast: 1)
            ?? settings.resultTimeoutSeconds
        settings.timeoutSeconds = reader.integer(mango["timeout_seconds"]?.value, "mango timeout_seconds", atLeast: 1)
            ?? settings.timeoutSeconds
    }

    private static func responsible(_ node: Node?, _ what: String, reader: inout ConfigReader)
        -> CallSettings.FixedResponsible
    {
        var fixed = CallSettings.FixedResponsible()
        guard let node, let entries = reader.mapping(node, known: ["enabled", "extension"], in: what) else { return fixed }
        fixed.enabled = reader.boolean(entries["enabled"]?.value, "\(what) enabled") ?? false
        fixed.extension = reader.string(entries["extension"]?.value, "\(what) extension")
        return fixed
    }

    private static func extensions(_ node: Node, reader: inout ConfigReader) -> [String: CallSettings.ExtensionOwner] {
        guard let mapping = node.mapping else {
            reader.error(at: node, "extensions must map each extension to its employee")
            return [:]
        }
        var owners: [String: CallSettings.ExtensionOwner] = [:]
        for (key, value) in mapping {
            guard let number = key.string, !number.isEmpty else {
                reader.error(at: key, "an extension is a number such as \"101\"")
                continue
            }
            guard let fields = reader.mapping(value, known: ["personnel_number", "employee", "mango_login"],
                                              in: "extension \(number)") else { continue }
            owners[number] = CallSettings.ExtensionOwner(
                personnelNumber: reader.string(fields["personnel_number"]?.value, "extension \(number) personnel_number"),
                employee: reader.string(fields["employee"]?.value, "extension \(number) employee"),
                mangoLogin: reader.string(fields["mango_login"]?.value, "extension \(number) mango_login"))
        }
        return owners
    }
}
