import HubCore

/// The days a person is employed: from the hire date through the dismissal date, both included.
///
/// Days before `hiredOn` and after `dismissedOn` get no attendance row and no shift instance, so punches then are
/// never counted. A missing end means "not known to be bounded on that side".
package struct EmploymentSpan: Sendable, Hashable {
    package let hiredOn: CalendarDate?
    /// The last day worked; the dismissal date itself still gets a row.
    package let dismissedOn: CalendarDate?

    /// Stores the values as given; both default to unbounded.
    package init(hiredOn: CalendarDate? = nil, dismissedOn: CalendarDate? = nil) {
        self.hiredOn = hiredOn
        self.dismissedOn = dismissedOn
    }

    /// Whether the calendar day `dayNumber` (days since 1970-01-01) is a day of employment.
    package func contains(dayNumber: Int) -> Bool {
        if let hiredOn, dayNumber < hiredOn.dayNumber { return false }
        if let dismissedOn, dayNumber > dismissedOn.dayNumber { return false }
        return true
    }
}
