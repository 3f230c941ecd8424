import CLibical
import Connectors
import Foundation
import HubCore

/// What one calendar's VEVENTs become: their rows, their occurrences in the window, and what could not be read.
package struct CalendarExpansion: Sendable {
    package var events: [CalendarEventRow] = []
    package var occurrences: [CalendarOccurrenceRow] = []
    package var rejected: [LineRejection] = []
    package var warnings: [String] = []

    package init() {}
}

/// Expands a calendar's events into occurrences over a window, exactly as RFC 5545 reads them:
///
/// - a series is expanded by libical's RRULE iterator (DAILY … YEARLY, INTERVAL, COUNT, BYDAY with `2TU`/`-1FR`,
///   BYMONTHDAY, BYMONTH, BYSETPOS, WKST) on the series' **wall clock**, and each wall time is then placed in the
///   series' own zone, so a daylight-saving change inside a series keeps 10:00 at 10:00;
/// - UNTIL is applied here, not by libical, because a UTC UNTIL against a wall-clock start is compared as an
///   instant (libical compares it as a wall time when the start carries no zone);
/// - EXDATE, RDATE and RECURRENCE-ID are each resolved to an instant in their **own** zone before they are
///   compared (the davmail and libical bug of EXDATE hours off); for an all-day series they are compared as
///   dates in their own zone (Office 365 writes an all-day series' RECURRENCE-ID as midnight with a TZID);
/// - an override (same UID, RECURRENCE-ID) replaces its slot, `RANGE=THISANDFUTURE` every later one too;
///   `STATUS:CANCELLED` on the series or an override leaves no occurrence;
/// - all-day events are dates with an exclusive end, placed at local midnight of the calendar's zone.
package struct RecurrenceExpander: Sendable {
    package let zones: CalendarZoneResolver
    /// Occurrences starting in it (seconds since 1970 UTC).
    package let window: Range<Int64>
    package let origin: String
    /// A series is not followed past this many instances (a rule that never ends, from long ago).
    package static let maxInstancesPerSeries = 200_000

    package init(zones: CalendarZoneResolver, window: Range<Int64>, origin: String = "ics") {
        self.zones = zones
        self.window = window
        self.origin = origin
    }

    /// Expands every VEVENT of one calendar (`events` in file order; those of one UID may be anywhere).
    package func expand(_ events: [ICSEvent]) -> CalendarExpansion {
        var expansion = CalendarExpansion()
        var order: [String] = []
        var byUID: [String: [ICSEvent]] = [:]
        for event in events {
            if byUID[event.uid] == nil { order.append(event.uid) }
            byUID[event.uid, default: []].append(event)
        }
        for uid in order { expandSeries(byUID[uid]!, into: &expansion) }
        return expansion
    }

    // MARK: One UID

    private func expandSeries(_ vevents: [ICSEvent], into expansion: inout CalendarExpansion) {
        // The same VEVENT twice (a calendar exported with duplicates): the highest SEQUENCE, then DTSTAMP, wins.
        var masters: [ICSEvent] = []
        var overridesByWritten: [ICSTime: ICSEvent] = [:]
        for event in vevents {
            if let recurrence = event.recurrenceID {
                if let other = overridesByWritten[recurrence], Self.newer(other, than: event) { continue }
                overridesByWritten[recurrence] = event
            } else {
                masters.append(event)
            }
        }
        masters.sort { Self.newer($0, than: $1) }
        if masters.count > 1 {
            expansion.warnings.append("UID \(vevents[0].uid): \(masters.count) VEVENTs without RECURRENCE-ID (lines "
                                      + masters.map { String($0.line) }.joined(separator: ", ")
                                      + "); the one of the highest SEQUENCE is used")
        }
        let master = masters.first
        let reference = master ?? overridesByWritten.values.min { $0.line < $1.line }!
        guard let series = SeriesClock(reference, zones: zones) else {
            for event in vevents {
                expansion.rejected.append(LineRejection(
                    line: event.line, reason: "UID \(event.uid): the time zone \(Self.tzid(of: reference.start) ?? "?") "
                        + "is neither an IANA zone, a Windows zone CLDR knows, nor defined by a VTIMEZONE of the file",
                    field: "DTSTART", raw: event.raw))
            }
            return
        }
        // Overrides keyed by the slot they replace, compared as instants (or dates) whatever zone they are in.
        var overrides: [SeriesClock.Slot: ICSEvent] = [:]
        var futureOverrides: [(SeriesClock.Slot, ICSEvent)] = []
        for (written, event) in overridesByWritten {
            guard let slot = series.slot(of: written) else {
                expansion.rejected.append(LineRejection(
                    line: event.line, reason: "UID \(event.uid): RECURRENCE-ID \(written) is in an unknown time zone",
                    field: "RECURRENCE-ID", raw: event.raw))
                continue
            }
            overrides[slot] = event
            if event.thisAndFuture { futureOverrides.append((slot, event)) }
        }
        futureOverrides.sort { $0.0 < $1.0 }
        if let master { expansion.events.append(row(master, series: series, recurrenceID: "")) }
        for (slot, event) in overrides.sorted(by: { $0.key < $1.key }) {
            expansion.events.append(row(event, series: series, recurrenceID: slot.key))
        }
        guard let master else {
            // Overrides without their series (the series is in another file, or was deleted): each is what it says.
            for (slot, event) in overrides where !event.isCancelled {
                if let occurrence = occurrence(of: event, series: series, recurrenceID: slot.key) {
                    keep(occurrence, in: &expansion)
                }
            }
            return
        }
        if master.isCancelled { return }
        let isSeries = master.rrule != nil || !master.rdates.isEmpty
        let excluded = Set(master.exdates.compactMap { series.slot(of: $0) })
        var remaining = overrides
        func take(_ slot: SeriesClock.Slot) {
            if excluded.contains(slot) {
                remaining[slot] = nil
                return
            }
            if let override = remaining.removeValue(forKey: slot) {
                if !override.isCancelled,
                   let occurrence = occurrence(of: override, series: series, recurrenceID: isSeries ? slot.key : "") {
                    keep(occurrence, in: &expansion)
                }
                return
            }
            let pattern = futureOverrides.last { $0.0 < slot }
            if let pattern, pattern.1.isCancelled { return }
            keep(ruleOccurrence(slot, master: master, pattern: pattern, series: series,
                                recurrenceID: isSeries ? slot.key : ""), in: &expansion)
        }
        var seen = Set<SeriesClock.Slot>()
        if let rrule = master.rrule {
            let limit = window.upperBound + 7 * 86_400
            let result = series.instances(of: rrule, limit: limit, maxInstances: Self.maxInstancesPerSeries) { slot in
                seen.insert(slot)
                take(slot)
            }
            if let problem = result {
                expansion.warnings.append("UID \(master.uid) (line \(master.line)): \(problem)")
            }
        } else {
            seen.insert(series.firstSlot)
            take(series.firstSlot)
        }
        for rdate in master.rdates {
            guard let slot = series.slot(of: rdate), !seen.contains(slot) else { continue }
            seen.insert(slot)
            take(slot)
        }
        // Overrides of slots the rule did not reach (beyond the window, or not on the rule): what they say.
        for (slot, event) in remaining.sorted(by: { $0.key < $1.key }) where !event.isCancelled {
            if excluded.contains(slot) { continue }
            if let occurrence = occurrence(of: event, series: series, recurrenceID: slot.key) {
                keep(occurrence, in: &expansion)
            }
        }
    }

    private func keep(_ occurrence: CalendarOccurrenceRow, in expansion: inout CalendarExpansion) {
        if window.contains(occurrence.startsAt) { expansion.occurrences.append(occurrence) }
    }

    // MARK: Rows

    private func ruleOccurrence(_ slot: SeriesClock.Slot, master: ICSEvent, pattern: (SeriesClock.Slot, ICSEvent)?,
                                series: SeriesClock, recurrenceID: String) -> CalendarOccurrenceRow {
        let source = pattern?.1 ?? master
        var (start, end) = series.span(of: slot, like: master)
        if let (patternSlot, override) = pattern, let moved = series.span(of: override) {
            // THISANDFUTURE: every later slot moves as the override moved its own, and takes its length.
            let (originalStart, _) = series.span(of: patternSlot, like: master)
            start += moved.start - originalStart
            end = start + (moved.end - moved.start)
        }
        return CalendarOccurrenceRow(eventUID: master.uid, startsAt: start, endsAt: end, subject: source.summary,
                                     location: source.location, allDay: series.allDay, status: source.status,
                                     organizerEmail: source.organizer?.email ?? master.organizer?.email,
                                     recurrenceID: recurrenceID, sequence: source.sequence, stampedAt: source.stamp,
                                     sourceLine: source.line)
    }

    private func occurrence(of event: ICSEvent, series: SeriesClock, recurrenceID: String) -> CalendarOccurrenceRow? {
        guard let span = series.span(of: event) else { return nil }
        return CalendarOccurrenceRow(eventUID: event.uid, startsAt: span.start, endsAt: span.end,
                                     subject: event.summary, location: event.location, allDay: span.allDay,
                                     status: event.status, organizerEmail: event.organizer?.email,
                                     recurrenceID: recurrenceID, sequence: event.sequence, stampedAt: event.stamp,
                                     sourceLine: event.line)
    }

    private func row(_ event: ICSEvent, series: SeriesClock, recurrenceID: String) -> CalendarEventRow {
        let span = series.span(of: event)
        return CalendarEventRow(
            uid: event.uid, recurrenceID: recurrenceID, origin: origin, summary: event.summary,
            location: event.location, bodySummary: event.description.map { String($0.prefix(1000)) },
            organizerEmail: event.organizer?.email, organizerName: event.organizer?.name,
            attendees: event.attendees.map { CalendarAttendee(email: $0.email, name: $0.name, role: $0.role,
                                                              status: $0.status) },
            startsAt: span?.start, endsAt: span?.end, allDay: span?.allDay ?? series.allDay,
            timeZone: series.zone.identifier, sourceTZID: Self.tzid(of: event.start), rrule: event.rrule,
            status: event.status, sequence: event.sequence, stampedAt: event.stamp, vevent: event.raw,
            sourceLine: event.line)
    }

    private static func newer(_ lhs: ICSEvent, than rhs: ICSEvent) -> Bool {
        if lhs.sequence != rhs.sequence { return lhs.sequence > rhs.sequence }
        return (lhs.stamp ?? 0) > (rhs.stamp ?? 0)
    }

    static func tzid(of time: ICSTime) -> String? {
        if case .local(_, let tzid) = time { return tzid }
        return nil
    }
}
