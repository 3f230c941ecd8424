import HubCore

/// One VEVENT of an iCalendar file, its values parsed by libical, its times as written (`ICSTime`).
public struct ICSEvent: Sendable, Hashable {
    public var uid: String
    /// Set on an override: the original start of the slot it replaces.
    public var recurrenceID: ICSTime?
    /// `RANGE=THISANDFUTURE` on the RECURRENCE-ID: the override changes every later slot too.
    public var thisAndFuture: Bool
    public var start: ICSTime
    public var end: ICSTime?
    /// DURATION in seconds, when there is no DTEND.
    public var durationSeconds: Int?
    /// The RRULE as written (`FREQ=WEEKLY;COUNT=8;BYDAY=MO`).
    public var rrule: String?
    public var rdates: [ICSTime]
    public var exdates: [ICSTime]
    /// CONFIRMED, TENTATIVE, CANCELLED (upper case), or nil.
    public var status: String?
    public var summary: String?
    public var location: String?
    public var description: String?
    public var organizer: ICSPerson?
    public var attendees: [ICSPerson]
    public var sequence: Int
    public var stamp: Int64?
    /// Outlook's `X-MICROSOFT-CDO-ALLDAYEVENT:TRUE`.
    public var outlookAllDay: Bool
    /// The VEVENT's unfolded lines, as received.
    public var raw: String
    /// The line of its BEGIN:VEVENT in the file.
    public var line: Int

    public init(uid: String, recurrenceID: ICSTime? = nil, thisAndFuture: Bool = false, start: ICSTime,
                end: ICSTime? = nil, durationSeconds: Int? = nil, rrule: String? = nil, rdates: [ICSTime] = [],
                exdates: [ICSTime] = [], status: String? = nil, summary: String? = nil, location: String? = nil,
                description: String? = nil, organizer: ICSPerson? = nil, attendees: [ICSPerson] = [],
                sequence: Int = 0, stamp: Int64? = nil, outlookAllDay: Bool = false, raw: String = "", line: Int = 0) {
        self.uid = uid
        self.recurrenceID = recurrenceID
        self.thisAndFuture = thisAndFuture
        self.start = start
        self.end = end
        self.durationSeconds = durationSeconds
        self.rrule = rrule
        self.rdates = rdates
        self.exdates = exdates
        self.status = status
        self.summary = summary
        self.location = location
        self.description = description
        self.organizer = organizer
        self.attendees = attendees
        self.sequence = sequence
        self.stamp = stamp
        self.outlookAllDay = outlookAllDay
        self.raw = raw
        self.line = line
    }

    public var isCancelled: Bool { status == "CANCELLED" }
}

/// A VTIMEZONE block as written: its TZID and its text, for zones that neither the zone database nor CLDR know
/// ("Customized Time Zone"), whose offsets only the block gives.
public struct ICSTimeZoneBlock: Sendable, Hashable {
    public var tzid: String
    public var text: String
    public var line: Int

    public init(tzid: String, text: String, line: Int) {
        self.tzid = tzid
        self.text = text
        self.line = line
    }
}
