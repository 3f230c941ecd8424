import Calls
import Connectors
import Foundation
import HubCore
import Testing

/// Each classification rule on the smallest call that shows it.
@Suite struct ClassificationRuleTests {
    let classifier = CallClassifier(settings: CallSettings())

    func classify(_ legs: CallLegRow...) throws -> CallRow { try #require(classifier.classify(legs)) }

    @Test func directionOutWhenAnEmployeeCallsOutside() throws {
        let call = try classify(leg(start: 0, answer: 5, end: 60, fromExtension: "101", from: "sip:a@pbx",
                                    to: "998901112233"))
        #expect(call.direction == .outgoing && call.outcome == .outgoingAnswered)
        #expect(call.employeeExtension == "101" && call.clientPhone == "+998901112233" && call.talkSeconds == 55)
    }

    @Test func directionInternalWhenBothAreEmployees() throws {
        let call = try classify(leg(start: 0, answer: 2, end: 30, fromExtension: "101", from: "sip:a@pbx",
                                    toExtension: "103", to: "sip:b@pbx"))
        #expect(call.direction == .internal && call.outcome == .answered && call.clientPhone == nil)
    }

    @Test func transferredWhenTwoEmployeesAnswered() throws {
        let call = try classify(leg(start: 0, answer: 5, end: 100, toExtension: "101", reason: 1180, line: 1),
                                leg(start: 100, answer: 104, end: 200, toExtension: "103", line: 2))
        #expect(call.outcome == .transferred && call.employeeExtension == "103" && call.firstExtension == "101")
        #expect(call.talkSeconds == 95 + 96)
    }

    @Test func answeredByTheVoiceMenuIsNoAnswer() throws {
        // Asterisk: BackGround and VoiceMail answer the channel, with no destination channel: no employee leg.
        let call = try classify(leg(start: 0, answer: 0, end: 20, to: "s", disposition: "ANSWERED", location: "ivr",
                                    application: "BackGround"))
        #expect(call.outcome == .ivrMissed && call.employeeExtension == nil)
    }

    @Test func queueMissedByLocationCodeOrQueueApplication() throws {
        #expect(try classify(leg(start: 0, end: 95, to: "998712000000", reason: 1163, location: "queue")).outcome
                == .queueMissed)
        #expect(try classify(leg(start: 0, end: 95, toExtension: "101", reason: 1160)).outcome == .queueMissed)
        #expect(try classify(leg(start: 0, answer: 1, end: 95, to: "700", disposition: "ANSWERED", location: "queue",
                                 application: "Queue")).outcome == .queueMissed)
    }

    @Test func ivrMissedAfterHoursIsFlagged() throws {
        let call = try classify(leg(start: 0, end: 25, reason: 1170, location: "ivr"))
        #expect(call.outcome == .ivrMissed && call.afterHours)
    }

    @Test func missedWhenAnEmployeeRangAndNobodyAnswered() throws {
        let call = try classify(leg(start: 0, end: 20, toExtension: "102", reason: 1111, line: 1),
                                leg(start: 5, end: 25, toExtension: "104", reason: 1111, line: 2))
        #expect(call.outcome == .missed && call.employeeExtension == "104" && call.rangExtensions == ["102", "104"])
    }

    @Test func voicemailAfterARingStaysMissed() throws {
        let call = try classify(leg(start: 0, end: 20, toExtension: "101", disposition: "NO ANSWER", line: 1),
                                leg(start: 20, answer: 20, end: 45, to: "vmu101", disposition: "ANSWERED",
                                    location: "voicemail", application: "VoiceMail", line: 2))
        #expect(call.outcome == .missed && call.employeeExtension == "101")
    }

    @Test func aHuntLegThatRangWhileAColleagueAnsweredIsNoMissedCall() throws {
        let call = try classify(leg(start: 0, end: 20, toExtension: "102", reason: 1111, line: 1),
                                leg(start: 20, answer: 27, end: 300, toExtension: "101", line: 2))
        #expect(call.outcome == .answered && call.employeeExtension == "101")
    }

    @Test func outgoingUnansweredOnBusyNoAnswerAndCongestion() throws {
        for (reason, disposition) in [(1121, nil), (1111, nil), (1131, nil), (nil, "BUSY"), (nil, "NO ANSWER"),
                                      (nil, "CONGESTION")] as [(Int?, String?)] {
            let call = try classify(leg(start: 0, end: 6, fromExtension: "104", from: "104", to: "712345678",
                                        reason: reason, disposition: disposition))
            #expect(call.outcome == .outgoingUnanswered && call.clientPhone == "+998712345678")
        }
    }

    @Test func statsLegsWinOverWebhookLegs() throws {
        let call = try classify(leg(start: 0, end: 20, toExtension: "101", source: "webhook", line: 1),
                                leg(start: 0, answer: 5, end: 20, toExtension: "101", source: "stats", line: 2))
        #expect(call.outcome == .answered && call.legCount == 1 && call.legSource == "stats")
    }
}

