import HubCore
/// One occurrence of a `WorkShift`: the shift as it starts on one local day, with its instants resolved in the zone.
struct ShiftInstance: Sendable, Hashable {
    /// The local day (days since 1970-01-01) the shift starts on; the day the attendance row is for.
    let workDay: Int
    let start: Int64
    /// `start` plus the shift's duration in elapsed seconds, so a shift over a DST change lasts as long as configured
    /// and its end's wall time moves by the change.
    let end: Int64
    let windowStart: Int64
    let windowEnd: Int64
    let startResolution: LocalTimeResolution

    /// Nil when the shift does not start on that weekday.
    init?(shift: WorkShift, workDay: Int, clock: LocalClock) {
        guard shift.workdays.contains(LocalClock.isoWeekday(dayNumber: workDay)) else { return nil }
        let resolved = clock.instant(localDay: workDay, minute: shift.startMinute)
        self.workDay = workDay
        self.start = resolved.instant
        self.end = resolved.instant + Int64(shift.durationMinutes) * 60
        self.windowStart = start - Int64(shift.windowBeforeMinutes) * 60
        self.windowEnd = end + Int64(shift.windowAfterMinutes) * 60
        self.startResolution = resolved.resolution
    }

    /// Whether the instant lies in the window, both ends included.
    func windowContains(_ instant: Int64) -> Bool {
        windowStart <= instant && instant <= windowEnd
    }
}
