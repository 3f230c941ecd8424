import CLibical
import Connectors
import Foundation
import HubCore

/// The clock one series (one UID) runs on: its zone, whether it is all-day, its first slot, and how any time
/// written in the file — in the series' zone, another zone, UTC, or as a date — names one of its slots.
struct SeriesClock {
    /// One slot of a series: an instant for a timed series, a day number for an all-day one.
    enum Slot: Hashable, Comparable {
        case instant(Int64)
        case day(Int)

        /// How `core.calendar_events.recurrence_id` writes it: `20250317T050000Z` or `20250317`.
        var key: String {
            switch self {
            case .instant(let seconds):
                let day = Int((seconds >= 0 ? seconds : seconds - 86_399) / 86_400)
                let second = Int(seconds - Int64(day) * 86_400)
                let date = CalendarDate(dayNumber: day + CalendarDate.dayNumber(year: 1970, month: 1, day: 1))
                return Self.digits(date) + "T" + Self.two(second / 3_600) + Self.two(second / 60 % 60)
                    + Self.two(second % 60) + "Z"
            case .day(let day):
                return Self.digits(CalendarDate(dayNumber: day))
            }
        }

        // By hand, not String(format:): a key is made for every occurrence of every series, and Foundation's
        // formatting was a tenth of the expansion's time.
        private static func digits(_ date: CalendarDate) -> String {
            let year = String(date.year)
            return String(repeating: "0", count: max(0, 4 - year.count)) + year + two(date.month) + two(date.day)
        }

        private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    }

    let zones: CalendarZoneResolver
    /// The series' zone (for an all-day series, the calendar's).
    let zone: CalendarZone
    let allDay: Bool
    /// DTSTART on the series' wall clock (UTC's for a UTC start).
    let startWall: LocalDateTime
    let firstSlot: Slot
    /// The reference event's start as an instant, and its end (for the length of rule occurrences).
    private let startInstant: Int64

    init?(_ reference: ICSEvent, zones: CalendarZoneResolver) {
        self.zones = zones
        switch reference.start {
        case .date(let date):
            allDay = true
            zone = zones.calendarZone
            startWall = LocalDateTime(date: date, secondOfDay: 0)
        case .local(let wall, let tzid):
            guard let found = tzid == nil ? zones.calendarZone : zones.zone(for: tzid) else { return nil }
            // Outlook marks some all-day events only by X-MICROSOFT-CDO-ALLDAYEVENT on midnight date-times.
            allDay = reference.outlookAllDay && wall.secondOfDay == 0
            zone = allDay ? zones.calendarZone : found
            startWall = wall
        case .utc(let seconds):
            allDay = false
            zone = CalendarZone.utc
            startWall = CalendarZone.utc.localTime(of: seconds)
        }
        firstSlot = allDay ? .day(startWall.date.dayNumber) : .instant(zone.instant(of: startWall))
        if case .instant(let seconds) = firstSlot { startInstant = seconds } else {
            startInstant = zones.calendarZone.midnight(of: startWall.date)
        }
    }

    /// The slot a time written in the file names (EXDATE, RDATE, RECURRENCE-ID), compared as an instant in the
    /// zone it was written in (a floating one in the series' zone); for an all-day series, as the date it is in
    /// its own zone. A DATE against a timed series names that day at the series' time of day.
    func slot(of time: ICSTime) -> Slot? {
        if allDay {
            switch time {
            case .date(let date): return .day(date.dayNumber)
            case .local(let wall, _): return .day(wall.date.dayNumber)
            case .utc(let seconds): return .day(zones.calendarZone.localTime(of: seconds).date.dayNumber)
            }
        }
        switch time {
        case .utc(let seconds): return .instant(seconds)
        case .local(let wall, let tzid):
            guard let own = tzid == nil ? zone : zones.zone(for: tzid) else { return nil }
            return .instant(own.instant(of: wall))
        case .date(let date):
            return .instant(zone.instant(of: LocalDateTime(date: date, secondOfDay: startWall.secondOfDay)))
        }
    }

    /// Where a rule slot starts and ends, with the series' length: an all-day slot from midnight to midnight of
    /// the calendar's zone; a timed one keeping the master's wall-clock length when start and end share a zone.
    func span(of slot: Slot, like master: ICSEvent) -> (start: Int64, end: Int64) {
        switch slot {
        case .day(let day):
            let date = CalendarDate(dayNumber: day)
            return (zone.midnight(of: date), zone.midnight(of: date.adding(days: Self.days(of: master))))
        case .instant(let start):
            switch master.end {
            case .local(let endWall, let tzid)? where tzid == RecurrenceExpander.tzid(of: master.start):
                let length = Self.seconds(from: startWall, to: endWall)
                let wall = zone.localTime(of: start)
                return (start, zone.instant(of: Self.adding(length, to: wall)))
            case let end?:
                guard let endInstant = instant(of: end) else { return (start, start) }
                return (start, start + (endInstant - startInstant))
            case nil:
                return (start, start + Int64(master.durationSeconds ?? 0))
            }
        }
    }

