import AsyncHTTPClient
import CRMWarehouse
import Calls
import Connectors
import Foundation
import HubCore
import Ingest
import NIOCore
import PostgresNIO
import Testing

/// `crmhub serve webhooks`' server on 127.0.0.1, fed the sample's 20 signed notifications out of order and
/// twice each, a forged one, and routing lookups.
@Suite("MANGO OFFICE webhooks")
struct MangoWebhookTests {
    /// Serves the receiver on a free port while `body` runs.
    static func serving<T: Sendable>(_ warehouse: Warehouse, settingsFile: String,
                                     _ body: (String) async throws -> T) async throws -> T {
        let settings = try CallSettingsLoader.load(path: settingsFile)
        let server = try MangoWebhookServer(warehouse: warehouse, settings: settings, settingsFile: settingsFile)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await server.run(host: "127.0.0.1", port: 0) { port in
            continuation.yield(port)
            continuation.finish()
        } }
        defer { running.cancel() }
        var port = 0
        for await bound in ports { port = bound }
        return try await body("http://127.0.0.1:\(port)")
    }

    static func post(_ url: String, key: String, sign: String, json: String) async throws -> (UInt, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = [("vpbx_api_key", key), ("sign", sign), ("json", json)]
            .map { "\($0.0)=\(MangoSignature.formEncode($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// Waits until `sql` gives `expected` (the receiver classifies in the background), up to 15 s.
    static func eventually(_ warehouse: Warehouse, _ sql: String, _ expected: [String]) async throws -> [String] {
        var rows: [String] = []
        for _ in 0..<150 {
            rows = try await CallsImportTests.table(warehouse, sql)
            if rows == expected { return rows }
            try await Task.sleep(for: .milliseconds(100))
        }
        return rows
    }

    @Test("signatures checked first; each event once in any order; calls classified like the stats; routing by the guide's rule")
    func webhooks() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let settingsFile = try MangoAPITests.settings(files)
        let data = try Data(contentsOf: URL(fileURLWithPath: CallsImportTests.sample("mango-webhook-events.json")))
        let posts = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.serving(warehouse, settingsFile: settingsFile) { root in
                // A forged signature and another PBX's key: 403, nothing stored.
                let first = posts[0]
                let forged = try await Self.post(root + first["endpoint"]!, key: first["vpbx_api_key"]!,
                                                 sign: String(repeating: "0", count: 64), json: first["json"]!)
                #expect(forged.0 == 403)
                let tampered = try await Self.post(root + first["endpoint"]!, key: first["vpbx_api_key"]!,
                                                   sign: first["sign"]!, json: first["json"]!.replacingOccurrences(
                                                       of: "998901112233", with: "998900000000"))
                #expect(tampered.0 == 403)
                #expect(try await CallsImportTests.table(warehouse, "SELECT count(*) FROM ops.mango_events") == ["0"])

                // Every event twice, the second round backwards: summaries may come before the last legs' events.
                for post in posts + posts.reversed() {
                    let answer = try await Self.post(root + post["endpoint"]!, key: post["vpbx_api_key"]!,
                                                     sign: post["sign"]!, json: post["json"]!)
                    #expect(answer.0 == 200, "\(answer)")
                }
                #expect(try await CallsImportTests.table(warehouse, "SELECT count(*) FROM ops.mango_events") == ["20"])
                let calls = try await Self.eventually(warehouse, """
                    SELECT entry_id, outcome, coalesce(employee_extension, '-'), talk_seconds, leg_source
                    FROM core.calls ORDER BY started_at
                    """, [
                        "YWNtZS1kZW1vOmVudHJ5OjAwMDE=|answered|101|255|webhook",
                        "YWNtZS1kZW1vOmVudHJ5OjAwMDQ=|ivr_missed|-|0|webhook",
                        "YWNtZS1kZW1vOmVudHJ5OjAwMDc=|transferred|103|489|webhook",
                    ])
                #expect(calls.count == 3 && calls.last?.hasPrefix("YWNtZS1kZW1vOmVudHJ5OjAwMDc=|transferred|103") == true,
                        "\(calls)")
                #expect(try await Self.eventually(warehouse, "SELECT name, phone, responsible_extension FROM core.clients ORDER BY 1", [
                    "Новый (09:02 10.03.2025, входящий вызов)|+998901112233|101",
                    "Новый (11:00 10.03.2025, входящий вызов)|+79161234567|103",
                ]).count == 2)

                // The PBX asks who is responsible for a caller: the client's responsible, {} for a new number.
                let signature = MangoAPITests.signature
                let lookup = #"{"number":"998901112233"}"#
                let known = try await Self.post(root + "/routing/responsible", key: MangoAPITests.apiKey,
                                                sign: signature.sign(lookup), json: lookup)
                #expect(known.0 == 200 && known.1.contains(#""extension":"101""#), "\(known)")
                let unknownJSON = #"{"number":"998935550000"}"#
                let unknown = try await Self.post(root + "/routing/responsible", key: MangoAPITests.apiKey,
                                                  sign: signature.sign(unknownJSON), json: unknownJSON)
                #expect(unknown.0 == 200 && unknown.1 == "{}", "\(unknown)")
                let unsigned = try await Self.post(root + "/routing/responsible", key: MangoAPITests.apiKey,
                                                   sign: "x", json: lookup)
                #expect(unsigned.0 == 403)

                // Several clients with the number: the first found; a dismissed responsible is skipped.
                _ = try await CLITests().crmhub(["import", "zup-enterprisedata", CallsImportTests.root.appendingPathComponent("samples/zup/Message_ZUP_CRM.xml").path,
                                                 "--our-node", "CRM"], database: warehouse.settings)
                try await warehouse.client.query("""
                    WITH second AS (
                        INSERT INTO core.clients (name, phone, responsible_extension, created_by, created_at, batch_id)
                        SELECT 'Второй клиент', phone, '102', 'manual', now(), batch_id FROM core.clients
                        WHERE phone = '+998901112233' RETURNING client_id, phone)
                    INSERT INTO core.client_phones (phone, client_id) SELECT phone, client_id FROM second
                    """, logger: warehouse.logger)
                try await warehouse.client.query("""
                    UPDATE core.clients SET responsible_extension = '105' WHERE phone = '+998901112233'
                      AND name <> 'Второй клиент'
                    """, logger: warehouse.logger)
                let routed = try await Self.post(root + "/routing/responsible", key: MangoAPITests.apiKey,
                                                 sign: signature.sign(lookup), json: lookup)
                #expect(routed.1.contains(#""client_name":"Новый (09:02 10.03.2025, входящий вызов)""#)
                        && routed.1.contains(#""extension":"102""#), "\(routed)")

                // The night's statistics then replace the webhook legs of the same calls.
                let stats = try await CLITests().crmhub(["import", "calls-mango",
                                                         CallsImportTests.sample("mango-stats-2025-03-10.csv"),
                                                         "--settings", settingsFile], database: warehouse.settings)
                #expect(stats.status == 0, "\(stats.text)")
                #expect(try await CallsImportTests.table(warehouse, """
                    SELECT leg_source, count(*) FROM core.calls GROUP BY 1 ORDER BY 1
                    """) == ["stats|15"])
            }
        }
    }
}
