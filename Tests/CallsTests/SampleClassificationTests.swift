import Calls
import Connectors
import Foundation
import HubCore
import Testing

/// The shared samples classified as their expected-outcome files say.
@Suite struct SampleClassificationTests {
    /// `class` of mango_stats_expected.csv → outcome; the recall suffix needs later calls (the warehouse's
    /// mart.call_callbacks, tested in IntegrationTests), after-hours and short talk are flags.
    static func outcome(ofClass name: String) -> (CallOutcome, afterHours: Bool) {
        switch name {
        case "missed_recalled": (.missed, false)
        case "ivr_missed_recalled": (.ivrMissed, false)
        case "ivr_missed_after_hours": (.ivrMissed, true)
        case "answered_anonymous", "answered_short", "internal": (.answered, false)
        default: (CallOutcome(rawValue: name)!, false)
        }
    }

    @Test func mangoStatsGetTheirExpectedOutcomes() throws {
        let settings = try repositorySettings()
        let layout = settings.mango.layout
        let legs = try rows(samplePath("mango-stats-2025-03-10.csv"), delimiter: ";").map { row in
            try layout.leg(row).get()
        }
        #expect(legs.count == 17)
        let calls = classified(legs, settings: settings)
        let expected = try rows(samplePath("expected-mango-stats-2025-03-10.csv"), delimiter: ",").dropFirst()
        #expect(calls.count == expected.count)
        for row in expected {
            let fields = row.fields
            let call = try #require(calls[fields[0]], "no call \(fields[0])")
            let (outcome, afterHours) = Self.outcome(ofClass: fields[1])
            #expect(call.outcome == outcome, "\(fields[0]) \(fields[7])")
            #expect(call.afterHours == afterHours, "\(fields[0])")
            #expect(call.direction.rawValue == fields[2], "\(fields[0])")
            let responsible = fields[3].hasPrefix("(") ? nil : fields[3]
            #expect(call.employeeExtension == responsible, "\(fields[0]) \(fields[7])")
            #expect(call.clientPhone == (fields[5].isEmpty ? nil : fields[5]), "\(fields[0])")
            #expect(call.talkSeconds == Int(fields[6]), "\(fields[0])")
        }
        // The short call and the anonymous one are told apart by what the row keeps.
        #expect(calls["YWNtZS1kZW1vOmVudHJ5OjAwMTI="]!.talkSeconds < settings.shortTalkSeconds)
        #expect(calls["YWNtZS1kZW1vOmVudHJ5OjAwMTE="]!.clientPhone == nil)
        #expect(calls["YWNtZS1kZW1vOmVudHJ5OjAwMDc="]!.answeredExtensions == ["101", "103"])
        #expect(calls["YWNtZS1kZW1vOmVudHJ5OjAwMTM="]!.lineName == "site-tracking")
    }

    @Test func asteriskMasterCSVGetsItsOutcomes() throws {
        let settings = try repositorySettings()
        let layout = settings.asteriskLayout()
        var offsets = ZoneDayOffsets(zone: layout.timeZone)
        let legs = try rows(samplePath("asterisk-Master-2025-03-10.csv"), delimiter: ",").map { row in
            try layout.leg(row, offsets: &offsets).get()
        }
        #expect(legs.count == 10)
        // 09:02:10 in Tashkent is the MANGO sample's first call, 04:02:10 UTC.
        #expect(legs[0].startedAt == 1_741_579_330)
        #expect(legs[0].fromExtension == nil && legs[0].toExtension == "102")
        let calls = classified(legs, settings: settings)
        let expected: [(String, CallDirection, CallOutcome, String?, String?)] = [
            ("1741579330.1", .incoming, .answered, "101", "+998901112233"),          // ring group: 102 rang, 101 answered
            ("1741582880.4", .incoming, .ivrMissed, nil, "+998977778899"),           // BackGround only
            ("1741583520.5", .incoming, .queueMissed, nil, "+998881239876"),         // Queue, nobody's phone
            ("1741580465.6", .outgoing, .outgoingAnswered, "102", "+998935554411"),  // 9-digit number dialled
            ("1741588200.8", .outgoing, .outgoingUnanswered, "104", "+998712345678"),// BUSY
            ("1741589100.10", .internal, .answered, "101", nil),
            ("1741592400.12", .incoming, .missed, "101", "+998331112200"),           // NO ANSWER, then voicemail
            ("1741594200.14", .outgoing, .outgoingUnanswered, "103", "+79161234567"),// CONGESTION, 8-prefixed
        ]
        #expect(calls.count == expected.count)
        for (entry, direction, outcome, responsible, phone) in expected {
            let call = try #require(calls[entry], "no call \(entry)")
            #expect(call.direction == direction, "\(entry)")
            #expect(call.outcome == outcome, "\(entry)")
            #expect(call.employeeExtension == responsible, "\(entry)")
            #expect(call.clientPhone == phone, "\(entry)")
        }
        #expect(calls["1741579330.1"]!.talkSeconds == 256)
    }

