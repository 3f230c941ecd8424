/// A calendar (a mailbox or a folder): where its all-day events start and its floating times are read.
public struct CalendarIdentity: Sendable, Hashable {
    /// The calendar's name in the warehouse (`core.calendars.calendar`): the mailbox or the file's calendar.
    public var name: String
    /// An IANA zone.
    public var timeZone: String
    /// Whose it is (a mailbox address), when known.
    public var owner: String?

    public init(name: String, timeZone: String, owner: String? = nil) {
        self.name = name
        self.timeZone = timeZone
        self.owner = owner
    }
}

/// One attendee of an event.
public struct CalendarAttendee: Sendable, Hashable, Codable {
    public var email: String?
    public var name: String?
    /// REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR (Exchange: Required, Optional, Resource).
    public var role: String?
    /// NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE (Exchange's response types mapped to these).
    public var status: String?

    public init(email: String?, name: String?, role: String? = nil, status: String? = nil) {
        self.email = email
        self.name = name
        self.role = role
        self.status = status
    }
}

/// A VEVENT as one calendar holds it (`core.calendar_events`): a series or single event (`recurrenceID` ""), or
/// an override of one slot of a series.
public struct CalendarEventRow: Sendable, Hashable {
    public var uid: String
    /// "" for the series or a single event; for an override, the slot it replaces (`CalendarSlot.key`).
    public var recurrenceID: String
    /// `ics`, `exchange` or `crm`.
    public var origin: String
    public var summary: String?
    public var location: String?
    public var bodySummary: String?
    public var organizerEmail: String?
    public var organizerName: String?
    public var attendees: [CalendarAttendee]
    /// Seconds since 1970 UTC; nil when the event has no usable start.
    public var startsAt: Int64?
    public var endsAt: Int64?
    public var allDay: Bool
    /// The IANA zone it is expanded in, and its TZID as written.
    public var timeZone: String?
    public var sourceTZID: String?
    public var rrule: String?
    public var status: String?
    public var sequence: Int
    public var stampedAt: Int64?
    /// The VEVENT as received (unfolded lines), or nil.
    public var vevent: String?
    public var ewsItemID: String?
    public var ewsChangeKey: String?
    /// The first line of the VEVENT in its file (or the item's position in the answer).
    public var sourceLine: Int?

    public init(uid: String, recurrenceID: String = "", origin: String, summary: String? = nil,
                location: String? = nil, bodySummary: String? = nil, organizerEmail: String? = nil,
                organizerName: String? = nil, attendees: [CalendarAttendee] = [], startsAt: Int64? = nil,
                endsAt: Int64? = nil, allDay: Bool = false, timeZone: String? = nil, sourceTZID: String? = nil,
                rrule: String? = nil, status: String? = nil, sequence: Int = 0, stampedAt: Int64? = nil,
                vevent: String? = nil, ewsItemID: String? = nil, ewsChangeKey: String? = nil,
                sourceLine: Int? = nil) {
        self.uid = uid
        self.recurrenceID = recurrenceID
        self.origin = origin
        self.summary = summary
        self.location = location
        self.bodySummary = bodySummary
        self.organizerEmail = organizerEmail
        self.organizerName = organizerName
        self.attendees = attendees
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.allDay = allDay
        self.timeZone = timeZone
        self.sourceTZID = sourceTZID
        self.rrule = rrule
        self.status = status
        self.sequence = sequence
        self.stampedAt = stampedAt
        self.vevent = vevent
        self.ewsItemID = ewsItemID
        self.ewsChangeKey = ewsChangeKey
        self.sourceLine = sourceLine
    }
}

/// One occurrence of a meeting in one calendar's view (`core.calendar_occurrence_views`; the calendars' views
/// of one UID and start are one `core.calendar_occurrences` row).
public struct CalendarOccurrenceRow: Sendable, Hashable {
    public var eventUID: String
    /// Seconds since 1970 UTC; an all-day occurrence starts at local midnight of the calendar's zone.
    public var startsAt: Int64
    public var endsAt: Int64
    public var subject: String?
    public var location: String?
    public var allDay: Bool
    /// CONFIRMED, TENTATIVE (cancelled occurrences are not occurrences).
    public var status: String?
    public var organizerEmail: String?
    /// The slot of the series it fills ("" for a single event).
    public var recurrenceID: String
    public var sequence: Int
    public var stampedAt: Int64?
    public var sourceLine: Int?

    public init(eventUID: String, startsAt: Int64, endsAt: Int64, subject: String?, location: String? = nil,
                allDay: Bool, status: String? = nil, organizerEmail: String? = nil, recurrenceID: String = "",
                sequence: Int = 0, stampedAt: Int64? = nil, sourceLine: Int? = nil) {
        self.eventUID = eventUID
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.subject = subject
        self.location = location
        self.allDay = allDay
        self.status = status
        self.organizerEmail = organizerEmail
        self.recurrenceID = recurrenceID
        self.sequence = sequence
        self.stampedAt = stampedAt
        self.sourceLine = sourceLine
    }
}
