import HubCore

/// A calendar item as `FindItem` (a `CalendarView`: singles, occurrences and exceptions) or `GetItem` (with
/// attendees, the organizer's address and the body) returns it. Times are UTC in EWS.
public struct EWSCalendarItem: Sendable, Equatable {
    public var identity: EWSItemIdentity
    public var uid: String?
    /// The slot an occurrence or exception fills (its original start), seconds since 1970 UTC.
    public var recurrenceID: Int64?
    public var start: Int64?
    public var end: Int64?
    public var subject: String?
    public var location: String?
    public var body: String?
    public var isAllDay: Bool
    public var isCancelled: Bool
    /// `Single`, `Occurrence`, `Exception`, `RecurringMaster`.
    public var itemType: String
    public var organizerName: String?
    public var organizerEmail: String?
    public var attendees: [CalendarAttendee]
    /// `Free`, `Tentative`, `Busy`, `OOF`, `NoData`.
    public var freeBusy: String?

    public init?(_ node: XMLElementNode, position: Int) {
        guard let identity = EWSItemIdentity(node, position: position) else { return nil }
        self.identity = identity
        uid = node.value("UID")
        recurrenceID = node.value("RecurrenceId").flatMap(EWSDateTime.seconds)
        start = node.value("Start").flatMap(EWSDateTime.seconds)
        end = node.value("End").flatMap(EWSDateTime.seconds)
        subject = node.value("Subject")
        location = node.value("Location")
        body = node.value("Body")
        isAllDay = node.value("IsAllDayEvent") == "true"
        isCancelled = node.value("IsCancelled") == "true"
        itemType = node.value("CalendarItemType") ?? "Single"
        organizerName = node.value("Organizer", "Mailbox", "Name")
        organizerEmail = node.value("Organizer", "Mailbox", "EmailAddress")?.lowercased()
        freeBusy = node.value("LegacyFreeBusyStatus")
        var attendees: [CalendarAttendee] = []
        for (list, role) in [("RequiredAttendees", "REQ-PARTICIPANT"), ("OptionalAttendees", "OPT-PARTICIPANT"),
                             ("Resources", "NON-PARTICIPANT")] {
            for attendee in node[list]?.children(named: "Attendee") ?? [] {
                attendees.append(CalendarAttendee(
                    email: attendee.value("Mailbox", "EmailAddress")?.lowercased(),
                    name: attendee.value("Mailbox", "Name"), role: role,
                    status: attendee.value("ResponseType").map(Self.partStat)))
            }
        }
        self.attendees = attendees
    }

    /// Exchange's `ResponseType` as iCalendar's PARTSTAT, as `core.calendar_events.attendees` keeps it.
    static func partStat(_ response: String) -> String {
        switch response {
        case "Accept", "Organizer": "ACCEPTED"
        case "Tentative": "TENTATIVE"
        case "Decline": "DECLINED"
        default: "NEEDS-ACTION"
        }
    }
}
