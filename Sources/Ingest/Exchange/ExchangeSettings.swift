import Connectors
import Foundation
import HubConfiguration
import HubCore
import Yams

/// How CRMHub reaches Exchange Web Services and what it syncs (`mappings/exchange.yaml`). Credentials are only
/// references (`${env:EWS_PASSWORD}`, `${file:/run/secrets/ews}`), resolved when a request is made.
package struct ExchangeSettings: Sendable, Equatable {
    package enum Authentication: String, Sendable, CaseIterable {
        /// Basic over HTTPS: `username` and `password`.
        case basic
        /// An OAuth 2.0 access token (`token`), sent as `Authorization: Bearer`.
        case bearer
    }

    /// The service: `https://mail.example.uz/EWS/Exchange.asmx`.
    package var url: String?
    package var serverVersion = "Exchange2016"
    package var authentication = Authentication.basic
    package var username: String?
    package var password: String?
    package var token: String?
    /// Whether the service account acts for each mailbox by impersonation (the ApplicationImpersonation role);
    /// otherwise it needs full access to each mailbox.
    package var impersonation = false
    /// The mailboxes synced (SMTP addresses); `--mailbox` picks one.
    package var mailboxes: [String] = []
    package var folders: [EWSFolder] = EWSFolder.allCases
    /// The zone the mailboxes' all-day events start in.
    package var timeZone = TimeZone(identifier: "Asia/Tashkent")!
    /// Items per `CalendarView` request (a larger view is cut in halves until each fits).
    package var pageSize = 200
    /// Changes per `SyncFolderItems` request (Exchange allows at most 512).
    package var maxChanges = 512
    package var timeoutSeconds = 60
    /// How often a request refused with `ErrorServerBusy` (or HTTP 503) is sent again, and the longest wait.
    package var maxRetries = 5
    package var maxBackOffSeconds = 300
    /// Whether meetings the CRM creates in Exchange send invitations to their attendees.
    package var sendInvitations = false

    package init() {}
}

/// Reads `mappings/exchange.yaml` like every configuration file: all problems at once with line and column,
/// unknown keys refused with a suggestion, secrets only as references.
package enum ExchangeSettingsLoader {
    package static let defaultPath = "mappings/exchange.yaml"

    static let topLevelKeys = ["version", "description", "url", "server_version", "auth", "username", "password",
                               "token", "impersonation", "mailboxes", "folders", "time_zone", "page_size",
                               "max_changes", "timeout_seconds", "max_retries", "max_backoff_seconds",
                               "send_invitations"]

    /// `--settings`.
    package static let option = SourceOption(
        key: "settings", defaultValue: defaultPath, valueName: "file",
        help: "The Exchange settings: the EWS address, the account and its credentials (as references), the "
            + "mailboxes and folders synced (default: mappings/exchange.yaml).")

    /// Whether a file under `mappings/` holds Exchange settings.
    package static func isSettingsFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("exchange")
    }

    package static func load(_ text: String, file: String) -> (ExchangeSettings?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let settings = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : settings, reader.diagnostics)
    }

    package static func load(path: String) throws -> ExchangeSettings {
        try SettingsFile.load(path: path, defaultPath: defaultPath, what: "Exchange settings",
                              defaults: ExchangeSettings(), parse: load).settings
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> ExchangeSettings? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "an Exchange settings file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads Exchange settings of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        Secrets.check(root, reader: &reader)
        var settings = ExchangeSettings()
        if let url = reader.string(entries["url"]?.value, "url") {
            if let problem = ExchangeSettings.problem(withURL: url) {
                reader.error(at: entries["url"]?.value, problem)
            } else {
                settings.url = url
            }
        }
        settings.serverVersion = reader.string(entries["server_version"]?.value, "server_version")
            ?? settings.serverVersion
        if let auth = reader.choice(entries["auth"]?.value, "auth",
                                    allowed: ExchangeSettings.Authentication.allCases.map(\.rawValue)) {
            settings.authentication = ExchangeSettings.Authentication(rawValue: auth)!
        }
        settings.username = reader.string(entries["username"]?.value, "username")
        settings.password = reader.string(entries["password"]?.value, "password")
        settings.token = reader.string(entries["token"]?.value, "token")
        // A password or token written out is refused by Secrets.check; here only what is missing.
        switch settings.authentication {
        case .basic where entries["url"] != nil && (settings.username == nil || settings.password == nil):
            reader.error(at: entries["auth"]?.value ?? root, "auth basic needs username and password (the password "
                             + "as ${env:NAME} or ${file:/path})")
        case .bearer where entries["url"] != nil && settings.token == nil:
            reader.error(at: entries["auth"]?.value ?? root, "auth bearer needs token (as ${env:NAME} or ${file:/path})")
        default:
            break
        }
        settings.impersonation = reader.boolean(entries["impersonation"]?.value, "impersonation")
            ?? settings.impersonation
        if let mailboxes = reader.strings(entries["mailboxes"]?.value, "mailboxes") {
            for mailbox in mailboxes where !mailbox.contains("@") {
                reader.error(at: entries["mailboxes"]?.value, "mailboxes: '\(mailbox)' is not an SMTP address")
            }
            settings.mailboxes = mailboxes.map { $0.lowercased() }
        }
        if let folders = reader.strings(entries["folders"]?.value, "folders") {
            var chosen: [EWSFolder] = []
            for name in folders {
                guard let folder = EWSFolder(rawValue: name) else {
                    reader.error(at: entries["folders"]?.value, "folders: '\(name)' is not one of calendar, contacts, "
                                     + "tasks" + Suggestion.didYouMean(name, in: EWSFolder.allCases.map(\.rawValue)))
                    continue
                }
                chosen.append(folder)
            }
            settings.folders = chosen
        }
        settings.timeZone = reader.timeZone(entries["time_zone"]?.value, "time_zone") ?? settings.timeZone
        settings.pageSize = reader.integer(entries["page_size"]?.value, "page_size", atLeast: 1) ?? settings.pageSize
        if let changes = reader.integer(entries["max_changes"]?.value, "max_changes", atLeast: 1) {
            if changes > 512 { reader.error(at: entries["max_changes"]?.value, "max_changes: Exchange allows 512 at most") }
            settings.maxChanges = min(changes, 512)
        }
        settings.timeoutSeconds = reader.integer(entries["timeout_seconds"]?.value, "timeout_seconds", atLeast: 1)
            ?? settings.timeoutSeconds
        settings.maxRetries = reader.integer(entries["max_retries"]?.value, "max_retries", atLeast: 0)
            ?? settings.maxRetries
        settings.maxBackOffSeconds = reader.integer(entries["max_backoff_seconds"]?.value, "max_backoff_seconds",
                                                    atLeast: 0) ?? settings.maxBackOffSeconds
        settings.sendInvitations = reader.boolean(entries["send_invitations"]?.value, "send_invitations")
            ?? settings.sendInvitations
        return settings
    }
}

extension ExchangeSettings {
    /// Why `url` cannot be the service's address: not http(s), or plain http to another machine than this one
    /// (credentials never travel unencrypted over a network; the loopback is for local test servers).
    package static func problem(withURL url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else {
            return "url must be the EWS address, such as https://mail.example.uz/EWS/Exchange.asmx"
        }
        switch scheme {
        case "https": return nil
        case "http" where ["127.0.0.1", "localhost", "::1"].contains(host.lowercased()): return nil
        case "http": return "url must be https: the credentials would travel unencrypted to \(host)"
        default: return "url must be an https address, not \(scheme)"
        }
    }
}
