import Connectors
import Foundation
import HubCore

/// Turns the legs of one customer call into one classified call, by one set of rules for MANGO OFFICE and
/// Asterisk (docs/calls.md, "How a call is classified"):
///
/// - direction: `out` when the caller is an employee and someone called is not; `internal` when both are
///   employees; else `in`;
/// - an incoming call is `transferred` when two different employees answered legs of it, `answered` when
///   one did (an IVR, queue or voicemail answering the channel is no answer), `queue_missed` when it ended in
///   a queue (location `queue`, codes 1160–1164, an Asterisk `Queue` no employee's phone rang after),
///   `missed` when an employee's phone rang and nobody answered, else `ivr_missed` (with `afterHours` when
///   the PBX's scheme ended it, code 1170). A hunt leg that rang while a colleague answered is no missed call;
/// - an outgoing call is `outgoing_answered` when the far end answered, else `outgoing_unanswered`.
/// - an internal call is `answered` when the callee answered, else `missed`.
package struct CallClassifier: Sendable {
    package let settings: CallSettings

    package init(settings: CallSettings) {
        self.settings = settings
    }

    /// The call the legs make; nil for no legs. The legs may come in any order; stats and CDR legs, where a
    /// call has them, win over its webhook legs.
    package func classify(_ allLegs: [CallLegRow]) -> CallRow? {
        var legs = allLegs
        if legs.contains(where: { $0.legSource != "webhook" }) { legs.removeAll { $0.legSource == "webhook" } }
        legs.sort { ($0.startedAt, $0.sourceLine, $0.legKey) < ($1.startedAt, $1.sourceLine, $1.legKey) }
        guard let first = legs.first else { return nil }
        let started = first.startedAt
        let ended = legs.map(\.endedAt).max() ?? started
        let lineNumber = legs.lazy.compactMap(\.lineNumber).first
        let recordings = legs.flatMap(\.recordings)
        func answered(_ leg: CallLegRow) -> Bool {
            leg.answeredAt != nil && (leg.disposition == nil || leg.disposition == "ANSWERED")
        }
        var call = CallRow(pbx: first.pbx, entryID: first.entryID, startedAt: started, endedAt: ended,
                           direction: .incoming, outcome: .missed, lineNumber: lineNumber,
                           lineName: settings.lineName(lineNumber), recordings: recordings, legCount: legs.count,
                           legSource: first.legSource)
        let callerExtension = first.fromExtension
        let externalLegs = legs.filter { $0.toExtension == nil }
        if let callerExtension {
            // An outgoing call's far end is a leg to no employee that dialled a number; internal otherwise.
            let outside = externalLegs.filter { leg in leg.toNumber.map { PhoneNumber($0) != nil } ?? false }
            if let far = outside.first {
                call.direction = .outgoing
                call.clientPhoneRaw = far.toNumber
                call.clientPhone = far.toNumber.flatMap { PhoneNumber($0)?.e164 }
                let talked = outside.filter(answered)
                call.outcome = talked.isEmpty ? .outgoingUnanswered : .outgoingAnswered
                call.talkSeconds = talked.reduce(0) { $0 + Int($1.endedAt - ($1.answeredAt ?? $1.endedAt)) }
                call.waitSeconds = Int((talked.first?.answeredAt ?? ended) - started)
                call.employeeExtension = callerExtension
                call.firstExtension = callerExtension
                call.answeredExtensions = talked.isEmpty ? [] : [callerExtension]
            } else {
                call.direction = .internal
                let calleeLegs = legs.filter { $0.toExtension != nil && $0.toExtension != callerExtension }
                let talked = calleeLegs.filter(answered)
                call.outcome = talked.isEmpty ? .missed : .answered
                call.employeeExtension = callerExtension
                call.firstExtension = callerExtension
                call.answeredExtensions = ordered(talked.compactMap(\.toExtension))
                call.rangExtensions = ordered(calleeLegs.compactMap(\.toExtension))
                call.talkSeconds = talked.reduce(0) { $0 + Int($1.endedAt - ($1.answeredAt ?? $1.endedAt)) }
                call.waitSeconds = Int((talked.first?.answeredAt ?? ended) - started)
            }
        } else {
            call.direction = .incoming
            call.clientPhoneRaw = first.fromNumber
            call.clientPhone = first.fromNumber.flatMap { PhoneNumber($0)?.e164 }
            let employeeLegs = legs.filter { $0.toExtension != nil }
            let talked = employeeLegs.filter(answered)
            call.rangExtensions = ordered(employeeLegs.compactMap(\.toExtension))
            call.answeredExtensions = ordered(talked.compactMap(\.toExtension))
            call.talkSeconds = talked.reduce(0) { $0 + Int($1.endedAt - ($1.answeredAt ?? $1.endedAt)) }
            call.waitSeconds = Int((talked.first?.answeredAt ?? ended) - started)
            let last = legs.max { ($0.endedAt, $0.startedAt) < ($1.endedAt, $1.startedAt) } ?? first
            if call.answeredExtensions.count >= 2 {
                call.outcome = .transferred
            } else if !call.answeredExtensions.isEmpty {
                call.outcome = .answered
            } else if last.location == "queue" || legs.contains(where: { (1160...1164).contains($0.disconnectReason ?? 0) })
                        || (employeeLegs.isEmpty && legs.contains { $0.application?.lowercased() == "queue" }) {
                call.outcome = .queueMissed
            } else if !employeeLegs.isEmpty {
                call.outcome = .missed
            } else {
                call.outcome = .ivrMissed
                call.afterHours = legs.contains { $0.disconnectReason == 1170 }
            }
            call.firstExtension = call.answeredExtensions.first ?? call.rangExtensions.first
            switch call.outcome {
            case .answered, .transferred: call.employeeExtension = call.answeredExtensions.last
            case .missed: call.employeeExtension = call.rangExtensions.last
            default: call.employeeExtension = nil
            }
        }
        call.candidate = candidate(for: call)
        return call
    }

    /// The client the customer's rules would create from this call if its number were new (the store creates
    /// it only for the earliest such call of a number not yet known).
    package func candidate(for call: CallRow) -> ClientCandidate? {
        guard call.clientPhone != nil else { return nil }
        let create = settings.autoCreate
        switch (call.direction, call.outcome) {
        case (.incoming, .answered), (.incoming, .transferred):
            guard create.incoming else { return nil }
            let responsible = call.outcome == .transferred && settings.updateResponsibleOnTransfer
                ? call.answeredExtensions.last : call.answeredExtensions.first
            return ClientCandidate(name: name(call, "входящий вызов"), responsibleExtension: responsible, rule: "incoming")
        case (.incoming, .missed):
            guard create.missed else { return nil }
            return ClientCandidate(name: name(call, "пропущенный вызов"), responsibleExtension: call.rangExtensions.last,
                                   rule: "missed")
        case (.incoming, .queueMissed):
            guard create.missed else { return nil }
            let group = settings.groupMissedResponsible
            return ClientCandidate(name: name(call, "пропущенный вызов"),
                                   responsibleExtension: group.enabled ? group.extension : call.rangExtensions.first,
                                   rule: "queue_missed")
        case (.incoming, .ivrMissed):
            let ivr = settings.ivrMissedResponsible
            guard ivr.enabled else { return nil }
            return ClientCandidate(name: name(call, "пропущенный вызов"), responsibleExtension: ivr.extension,
                                   rule: "ivr_missed")
        case (.outgoing, _):
            guard create.outgoing else { return nil }
            return ClientCandidate(name: name(call, "исходящий вызов"), responsibleExtension: call.employeeExtension,
                                   rule: "outgoing")
        default:
            return nil
        }
    }

    /// `Новый (16:30 05.03.2018, входящий вызов)`: the call's start in the settings' zone.
    func name(_ call: CallRow, _ kind: String) -> String {
        let offset = settings.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(call.startedAt)))
        let local = LocalDateTime(instant: call.startedAt, offset: offset)
        let date = local.date
        let text = String(format: "%02d:%02d %02d.%02d.%04d", local.secondOfDay / 3600, local.secondOfDay % 3600 / 60,
                          date.day, date.month, date.year)
        return "Новый (\(text), \(kind))"
    }

    private func ordered(_ extensions: [String]) -> [String] {
        var seen = Set<String>()
        return extensions.filter { seen.insert($0).inserted }
    }
}
