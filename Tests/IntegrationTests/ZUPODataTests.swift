import CRMWarehouse
import Foundation
import HubCore
import LocalServers
import PostgresNIO
import Testing

/// `zup-odata` against a local OData test server that answers as 1C:ZUP's published interface does (v3 JSON,
/// `$top`/`$skip` pages, Basic authentication), on 127.0.0.1.
@Suite("1C:ZUP absences over OData")
struct ZUPODataTests {
    static let user = "crmhub"
    static let password = "s3cret-zup-pass"

    static let employees: [(key: String, code: String, name: String)] = [
        ("a1a1a1a1-0000-11ee-b7a1-005056a1c0de", "0001", "Алимов Шерзод Рустамович"),
        ("a1a1a1a1-0002-11ee-b7a1-005056a1c0de", "0002", "Назарова Гульнора Ахмедовна"),
        ("a1a1a1a1-0003-11ee-b7a1-005056a1c0de", "0003", "Турсунов Бекзод Каримович"),
    ]

    /// Employee states as ZUP records them: a vacation across the month's start, a sick leave, a trip with no
    /// end yet (1C's empty date), a working state (not an absence), a state of an employee not published.
    static let states: [[String: String]] = [
        ["Сотрудник_Key": employees[0].key, "Состояние": "ОтпускОсновной", "Начало": "2026-06-29T00:00:00",
         "Окончание": "2026-07-03T23:59:59"],
        ["Сотрудник_Key": employees[1].key, "Состояние": "Болезнь", "Начало": "2026-07-14T00:00:00",
         "Окончание": "2026-07-15T00:00:00"],
        ["Сотрудник_Key": employees[2].key, "Состояние": "Командировка", "Начало": "2026-07-29T00:00:00",
         "Окончание": "0001-01-01T00:00:00"],
        ["Сотрудник_Key": employees[1].key, "Состояние": "Работа", "Начало": "2026-07-16T00:00:00",
         "Окончание": "2026-07-31T00:00:00"],
        ["Сотрудник_Key": "ffffffff-9999-11ee-b7a1-005056a1c0de", "Состояние": "Болезнь",
         "Начало": "2026-07-20T00:00:00", "Окончание": "2026-07-21T00:00:00"],
    ]