    @Test func webhookEventsMakeTheSameCallsAsTheStats() throws {
        let settings = try repositorySettings()
        let data = try Data(contentsOf: URL(fileURLWithPath: samplePath("mango-webhook-events.json")))
        let posts = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        #expect(posts.count == 20)
        var events: [MangoCallEvent] = []
        let signature = MangoSignature(apiKey: "acmedemovpbxkey0000000000000000", salt: "acmedemosalt000000000000")
        for post in posts {
            #expect(signature.verifies(apiKey: post["vpbx_api_key"]!, json: post["json"]!, sign: post["sign"]!))
            if case .call(let event) = try MangoWebhookEvent.decode(endpoint: post["endpoint"]!, json: post["json"]!) {
                events.append(event)
            }
        }
        let byEntry = Dictionary(grouping: events, by: \.entryID)
        let classifier = CallClassifier(settings: settings)
        let answered = try #require(classifier.classify(MangoCallEvent.legs(byEntry["YWNtZS1kZW1vOmVudHJ5OjAwMDE="]!)))
        #expect(answered.outcome == .answered && answered.employeeExtension == "101" && answered.talkSeconds == 255)
        let ivr = try #require(classifier.classify(MangoCallEvent.legs(byEntry["YWNtZS1kZW1vOmVudHJ5OjAwMDQ="]!)))
        #expect(ivr.outcome == .ivrMissed && ivr.employeeExtension == nil)
        let transfer = try #require(classifier.classify(MangoCallEvent.legs(byEntry["YWNtZS1kZW1vOmVudHJ5OjAwMDc="]!)))
        #expect(transfer.outcome == .transferred && transfer.answeredExtensions == ["101", "103"])
        #expect(transfer.employeeExtension == "103" && transfer.talkSeconds == 489)
        #expect(transfer.clientPhone == "+79161234567")
        // The order of arrival does not matter: seq orders a leg's events.
        let reversed = try #require(classifier.classify(MangoCallEvent.legs(byEntry["YWNtZS1kZW1vOmVudHJ5OjAwMDc="]!.reversed())))
        #expect(reversed == transfer)
        // A forged signature, or another PBX's key, does not verify.
        let post = posts[0]
        #expect(!signature.verifies(apiKey: post["vpbx_api_key"]!, json: post["json"]! + " ", sign: post["sign"]!))
        #expect(!signature.verifies(apiKey: "other", json: post["json"]!, sign: post["sign"]!))
    }

    @Test func theSampleRequestsAreSignedAsMANGODocumentsThem() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: samplePath("mango-stats-request.json")))
        let sample = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let signature = MangoSignature(apiKey: "acmedemovpbxkey0000000000000000",
                                       salt: try #require(sample["salt_for_verification"] as? String))
        for step in ["step1", "step2"] {
            let form = try #require((sample[step] as? [String: Any])?["form"] as? [String: String])
            #expect(signature.sign(form["json"]!) == form["sign"]!, "\(step)")
        }
    }
}
