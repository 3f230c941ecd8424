import Foundation
import HubCore

/// One of MANGO OFFICE's call notifications, decoded from its `json` form field (after the signature was
/// checked): `events/call` (a leg changed state) or `events/summary` (a call is over).
public enum MangoWebhookEvent: Sendable, Equatable {
    case call(MangoCallEvent)
    case summary(MangoCallSummary)

    public var entryID: String {
        switch self {
        case .call(let event): event.entryID
        case .summary(let summary): summary.entryID
        }
    }

    /// Decodes the event `endpoint` (`/events/call`, `/events/summary`) carries; throws a typed error naming the
    /// field that is missing or wrong.
    public static func decode(endpoint: String, json: String) throws(MangoEventError) -> MangoWebhookEvent {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw MangoEventError(field: nil, reason: "the json field is not a JSON object")
        }
        let fields = JSONFields(object)
        if endpoint.hasSuffix("/events/call") {
            return .call(try MangoCallEvent(fields))
        }
        if endpoint.hasSuffix("/events/summary") {
            return .summary(try MangoCallSummary(fields))
        }
        throw MangoEventError(field: nil, reason: "\(endpoint) is not an event CRMHub reads")
    }
}

/// Why a notification could not be read.
public struct MangoEventError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var reason: String
    public var description: String { field.map { "\($0): \(reason)" } ?? reason }
}

/// A side of a call in an event: an employee (extension) or a number.
public struct MangoParty: Sendable, Equatable {
    public var `extension`: String?
    public var number: String?
    public var lineNumber: String?
    public var takenFromCallID: String?
    public var wasTransferred: Bool

    init(_ fields: JSONFields?) {
        `extension` = fields?.text("extension")
        number = fields?.text("number")
        lineNumber = fields?.text("line_number")
        takenFromCallID = fields?.text("taken_from_call_id")
        wasTransferred = fields?.flag("was_transferred") ?? false
    }
}

/// `events/call`: one state change of one leg (`call_id`), numbered by `seq` within the leg.
public struct MangoCallEvent: Sendable, Equatable {
    public var entryID: String
    public var callID: String
    public var timestamp: Int64
    public var seq: Int
    /// Appeared, Connected, OnHold, Disconnected.
    public var state: String
    public var location: String?
    public var from: MangoParty
    public var to: MangoParty
    public var disconnectReason: Int?
    /// consultative, blind, return_blind.
    public var transfer: String?
    /// The call-tracking number the client dialled, and its type (1 dynamic, 2 static).
    public var trackingNumber: String?
    public var trackingType: Int?

    init(_ fields: JSONFields) throws(MangoEventError) {
        entryID = try fields.required("entry_id")
        callID = try fields.required("call_id")
        guard let timestamp = fields.integer("timestamp") else {
            throw MangoEventError(field: "timestamp", reason: "missing or not epoch seconds")
        }
        self.timestamp = timestamp
        guard let seq = fields.integer("seq") else { throw MangoEventError(field: "seq", reason: "missing or not a number") }
        self.seq = Int(seq)
        state = try fields.required("call_state")
        location = fields.text("location")
        from = MangoParty(fields.object("from"))
        to = MangoParty(fields.object("to"))
        disconnectReason = fields.integer("disconnect_reason").map(Int.init)
        transfer = fields.text("transfer")
        trackingNumber = fields.object("dct")?.text("number")
        trackingType = fields.object("dct")?.integer("type").map(Int.init)
    }
}

/// `events/summary`: a call group is over.
public struct MangoCallSummary: Sendable, Equatable {
    public var entryID: String
    /// 0 internal, 1 inbound, 2 outbound.
    public var direction: Int?
    public var createTime: Int64?
    public var endTime: Int64?
    public var talkTime: Int64?
    public var lineNumber: String?
    public var disconnectReason: Int?

    init(_ fields: JSONFields) throws(MangoEventError) {
        entryID = try fields.required("entry_id")
        direction = fields.integer("call_direction").map(Int.init)
        createTime = fields.integer("create_time")
        endTime = fields.integer("end_time")
        talkTime = fields.integer("talk_time")
        lineNumber = fields.text("line_number")
        disconnectReason = fields.integer("disconnect_reason").map(Int.init)
    }
}

/// Reading a JSON object's fields the way MANGO writes them: numbers sometimes as text, text sometimes as numbers.
struct JSONFields {
    let object: [String: Any]

    init(_ object: [String: Any]) {
        self.object = object
    }

    func text(_ key: String) -> String? {
        switch object[key] {
        case let text as String: text.isEmpty ? nil : text
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    func required(_ key: String) throws(MangoEventError) -> String {
        guard let value = text(key) else { throw MangoEventError(field: key, reason: "missing") }
        return value
    }

    func integer(_ key: String) -> Int64? {
        switch object[key] {
        case let number as NSNumber: number.int64Value
        case let text as String: Int64(text)
        default: nil
        }
    }

    func flag(_ key: String) -> Bool {
        switch object[key] {
        case let number as NSNumber: number.boolValue
        case let text as String: text == "true" || text == "1"
        default: false
        }
    }

    func object(_ key: String) -> JSONFields? {
        (object[key] as? [String: Any]).map(JSONFields.init)
    }
}

extension MangoCallEvent {
    /// The legs a call's events describe, one per `call_id`, from all its events in any order of arrival: sorted
    /// by `seq`, the leg starts at its first event, is answered at its first `Connected`, ends at `Disconnected`
    /// (or its last event, while it lasts). The latest event's parties win: a blind transfer replaces the caller.
    public static func legs(_ events: [MangoCallEvent]) -> [CallLegRow] {
        let byLeg = Dictionary(grouping: events, by: \.callID)
        return byLeg.keys.sorted().compactMap { callID -> CallLegRow? in
            let leg = byLeg[callID]!.sorted { $0.seq < $1.seq }
            guard let first = leg.first, let last = leg.last else { return nil }
            let ended = leg.last { $0.state == "Disconnected" }
            // A party is taken whole from the latest event that names it: a transfer replaces the caller.
            func latest(_ party: (MangoCallEvent) -> MangoParty) -> MangoParty? {
                leg.reversed().map(party).first { $0.extension != nil || $0.number != nil }
            }
            let from = latest(\.from)
            let to = latest(\.to)
            return CallLegRow(
                pbx: "mango", entryID: first.entryID, legSource: "webhook", legKey: CallLegRow.key(of: callID),
                startedAt: leg.map(\.timestamp).min() ?? first.timestamp,
                answeredAt: leg.first { $0.state == "Connected" }?.timestamp,
                endedAt: ended?.timestamp ?? leg.map(\.timestamp).max() ?? last.timestamp,
                fromExtension: from?.extension, fromNumber: from?.number, toExtension: to?.extension,
                toNumber: to?.number,
                disconnectReason: ended?.disconnectReason, location: last.location,
                lineNumber: leg.reversed().lazy.compactMap(\.to.lineNumber).first, recordings: [],
                transferred: leg.contains { $0.transfer != nil || $0.from.takenFromCallID != nil
                    || $0.from.wasTransferred || $0.to.wasTransferred },
                raw: "call_id \(callID): " + leg.map { "\($0.seq) \($0.state)" }.joined(separator: ", "),
                sourceLine: leg.count)
        }
    }
}
