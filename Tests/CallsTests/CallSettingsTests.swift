import Calls
import Foundation
import Testing

@Suite struct CallSettingsTests {
    @Test func theRepositorysSettingsRead() throws {
        let settings = try repositorySettings()
        #expect(settings.autoCreate.incoming && settings.autoCreate.missed && !settings.autoCreate.outgoing)
        #expect(settings.groupMissedResponsible.enabled && settings.groupMissedResponsible.extension == "110")
        #expect(!settings.ivrMissedResponsible.enabled)
        #expect(settings.mango.lines["998712000001"] == "support")
        #expect(settings.asterisk.trunkChannelPrefixes == ["PJSIP/uztelecom-"])
        #expect(settings.extensions["101"]?.personnelNumber == "0001")
        #expect(settings.mango.apiKey == "${env:MANGO_API_KEY}")
    }

    @Test func mistakesAreReportedWithTheirLines() {
        let text = """
            timezone: Asia/Tashkent
            auto_create_client: {incoming: maybe}
            group_missed_responsible: {enabled: true}
            phone_formt: e164
            mango:
              api_key: abc123
              stats_fields: "start,finish,answer"
            asterisk:
              cdr_columns: [src, dst]
            """
        let (settings, diagnostics) = CallSettingsLoader.load(text, file: "calls.yaml")
        #expect(settings == nil)
        let messages = diagnostics.map(\.description).joined(separator: "\n")
        #expect(messages.contains("calls.yaml:2:") && messages.contains("must be true or false"))
        #expect(messages.contains("needs its extension"))
        #expect(messages.contains("unknown key 'phone_formt'") && messages.contains("phone_format"))
        #expect(messages.contains("literal secret"))
        #expect(messages.contains("entry_id"))
        #expect(messages.contains("the CDR columns must include"))
        #expect(!messages.contains("abc123"))
    }
}