    static func page(_ entities: [[String: String]], entitySet: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [
            "odata.metadata": "http://127.0.0.1/zup/odata/standard.odata/$metadata#\(entitySet)",
            "value": entities,
        ], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// ZUP's interface: Basic authentication, JSON only when asked, pages by $top and $skip.
    static func zup(_ request: LocalHTTPServer.Received) -> LocalHTTPServer.Answer {
        let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        guard request.authorization == expected else {
            return .init(status: .unauthorized, body: #"{"odata.error":{"code":"","message":{"lang":"ru","value":"Не указан пользователь"}}}"#)
        }
        guard request.query["$format"] == "json" else { return .init(status: .badRequest, body: "atom only") }
        let top = Int(request.query["$top"] ?? "") ?? 1000, skip = Int(request.query["$skip"] ?? "") ?? 0
        let root = "/zup/odata/standard.odata/"
        let all: [[String: String]]
        switch request.path {
        case root + "Catalog_Сотрудники":
            all = employees.map { ["Ref_Key": $0.key, "Code": $0.code + "  ", "Description": $0.name] }
        case root + "InformationRegister_ДанныеСостоянийСотрудников":
            guard request.query["$filter"] != nil else { return .init(status: .badRequest, body: "no filter") }
            all = states
        default:
            return .init(status: .notFound, body: #"{"odata.error":{"code":"-1","message":{"lang":"ru","value":"Не найден"}}}"#)
        }
        let slice = Array(all.dropFirst(skip).prefix(top))
        return .init(body: page(slice, entitySet: String(request.path.dropFirst(root.count))))
    }

    func settings(_ files: TemporaryFiles, pageSize: Int = 2) throws -> String {
        try files.write("zup.yaml", Data("""
            version: 1
            odata:
              user: ${env:ZUP_ODATA_USER}
              password: ${env:ZUP_ODATA_PASSWORD}
              page_size: \(pageSize)
            """.utf8))
    }

    func days(_ warehouse: Warehouse) async throws -> [String] {
        try await warehouse.client.query("""
            SELECT personnel_number || ' ' || day::text || ' ' || kind FROM core.absence_days ORDER BY 1
            """, logger: warehouse.logger).collect().map { try $0.decode(String.self) }
    }

    @Test("states become absence days inside the window, paged; the unknown employee is set aside; a second run changes nothing")
    func absences() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let settings = try settings(files)
        let environment = ["ZUP_ODATA_USER": Self.user, "ZUP_ODATA_PASSWORD": Self.password]
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ Self.zup($0) }) { root, server in
                let url = root + "/zup/odata/standard.odata"
                let arguments = ["import", "zup-odata", url, "--from", "2026-07-01", "--to", "2026-07-31",
                                 "--settings", settings]
                let first = try await CLITests().crmhub(arguments, database: warehouse.settings, environment: environment)
                #expect(first.status == 3, "\(first.text)")
                #expect(first.text.contains("3 employees, 5 states: read 10, loaded 8, duplicates 0, quarantined 1, skipped 1"),
                        "\(first.text)")
                #expect(try await days(warehouse) == [
                    "0001 2026-07-01 vacation", "0001 2026-07-02 vacation", "0001 2026-07-03 vacation",
                    "0002 2026-07-14 sick_leave", "0002 2026-07-15 sick_leave",
                    "0003 2026-07-29 business_trip", "0003 2026-07-30 business_trip", "0003 2026-07-31 business_trip",
                ])
                let quarantined = try await warehouse.client.query("""
                    SELECT position::int, field, path, reason FROM ops.quarantine
                    """, logger: warehouse.logger).collect().map { try $0.decode((Int, String, String, String).self) }
                #expect(quarantined.count == 1)
                #expect(quarantined.first?.0 == 5 && quarantined.first?.1 == "Сотрудник_Key")
                #expect(quarantined.first?.2 == "InformationRegister_ДанныеСостоянийСотрудников?$skip=4 value[0]")
                // Pages of two: 2 of employees, 3 of states; the window is in the filter as 1C's literals.
                let asked = server.requests
                #expect(asked.count == 5)
                let filter = asked.last?.query["$filter"] ?? ""
                #expect(filter.contains("Начало le datetime'2026-07-31T23:59:59'"), "\(filter)")
                #expect(filter.contains("Окончание ge datetime'2026-07-01T00:00:00'"), "\(filter)")
                #expect(!first.text.contains(Self.password))

                let second = try await CLITests().crmhub(arguments, database: warehouse.settings, environment: environment)
                #expect(second.status == 0 && second.text.contains("already loaded"), "\(second.text)")
            }
        }
    }

    @Test("a wrong password, a missing secret, an unpublished entity and an unreachable service are clear errors without the secret")
    func errors() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let settings = try settings(files, pageSize: 500)
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ Self.zup($0) }) { root, _ in
                let url = root + "/zup/odata/standard.odata"
                let arguments = ["import", "zup-odata", url, "--from", "2026-07-01", "--to", "2026-07-31",
                                 "--settings", settings]
                let wrong = try await CLITests().crmhub(arguments, database: warehouse.settings,
                                                        environment: ["ZUP_ODATA_USER": Self.user,
                                                                      "ZUP_ODATA_PASSWORD": "wrong-password-123"])
                #expect(wrong.status == 1, "\(wrong.text)")
                #expect(wrong.text.contains("the OData service refused the user (401)"), "\(wrong.text)")
                #expect(!wrong.text.contains("wrong-password-123"))

                let missing = try await CLITests().crmhub(arguments, database: warehouse.settings,
                                                          environment: ["ZUP_ODATA_USER": Self.user])
                #expect(missing.text.contains("${env:ZUP_ODATA_PASSWORD}: the environment variable ZUP_ODATA_PASSWORD is not set"),
                        "\(missing.text)")

                let elsewhere = try await CLITests().crmhub(
                    ["import", "zup-odata", root + "/other/odata/standard.odata", "--settings", settings],
                    database: warehouse.settings,
                    environment: ["ZUP_ODATA_USER": Self.user, "ZUP_ODATA_PASSWORD": Self.password])
                #expect(elsewhere.text.contains("has no Catalog_Сотрудники (404)"), "\(elsewhere.text)")
            }
            // Nothing listens there any more.
            let closed = try await CLITests().crmhub(
                ["import", "zup-odata", "http://127.0.0.1:9/zup/odata/standard.odata", "--settings", settings],
                database: warehouse.settings, environment: ["ZUP_ODATA_USER": Self.user, "ZUP_ODATA_PASSWORD": "x"])
            #expect(closed.status == 1 && closed.text.contains("the OData service cannot be reached"), "\(closed.text)")
            let notURL = try await CLITests().crmhub(["import", "zup-odata", "zup.local/odata"], database: warehouse.settings)
            #expect(notURL.text.contains("is not a service address"), "\(notURL.text)")
        }
    }
}
