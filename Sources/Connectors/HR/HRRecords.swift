import HubCore

/// The records HR's files hold (`HRFileLayout`), one per line.
public struct ShiftRecord: Sendable, Equatable {
    public var line: Int
    public var personnelNumber: String
    /// Minutes since midnight; a shift ending at or before its start ends the next day.
    public var startMinute: Int
    public var endMinute: Int
    /// As written (`Mon-Fri`).
    public var workdays: String
    /// ISO weekdays, 1 = Monday.
    public var weekdays: [Int]
    public var lateGraceMinutes: Int
    public var windowBeforeMinutes: Int
    public var windowAfterMinutes: Int
    public var raw: String
}

public struct AbsenceRecord: Sendable, Equatable {
    public var line: Int
    public var personnelNumber: String
    public var from: CalendarDate
    public var to: CalendarDate
    public var kind: String
    public var raw: String
}

public struct PersonKeyRecord: Sendable, Equatable {
    public var line: Int
    /// The system the key belongs to: `zkteco` (terminal PINs), `card` (turnstile cards), as the SKUD settings
    /// name them.
    public var source: String
    public var personKey: String
    public var personnelNumber: String
    public var raw: String
}
