import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import LocalServers
import Reports

/// The demo's Exchange: no customer's Exchange is reachable from a fresh clone, so the demo serves a mailbox on
/// 127.0.0.1 (`LocalExchangeServer`, the one the Exchange tests use) and runs the real `crmhub sync exchange`
/// against it, over HTTP, with Basic authentication from a secrets file. The mailbox starts as the samples'
/// (samples/exchange) and is kept under .crmhub/demo-exchange, so a second demo finds what the first one pushed
/// and the sync changes nothing, as with a real mailbox.
struct DemoExchangeMailbox {
    static let mailbox = "d.karimova@acme-demo.uz"
    static let user = "ACME\\svc-crmhub"
    static let sample = "samples/exchange/mailbox-getitem-response.xml"
    let folder: String

    init(folder: String = ".crmhub/demo-exchange") {
        self.folder = folder
    }

    struct Result {
        var outcome: ImportRun.Outcome
        var mailbox: [LocalExchangeServer.Item]
        var writes: [String]
        var settingsPath: String
    }

    /// Syncs the mailbox with the warehouse over `days` (the calendar's window), and what the mailbox then holds.
    func sync(_ warehouse: Warehouse, days: (from: CalendarDate, to: CalendarDate)) async throws -> Result {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        let password = try secret(at: root + "/password")
        let authorization = "Basic " + Data("\(Self.user):\(password)".utf8).base64EncodedString()
        let stateFile = root + "/mailbox.json"
        let isNew = !FileManager.default.fileExists(atPath: stateFile)
        let server = try LocalExchangeServer(mailbox: Self.mailbox, authorization: authorization, stateFile: stateFile)
        if isNew { try server.add(getItemResponse: Self.sample) }
        return try await LocalHTTPServer.serving({ server.answer($0) }) { address, _ in
            let url = address + "/EWS/Exchange.asmx"
            // The settings name the secrets file, never the password (docs/connectors/exchange-ews.md).
            let settings = root + "/exchange.yaml"
            try ReportWriter.writeAtomically("""
                version: 1
                description: the demo's mailbox, served by crmhub demo on 127.0.0.1 (docs/connectors/exchange-ews.md)
                url: \(url)
                auth: basic
                username: '\(Self.user)'
                password: ${file:\(root)/password}
                impersonation: true
                mailboxes: [\(Self.mailbox)]
                time_zone: Asia/Tashkent

                """, to: settings)
            let values = ["settings": settings, "from": days.from.iso, "to": days.to.iso]
            let outcome = try await SyncCommand.sync("calendar-ews", address: url, values: values, warehouse: warehouse)
            return Result(outcome: outcome, mailbox: EWSFolder.allCases.flatMap { server.items($0) },
                          writes: server.writes, settingsPath: settings)
        }
    }

    /// The password the demo's mailbox takes, made once and kept owner-readable only.
    private func secret(at path: String) throws -> String {
        if let kept = FileManager.default.contents(atPath: path) {
            return String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var generator = SystemRandomNumberGenerator()
        let password = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(password.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw HubError(.io, "cannot write the demo mailbox's password", location: SourceLocation(source: path))
        }
        return password
    }
}
