import HubCore

/// One punch as a terminal or turnstile export recorded it: who (the device's person key), when (the device's
/// wall clock, without a zone), where, which way, and whether it was a passage at all.
public struct PunchRecord: Sendable, Equatable {
    /// 1-based line in the file.
    public var line: Int
    /// The device's name for the person: a ZKTeco PIN, a card number, a personnel number.
    public var personKey: String
    public var personName: String?
    /// The personnel number the export itself names, when it does.
    public var personnelNumber: String?
    public var localTime: LocalDateTime
    /// The terminal's number or the access point's name.
    public var device: String
    public var direction: PunchDirection
    public var event: Event
    /// The export's own word for the event (`Проход`, `Отказ в доступе`), kept for audit.
    public var eventText: String?
    /// The line as read.
    public var raw: String

    /// Only passages count toward attendance; the rest are kept.
    public enum Event: String, Sendable {
        case pass, denied, other
    }

    public init(line: Int, personKey: String, personName: String? = nil, personnelNumber: String? = nil,
                localTime: LocalDateTime, device: String, direction: PunchDirection, event: Event,
                eventText: String? = nil, raw: String) {
        self.line = line
        self.personKey = personKey
        self.personName = personName
        self.personnelNumber = personnelNumber
        self.localTime = localTime
        self.device = device
        self.direction = direction
        self.event = event
        self.eventText = eventText
        self.raw = raw
    }
}
