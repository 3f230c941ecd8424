import HubCore

/// A stretch of approved absence (vacation, sick leave, business trip, …) for one person, both ends included.
///
/// A span whose `to` is before its `from` covers no date at all; it is kept rather than rejected so that a bad row
/// upstream cannot stop a whole month's calculation, and it simply never matches.
package struct AbsenceSpan: Sendable, Hashable {
    package let personnelNumber: String
    package let from: CalendarDate
    /// The last day of the absence (inclusive).
    package let to: CalendarDate
    /// The absence type as HR names it: `vacation`, `sick_leave`, `business_trip`, …; copied into `AttendanceDay.absenceKind`.
    package let kind: String

    /// Stores the values as given.
    package init(personnelNumber: String, from: CalendarDate, to: CalendarDate, kind: String) {
        self.personnelNumber = personnelNumber
        self.from = from
        self.to = to
        self.kind = kind
    }

    /// Whether the calendar day `dayNumber` (days since 1970-01-01) lies within `from…to`.
    package func covers(dayNumber: Int) -> Bool {
        from.dayNumber <= dayNumber && dayNumber <= to.dayNumber
    }
}
