import Connectors
import HubCore
import Testing

@Suite("OData answers")
struct ODataPageTests {
    @Test("a v3 page as 1C publishes it: strings, numbers and booleans as text, nulls and nested values left out")
    func page() throws {
        let body = #"""
            {"odata.metadata":"http://zup/odata/standard.odata/$metadata#Catalog_Сотрудники",
             "value":[{"Ref_Key":"a1","Code":"0001  ","DeletionMark":false,"Ставка":1.5,"Parent_Key":null,
                       "ФизическоеЛицо":{"Ref_Key":"x"}},{"Ref_Key":"a2","Code":"0002"}]}
            """#
        let entities = try ODataPage.entities(Array(body.utf8), source: "test")
        #expect(entities.count == 2 && entities[1].index == 1)
        #expect(entities[0].properties["Code"] == "0001  " && entities[0].properties["Ставка"] == "1.5")
        #expect(["false", "0"].contains(entities[0].properties["DeletionMark"] ?? "?"))
        #expect(entities[0].properties["Parent_Key"] == nil && entities[0].properties["ФизическоеЛицо"] == nil)
        #expect(entities[0].json.contains("\"Ref_Key\":\"a1\""))
    }

    @Test("an error answer (v3 and v4), a body that is not JSON, a page without value: each says which")
    func errors() {
        func problem(_ body: String) -> String {
            do {
                _ = try ODataPage.entities(Array(body.utf8), source: "svc")
                return "no error"
            } catch {
                return error.message
            }
        }
        #expect(problem(#"{"odata.error":{"code":"","message":{"lang":"ru","value":"Нет доступа"}}}"#)
                == "the OData service answered with an error: Нет доступа")
        #expect(problem(#"{"error":{"code":"x","message":"denied"}}"#) == "the OData service answered with an error: denied")
        #expect(problem("<html>login</html>").hasPrefix("the answer is not JSON"))
        #expect(problem(#"{"value":7}"#) == "the answer has no \"value\" list of entities")
        #expect(problem(#"{"value":[1]}"#) == "value[0] is not an entity")
        #expect(ODataPage.isEmptyDate("0001-01-01T00:00:00") && !ODataPage.isEmptyDate("2026-07-01T00:00:00"))
    }
}