/// The customer's rules for new clients, each setting on a call that shows it.
@Suite struct ClientRuleTests {
    func candidate(_ settings: CallSettings, _ legs: CallLegRow...) throws -> ClientCandidate? {
        try #require(CallClassifier(settings: settings).classify(legs)).candidate
    }

    @Test func answeredIncomingNamesTheTimeInTheSettingsZone() throws {
        // 1741579200 + 330 = 2025-03-10 04:05:30 UTC = 09:05 in Tashkent.
        let client = try #require(try candidate(CallSettings(), leg(start: 330, answer: 340, end: 400, toExtension: "101")))
        #expect(client.name == "Новый (09:05 10.03.2025, входящий вызов)" && client.responsibleExtension == "101")
        var moscow = CallSettings()
        moscow.timeZone = TimeZone(identifier: "Europe/Moscow")!
        #expect(try candidate(moscow, leg(start: 330, answer: 340, end: 400, toExtension: "101"))?.name
                == "Новый (07:05 10.03.2025, входящий вызов)")
    }

    @Test func transferResponsibleFollowsTheSetting() throws {
        let legs = [leg(start: 0, answer: 5, end: 100, toExtension: "101", line: 1),
                    leg(start: 100, answer: 104, end: 200, toExtension: "103", line: 2)]
        var settings = CallSettings()
        #expect(try candidate(settings, legs[0], legs[1])?.responsibleExtension == "101")
        settings.updateResponsibleOnTransfer = true
        #expect(try candidate(settings, legs[0], legs[1])?.responsibleExtension == "103")
    }

    @Test func missedGoesToTheLastWhoseLegRang() throws {
        let client = try candidate(CallSettings(), leg(start: 0, end: 20, toExtension: "102", line: 1),
                                   leg(start: 20, end: 40, toExtension: "104", line: 2))
        #expect(client?.name.hasSuffix("пропущенный вызов)") == true && client?.responsibleExtension == "104")
        var off = CallSettings()
        off.autoCreate.missed = false
        #expect(try candidate(off, leg(start: 0, end: 20, toExtension: "102")) == nil)
    }

    @Test func groupMissedUsesTheGroupExtensionOrTheFirstRouted() throws {
        let legs = [leg(start: 0, end: 20, toExtension: "102", reason: 1111, line: 1),
                    leg(start: 20, end: 40, toExtension: "104", reason: 1162, location: "queue", line: 2)]
        var settings = CallSettings()
        #expect(try candidate(settings, legs[0], legs[1])?.responsibleExtension == "102")
        settings.groupMissedResponsible = .init(enabled: true, extension: "110")
        let client = try candidate(settings, legs[0], legs[1])
        #expect(client?.responsibleExtension == "110" && client?.rule == "queue_missed")
    }

    @Test func ivrMissedMakesAClientOnlyWhenEnabled() throws {
        let ivr = leg(start: 0, end: 20, reason: 1110, location: "ivr")
        #expect(try candidate(CallSettings(), ivr) == nil)
        var settings = CallSettings()
        settings.ivrMissedResponsible = .init(enabled: true, extension: "110")
        #expect(try candidate(settings, ivr)?.responsibleExtension == "110")
    }

    @Test func outgoingMakesAClientOnlyWhenEnabled() throws {
        let out = leg(start: 0, end: 6, fromExtension: "104", from: "sip:m@pbx", to: "998712345678", reason: 1121)
        #expect(try candidate(CallSettings(), out) == nil)
        var settings = CallSettings()
        settings.autoCreate.outgoing = true
        let client = try candidate(settings, out)
        #expect(client?.name.hasSuffix("исходящий вызов)") == true && client?.responsibleExtension == "104")
    }

    @Test func anonymousAndInternalCallsMakeNoClient() throws {
        #expect(try candidate(CallSettings(), leg(start: 0, answer: 5, end: 60, from: nil, toExtension: "101")) == nil)
        #expect(try candidate(CallSettings(), leg(start: 0, answer: 5, end: 60, from: "anonymous", toExtension: "101"))
                == nil)
        #expect(try candidate(CallSettings(), leg(start: 0, answer: 2, end: 30, fromExtension: "101", from: "101",
                                                  toExtension: "103", to: "103")) == nil)
    }
}
