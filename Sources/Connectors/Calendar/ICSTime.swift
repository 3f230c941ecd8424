import HubCore

/// A DATE or DATE-TIME value of iCalendar as written: a date (all-day), a wall time in a named zone, a floating
/// wall time (no zone: the calendar's), or an instant in UTC (`…Z`). Zones are resolved later (`Calendars`),
/// because a TZID is often a Windows name that only CLDR knows.
public enum ICSTime: Sendable, Hashable, CustomStringConvertible {
    case date(CalendarDate)
    /// A wall time; `tzid` nil for a floating time.
    case local(LocalDateTime, tzid: String?)
    /// Seconds since 1970 UTC.
    case utc(Int64)

    public var isDate: Bool {
        if case .date = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .date(let date): return date.iso
        case .local(let time, let tzid): return "\(time)" + (tzid.map { " [\($0)]" } ?? "")
        case .utc(let seconds): return "\(seconds)Z"
        }
    }
}

/// An attendee or organizer as the VEVENT names it.
public struct ICSPerson: Sendable, Hashable {
    /// The address without `mailto:`, lower-cased; nil when the value is not an e-mail address.
    public var email: String?
    public var name: String?
    public var role: String?
    public var status: String?

    public init(email: String?, name: String?, role: String? = nil, status: String? = nil) {
        self.email = email
        self.name = name
        self.role = role
        self.status = status
    }
}
