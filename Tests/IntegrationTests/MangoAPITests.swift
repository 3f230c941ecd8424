import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import LocalServers
import PostgresNIO
import Synchronization
import Testing

/// MANGO OFFICE's side over real HTTP on 127.0.0.1: a VPBX API that checks every request's signature and
/// answers as the API does, and the webhook receiver fed the sample's notifications.
@Suite("MANGO OFFICE API and webhooks")
struct MangoAPITests {
    static let apiKey = "acmedemovpbxkey0000000000000000"
    static let salt = "acmedemosalt000000000000"
    static let signature = MangoSignature(apiKey: apiKey, salt: salt)

    /// Settings whose key and salt are secrets files (references, as a job's would be).
    static func settings(_ files: TemporaryFiles, apiURL: String? = nil) throws -> String {
        let key = try files.write("mango-key", Data((apiKey + "\n").utf8))
        let salt = try files.write("mango-salt", Data(Self.salt.utf8))
        var text = try String(contentsOfFile: CallsImportTests.settings, encoding: .utf8)
        text = text.replacingOccurrences(of: "${env:MANGO_API_KEY}", with: "${file:\(key)}")
            .replacingOccurrences(of: "${env:MANGO_API_SALT}", with: "${file:\(salt)}")
        if let apiURL { text = text.replacingOccurrences(of: "https://app.mango-office.ru/vpbx/", with: apiURL) }
        // The test's PBX is ready at the second poll: no need to wait MANGO's 5 s.
        text = text.replacingOccurrences(of: "mango:\n", with: "mango:\n  poll_seconds: 0\n")
        return try files.write("calls.yaml", Data(text.utf8))
    }

    /// The PBX: 403 for a bad signature, stats/request gives a key, stats/result is 204 once, then the CSV.
    final class FakePBX: Sendable {
        let polls = Mutex(0)
        let csv: String

        init(csv: String) {
            self.csv = csv
        }

        func answer(_ request: LocalHTTPServer.Received) -> LocalHTTPServer.Answer {
            let form = MangoSignature.formFields(request.body)
            guard let key = form["vpbx_api_key"], let json = form["json"], let sign = form["sign"],
                  MangoAPITests.signature.verifies(apiKey: key, json: json, sign: sign) else {
                return .init(status: .forbidden, body: #"{"result":3102}"#)
            }
            let fields = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: String] ?? [:]
            switch request.path {
            case "/vpbx/stats/request":
                guard fields["date_from"] != nil, fields["fields"]?.hasSuffix("entry_id") == true else {
                    return .init(status: .badRequest, body: #"{"result":3100}"#)
                }
                return .init(body: #"{"key":"ZGVtby1zdGF0cy1rZXktMDAwMQ=="}"#)
            case "/vpbx/stats/result":
                guard fields["key"] == "ZGVtby1zdGF0cy1rZXktMDAwMQ==" else { return .init(status: .notFound, body: "") }
                let poll = polls.withLock { count -> Int in count += 1; return count }
                if poll == 1 { return .init(status: .noContent, body: "") }
                return .init(contentType: "text/csv", body: csv)
            default:
                return .init(status: .notFound, body: "")
            }
        }
    }

    @Test("crmhub sync calls-mango: signed requests, 204 polled, the month loaded as the file is; a second sync changes nothing")
    func sync() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let csv = try String(contentsOfFile: CallsImportTests.sample("mango-stats-2025-03-10.csv"), encoding: .utf8)
        let pbx = FakePBX(csv: csv)
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ pbx.answer($0) }) { root, server in
                let settings = try Self.settings(files, apiURL: root + "/vpbx/")
                let arguments = ["sync", "calls-mango", "--from", "2025-03-10", "--to", "2025-03-10",
                                 "--settings", settings]
                let first = try await CLITests().crmhub(arguments, database: warehouse.settings)
                #expect(first.status == 0, "\(first.text)")
                #expect(first.text.contains("clients created: 7"), "\(first.text)")
                #expect(!first.text.contains(Self.salt) && !first.text.contains(Self.apiKey))
                let paths = server.requests.map(\.path)
                #expect(paths == ["/vpbx/stats/request", "/vpbx/stats/result", "/vpbx/stats/result"], "\(paths)")
                // The window is the day in Tashkent: 2025-03-10 00:00 +05 to 2025-03-11 00:00 +05.
                let json = MangoSignature.formFields(server.requests[0].body)["json"] ?? ""
                #expect(json.contains(#""date_from":"1741546800""#) && json.contains(#""date_to":"1741633200""#), "\(json)")
                #expect(try await CallsImportTests.table(warehouse, "SELECT count(*) FROM core.calls") == ["15"])

                let second = try await CLITests().crmhub(arguments, database: warehouse.settings)
                #expect(second.status == 0 && second.text.contains("already loaded"), "\(second.text)")
            }
        }
    }

    @Test("a wrong salt is refused by the PBX (403) and reported without the secret; a missing secret names its reference")
    func wrongSecrets() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let pbx = FakePBX(csv: "")
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ pbx.answer($0) }) { root, _ in
                let settings = try Self.settings(files, apiURL: root + "/vpbx/")
                _ = try files.write("mango-salt", Data("not-the-salt-42".utf8))
                let wrong = try await CLITests().crmhub(["sync", "calls-mango", "--from", "2025-03-10", "--to",
                                                         "2025-03-10", "--settings", settings],
                                                        database: warehouse.settings)
                #expect(wrong.status == 2 || wrong.status == 1, "\(wrong.text)")
                #expect(wrong.text.contains("refused the key or signature (403)"), "\(wrong.text)")
                #expect(!wrong.text.contains("not-the-salt-42"))
                let missing = try files.write("missing.yaml", Data("""
                    mango: {api_key: "${env:CRMHUB_TEST_NO_SUCH_KEY}", api_salt: "${env:CRMHUB_TEST_NO_SUCH_SALT}"}
                    """.utf8))
                let unset = try await CLITests().crmhub(["sync", "calls-mango", "--url", root + "/vpbx/", "--settings",
                                                         missing], database: warehouse.settings)
                #expect(unset.status != 0 && unset.text.contains("${env:CRMHUB_TEST_NO_SUCH_KEY}"), "\(unset.text)")
            }
        }
    }
}
