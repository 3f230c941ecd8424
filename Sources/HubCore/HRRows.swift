/// The rows HR's sources become, as the warehouse stores them (`core.work_shifts`, `core.absence_days`,
/// `core.person_keys`, `core.punches`). Each keeps the line it came from.

/// One employee's shift pattern.
public struct WorkShiftRow: Sendable, Equatable {
    public var personnelNumber: String
    /// `HH:MM`.
    public var shiftStart: String
    public var shiftEnd: String
    /// As HR wrote it (`Mon-Fri`).
    public var workdays: String
    /// ISO weekdays, 1 = Monday.
    public var weekdays: [Int]
    public var lateGraceMinutes: Int
    public var windowBeforeMinutes: Int
    public var windowAfterMinutes: Int
    public var line: Int

    public init(personnelNumber: String, shiftStart: String, shiftEnd: String, workdays: String, weekdays: [Int],
                lateGraceMinutes: Int, windowBeforeMinutes: Int, windowAfterMinutes: Int, line: Int) {
        self.personnelNumber = personnelNumber
        self.shiftStart = shiftStart
        self.shiftEnd = shiftEnd
        self.workdays = workdays
        self.weekdays = weekdays
        self.lateGraceMinutes = lateGraceMinutes
        self.windowBeforeMinutes = windowBeforeMinutes
        self.windowAfterMinutes = windowAfterMinutes
        self.line = line
    }
}

/// One day of an absence.
public struct AbsenceDayRow: Sendable, Equatable {
    public var personnelNumber: String
    public var day: CalendarDate
    public var kind: String
    public var line: Int

    public init(personnelNumber: String, day: CalendarDate, kind: String, line: Int) {
        self.personnelNumber = personnelNumber
        self.day = day
        self.kind = kind
        self.line = line
    }
}

/// Which employee a device's person key stands for.
public struct PersonKeyRow: Sendable, Equatable {
    public var source: String
    public var personKey: String
    public var personnelNumber: String
    public var line: Int

    public init(source: String, personKey: String, personnelNumber: String, line: Int) {
        self.source = source
        self.personKey = personKey
        self.personnelNumber = personnelNumber
        self.line = line
    }
}

/// One punch with its instant fixed: the device's wall clock read in the device's zone.
public struct PunchRow: Sendable, Equatable {
    /// The person map's source for `personKey` (`zkteco`, `card`).
    public var source: String
    public var device: String
    public var personKey: String
    public var personName: String?
    /// Seconds since 1970 UTC.
    public var punchedAt: Int64
    /// The device's own text of the time (`2025-03-10 08:52:14`), and the zone it was read in.
    public var localTime: String
    public var timeZone: String
    public var direction: PunchDirection
    /// `pass`, `denied` or `other`.
    public var eventKind: String
    public var eventText: String?
    public var line: Int
    public var raw: String

    public init(source: String, device: String, personKey: String, personName: String?, punchedAt: Int64,
                localTime: String, timeZone: String, direction: PunchDirection, eventKind: String, eventText: String?,
                line: Int, raw: String) {
        self.source = source
        self.device = device
        self.personKey = personKey
        self.personName = personName
        self.punchedAt = punchedAt
        self.localTime = localTime
        self.timeZone = timeZone
        self.direction = direction
        self.eventKind = eventKind
        self.eventText = eventText
        self.line = line
        self.raw = raw
    }
}