    /// Where an event (a single one, or an override) starts and ends by its own times.
    func span(of event: ICSEvent) -> (start: Int64, end: Int64, allDay: Bool)? {
        if case .date(let date) = event.start {
            let days = Self.days(of: event)
            return (zones.calendarZone.midnight(of: date), zones.calendarZone.midnight(of: date.adding(days: days)), true)
        }
        if event.outlookAllDay, case .local(let wall, _) = event.start, wall.secondOfDay == 0 {
            let days = Self.days(of: event)
            return (zones.calendarZone.midnight(of: wall.date),
                    zones.calendarZone.midnight(of: wall.date.adding(days: days)), true)
        }
        guard let start = instant(of: event.start) else { return nil }
        if let end = event.end { return instant(of: end).map { (start, max($0, start), false) } }
        return (start, start + Int64(event.durationSeconds ?? 0), false)
    }

    /// Runs libical's iterator over `rrule` from DTSTART on the series' wall clock, handing out each slot until
    /// the rule ends, UNTIL passes, or a slot starts at `limit` or later. Returns a problem to report, or nil.
    func instances(of rrule: String, limit: Int64, maxInstances: Int, _ body: (Slot) -> Void) -> String? {
        var rule = icalrecurrencetype_from_string(rrule)
        guard rule.freq != ICAL_NO_RECURRENCE else { return "RRULE \(rrule) cannot be read" }
        let until = rule.until
        rule.until = icaltime_null_time()
        let untilLimit = icaltime_is_null_time(until) != 0 ? nil : Self.ics(until)
        var start = icaltime_null_time()
        start.year = Int32(startWall.date.year)
        start.month = Int32(startWall.date.month)
        start.day = Int32(startWall.date.day)
        start.is_date = allDay ? 1 : 0
        if !allDay {
            start.hour = Int32(startWall.secondOfDay / 3_600)
            start.minute = Int32(startWall.secondOfDay / 60 % 60)
            start.second = Int32(startWall.secondOfDay % 60)
        }
        guard let iterator = icalrecur_iterator_new(rule, start) else { return "libical cannot expand RRULE \(rrule)" }
        defer { icalrecur_iterator_free(iterator) }
        var count = 0
        while true {
            let next = icalrecur_iterator_next(iterator)
            guard icaltime_is_null_time(next) == 0,
                  let date = CalendarDate(year: Int(next.year), month: Int(next.month), day: Int(next.day)) else {
                return nil
            }
            count += 1
            if count > maxInstances { return "expanded only its first \(maxInstances) instances" }
            let wall = LocalDateTime(date: date, secondOfDay: allDay ? 0 : Int(next.hour) * 3_600
                                     + Int(next.minute) * 60 + Int(next.second))
            let startsAt = allDay ? zone.midnight(of: date) : zone.instant(of: wall)
            let slot: Slot = allDay ? .day(date.dayNumber) : .instant(startsAt)
            if let untilLimit {
                switch untilLimit {
                case .date(let last): if date > last { return nil }
                case .utc(let last): if startsAt > last { return nil }
                case .local(let last, _): if wall > last { return nil }
                }
            }
            if startsAt >= limit { return nil }
            body(slot)
        }
    }

    private func instant(of time: ICSTime) -> Int64? {
        switch time {
        case .utc(let seconds): return seconds
        case .date(let date): return zones.calendarZone.midnight(of: date)
        case .local(let wall, let tzid): return (tzid == nil ? zone : zones.zone(for: tzid))?.instant(of: wall)
        }
    }

    /// An all-day event's length in days: DTEND (exclusive) − DTSTART, or its DURATION, at least one day.
    private static func days(of event: ICSEvent) -> Int {
        let startDate: CalendarDate
        switch event.start {
        case .date(let date): startDate = date
        case .local(let wall, _): startDate = wall.date
        case .utc: return max(1, (event.durationSeconds ?? 86_400) / 86_400)
        }
        switch event.end {
        case .date(let end)?: return max(1, end.dayNumber - startDate.dayNumber)
        case .local(let end, _)?: return max(1, end.date.dayNumber - startDate.dayNumber)
        default: return max(1, (event.durationSeconds ?? 86_400) / 86_400)
        }
    }

    private static func seconds(from start: LocalDateTime, to end: LocalDateTime) -> Int64 {
        Int64(end.date.dayNumber - start.date.dayNumber) * 86_400 + Int64(end.secondOfDay - start.secondOfDay)
    }

    private static func adding(_ seconds: Int64, to wall: LocalDateTime) -> LocalDateTime {
        let total = Int64(wall.secondOfDay) + seconds
        let days = Int((total >= 0 ? total : total - 86_399) / 86_400)
        return LocalDateTime(date: wall.date.adding(days: days), secondOfDay: Int(total - Int64(days) * 86_400))
    }

    private static func ics(_ value: icaltimetype) -> ICSTime? {
        guard let date = CalendarDate(year: Int(value.year), month: Int(value.month), day: Int(value.day)) else {
            return nil
        }
        if value.is_date != 0 { return .date(date) }
        let second = Int(value.hour) * 3_600 + Int(value.minute) * 60 + Int(value.second)
        if icaltime_is_utc(value) != 0 {
            return .utc(Int64(date.dayNumber - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400
                        + Int64(second))
        }
        return .local(LocalDateTime(date: date, secondOfDay: second), tzid: nil)
    }
}
