import HubCore
/// The shift instances of one person, day by day, and which instance each punch belongs to.
///
/// Instances exist on every employed day whose weekday the shift starts on, absences included: the schedule does not
/// change because of a vacation, so a punch during leave stays with the leave day instead of drifting into a
/// neighbouring working day.
struct ShiftSchedule: Sendable {
    let shift: WorkShift?
    let employment: EmploymentSpan
    let clock: LocalClock
    private var instances: [Int: ShiftInstance?] = [:]

    init(shift: WorkShift?, employment: EmploymentSpan, clock: LocalClock) {
        self.shift = shift
        self.employment = employment
        self.clock = clock
    }

    /// The instance starting on local day `dayNumber`, if any; computed once per day.
    mutating func instance(onDay dayNumber: Int) -> ShiftInstance? {
        if let known = instances[dayNumber] { return known }
        var made: ShiftInstance?
        if let shift, employment.contains(dayNumber: dayNumber) {
            made = ShiftInstance(shift: shift, workDay: dayNumber, clock: clock)
        }
        instances[dayNumber] = .some(made)
        return made
    }

    /// The work day of the instance the punch belongs to: among instances whose window contains the instant, the one
    /// whose start is nearest, ties going to the earlier instance. Nil when no window contains it.
    mutating func owner(of instant: Int64) -> Int? {
        guard let shift else { return nil }
        let localDay = clock.localDay(of: instant)
        // An instance can reach this instant only if its day is within the window's reach of the instant's day;
        // one extra day each side absorbs offsets and DST shifts.
        let reachBack = (shift.startMinute + shift.durationMinutes + shift.windowAfterMinutes) / 1440 + 2
        let reachForward = shift.windowBeforeMinutes / 1440 + 2
        var best: (day: Int, distance: Int64)?
        for day in (localDay - reachBack)...(localDay + reachForward) {
            guard let candidate = instance(onDay: day), candidate.windowContains(instant) else { continue }
            let distance = abs(instant - candidate.start)
            // Days are visited in increasing order, so keeping the first on a tie keeps the earlier instance.
            if best.map({ distance < $0.distance }) ?? true {
                best = (day, distance)
            }
        }
        return best?.day
    }
}
