/// One leg of a call as a PBX reported it: a stats row of MANGO OFFICE, a webhook leg, an Asterisk CDR row.
/// The legs of one customer call share `entryID`; `CallClassifier` turns them into one `CallRow`.
public struct CallLegRow: Sendable, Hashable {
    /// Which PBX: `mango` or `asterisk` (a call is keyed by PBX and entry id).
    public var pbx: String
    public var entryID: String
    /// What reported the leg: `stats` (MANGO's statistics), `webhook` (MANGO's events), `cdr` (Asterisk).
    /// Stats are the authoritative history: a call with stats legs ignores its webhook legs.
    public var legSource: String
    /// Tells the legs of one call apart, stable across re-imports (a hash of the row, or of the webhook's leg
    /// id): the leg's key within its call.
    public var legKey: Int64
    /// Seconds since 1970 UTC.
    public var startedAt: Int64
    /// When an answer came; nil when the leg was never answered.
    public var answeredAt: Int64?
    public var endedAt: Int64
    /// The employee's extension on either side; nil when that side is not an employee.
    public var fromExtension: String?
    public var fromNumber: String?
    public var toExtension: String?
    public var toNumber: String?
    /// MANGO OFFICE's result code (1110, 1163, …).
    public var disconnectReason: Int?
    /// Asterisk's disposition: ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION.
    public var disposition: String?
    /// Where the leg was when it ended: `ivr`, `queue`, `abonent`, `voicemail`.
    public var location: String?
    /// The company's number the client called.
    public var lineNumber: String?
    /// Asterisk's last application (Dial, Queue, BackGround, VoiceMail).
    public var application: String?
    public var recordings: [String]
    /// The leg was made or ended by a transfer (MANGO's `transfer`, `taken_from_call_id`, `was_transferred`).
    public var transferred: Bool
    /// The row as read, for lineage and review.
    public var raw: String
    /// Its line in the file (or the webhook event's sequence).
    public var sourceLine: Int

    public init(pbx: String, entryID: String, legSource: String, legKey: Int64, startedAt: Int64,
                answeredAt: Int64?, endedAt: Int64, fromExtension: String? = nil, fromNumber: String? = nil,
                toExtension: String? = nil, toNumber: String? = nil, disconnectReason: Int? = nil,
                disposition: String? = nil, location: String? = nil, lineNumber: String? = nil,
                application: String? = nil, recordings: [String] = [], transferred: Bool = false, raw: String,
                sourceLine: Int) {
        self.pbx = pbx
        self.entryID = entryID
        self.legSource = legSource
        self.legKey = legKey
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.fromExtension = fromExtension
        self.fromNumber = fromNumber
        self.toExtension = toExtension
        self.toNumber = toNumber
        self.disconnectReason = disconnectReason
        self.disposition = disposition
        self.location = location
        self.lineNumber = lineNumber
        self.application = application
        self.recordings = recordings
        self.transferred = transferred
        self.raw = raw
        self.sourceLine = sourceLine
    }

    /// A 64-bit FNV-1a hash of `text`: a leg's key from its row. Not cryptographic: it only tells apart the
    /// few legs of one call, and must be the same on every machine (Swift's `Hasher` is seeded per process).
    public static func key(of text: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }
}

/// Which way a call went.
public enum CallDirection: String, Sendable, Hashable, CaseIterable {
    /// A client called the company.
    case incoming = "in"
    /// An employee called outside.
    case outgoing = "out"
    /// Employee to employee.
    case `internal`
}

/// How a call ended, for the call centre.
public enum CallOutcome: String, Sendable, Hashable, CaseIterable {
    case answered
    /// Answered by two or more employees in turn.
    case transferred
    /// An employee's phone rang and nobody answered.
    case missed
    /// Ended waiting in a queue (a group).
    case queueMissed = "queue_missed"
    /// Ended in the voice menu before reaching an employee (after hours too).
    case ivrMissed = "ivr_missed"
    case outgoingAnswered = "outgoing_answered"
    case outgoingUnanswered = "outgoing_unanswered"

    /// Missed by the company: the calls the missed-calls report is about.
    public var isMissed: Bool { self == .missed || self == .queueMissed || self == .ivrMissed }
}

/// A client the customer's rules create for a number not yet known, from the call that first met it.
public struct ClientCandidate: Sendable, Hashable {
    /// `Новый (16:30 05.03.2018, входящий вызов)`.
    public var name: String
    public var responsibleExtension: String?
    /// `incoming`, `missed`, `queue_missed`, `ivr_missed`, `outgoing`: the rule that made it.
    public var rule: String

    public init(name: String, responsibleExtension: String?, rule: String) {
        self.name = name
        self.responsibleExtension = responsibleExtension
        self.rule = rule
    }
}

/// One customer call, classified from its legs: what `core.calls` holds.
public struct CallRow: Sendable, Hashable {
    public var pbx: String
    public var entryID: String
    public var startedAt: Int64
    public var endedAt: Int64
    public var direction: CallDirection
    public var outcome: CallOutcome
    /// Ended by the PBX's scheme (MANGO 1170, the after-hours message): not the staff's failure.
    public var afterHours: Bool
    /// The client's number in E.164 (`+998901112233`); nil for anonymous and internal calls.
    public var clientPhone: String?
    /// The client's number as the PBX gave it.
    public var clientPhoneRaw: String?
    public var lineNumber: String?
    public var lineName: String?
    /// The responsible employee: who answered (the last one of a transfer), whose phone rang last for a missed
    /// call, the caller for an outgoing one.
    public var employeeExtension: String?
    /// The first employee who answered.
    public var firstExtension: String?
    /// Every employee who answered, in order.
    public var answeredExtensions: [String]
    /// Every employee whose phone rang, in order.
    public var rangExtensions: [String]
    public var talkSeconds: Int
    /// From the start until an employee (or the callee) answered, or until the end when nobody did.
    public var waitSeconds: Int
    public var recordings: [String]
    public var legCount: Int
    /// Which legs it was classified from: `stats`, `webhook`, `cdr`.
    public var legSource: String
    /// The client this call would create if its number were new (`ClientRules`).
    public var candidate: ClientCandidate?

    public init(pbx: String, entryID: String, startedAt: Int64, endedAt: Int64, direction: CallDirection,
                outcome: CallOutcome, afterHours: Bool = false, clientPhone: String? = nil,
                clientPhoneRaw: String? = nil, lineNumber: String? = nil, lineName: String? = nil,
                employeeExtension: String? = nil, firstExtension: String? = nil, answeredExtensions: [String] = [],
                rangExtensions: [String] = [], talkSeconds: Int = 0, waitSeconds: Int = 0, recordings: [String] = [],
                legCount: Int, legSource: String, candidate: ClientCandidate? = nil) {
        self.pbx = pbx
        self.entryID = entryID
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.direction = direction
        self.outcome = outcome
        self.afterHours = afterHours
        self.clientPhone = clientPhone
        self.clientPhoneRaw = clientPhoneRaw
        self.lineNumber = lineNumber
        self.lineName = lineName
        self.employeeExtension = employeeExtension
        self.firstExtension = firstExtension
        self.answeredExtensions = answeredExtensions
        self.rangExtensions = rangExtensions
        self.talkSeconds = talkSeconds
        self.waitSeconds = waitSeconds
        self.recordings = recordings
        self.legCount = legCount
        self.legSource = legSource
        self.candidate = candidate
    }
}
