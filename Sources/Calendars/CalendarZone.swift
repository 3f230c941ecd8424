import CLibical
import Connectors
import Foundation
import HubCore
import Synchronization

/// The zone a calendar's times are read in: a zone of the zone database (an IANA name, a Windows name mapped by
/// CLDR), or — for "Customized Time Zone" and other names nobody knows — the rules of the file's own VTIMEZONE
/// block, applied by libical.
package final class CalendarZone: @unchecked Sendable {
    // @unchecked: the libical zone is created in init, only read afterwards (libical's conversions read it), and
    // freed in deinit.
    package enum Source: Sendable, Equatable {
        case database
        case windowsName(String)
        case vtimezone(String)
    }

    /// The IANA identifier, or the TZID of the VTIMEZONE whose rules apply.
    package let identifier: String
    package let source: Source
    private let zone: TimeZone?
    private let icalZone: OpaquePointer?
    /// Wall time → instant and back, cached per day (unused for a VTIMEZONE zone).
    private let offsets: Mutex<ZoneDayOffsets>

    package init(_ zone: TimeZone, source: Source = .database) {
        identifier = zone.identifier
        self.source = source
        self.zone = zone
        icalZone = nil
        offsets = Mutex(ZoneDayOffsets(zone: zone))
    }

    /// A zone from a VTIMEZONE block's own rules; nil when libical cannot read the block.
    package init?(vtimezone block: ICSTimeZoneBlock) {
        guard let component = icalcomponent_new_from_string(block.text + "\r\n") else { return nil }
        guard icalcomponent_isa(component) == ICAL_VTIMEZONE_COMPONENT, let created = icaltimezone_new() else {
            icalcomponent_free(component)
            return nil
        }
        // The zone owns the component from here on.
        guard icaltimezone_set_component(created, component) != 0 else {
            icaltimezone_free(created, 1)
            return nil
        }
        identifier = block.tzid
        source = .vtimezone(block.tzid)
        zone = nil
        icalZone = created
        offsets = Mutex(ZoneDayOffsets(zone: TimeZone(identifier: "UTC")!))
    }

    deinit {
        if let icalZone { icaltimezone_free(icalZone, 1) }
    }

    package static let utc = CalendarZone(TimeZone(identifier: "UTC")!)

    /// The instant of a wall time in this zone (a skipped wall time moves forward by the change).
    package func instant(of time: LocalDateTime) -> Int64 {
        if zone != nil { return offsets.withLock { $0.instant(of: time) } }
        var value = icaltime_null_time()
        value.year = Int32(time.date.year)
        value.month = Int32(time.date.month)
        value.day = Int32(time.date.day)
        value.hour = Int32(time.secondOfDay / 3_600)
        value.minute = Int32(time.secondOfDay / 60 % 60)
        value.second = Int32(time.secondOfDay % 60)
        value.is_date = 0
        return Int64(icaltime_as_timet_with_zone(value, icalZone))
    }

    /// The wall time of an instant in this zone.
    package func localTime(of instant: Int64) -> LocalDateTime {
        let offset: Int64
        if zone != nil {
            offset = offsets.withLock { $0.offset(at: instant) }
        } else {
            let value = icaltime_from_timet_with_zone(time_t(instant), 0, icalZone)
            let wall = Int64(CalendarDate.dayNumber(year: Int(value.year), month: Int(value.month), day: Int(value.day))
                             - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400
                + Int64(value.hour) * 3_600 + Int64(value.minute) * 60 + Int64(value.second)
            offset = wall - instant
        }
        let wall = instant + offset
        let day = Int((wall >= 0 ? wall : wall - 86_399) / 86_400)
        return LocalDateTime(date: CalendarDate(dayNumber: day + CalendarDate.dayNumber(year: 1970, month: 1, day: 1)),
                             secondOfDay: Int(wall - Int64(day) * 86_400))
    }

    /// Local midnight of a date: where an all-day occurrence starts.
    package func midnight(of date: CalendarDate) -> Int64 {
        instant(of: LocalDateTime(date: date, secondOfDay: 0))
    }
}

/// Finds the zone of each TZID a file uses, once per TZID: the zone database first (IANA names), then CLDR's
/// Windows names through ICU, then libical's own prefixed names, then the file's VTIMEZONE block.
package final class CalendarZoneResolver: @unchecked Sendable {
    // @unchecked: used by one import at a time; its cache is behind a lock.
    package let calendarZone: CalendarZone
    private let blocks: [String: ICSTimeZoneBlock]
    private let region: String?
    private let cache = Mutex<[String: CalendarZone?]>([:])

    package init(calendarZone: CalendarZone, blocks: [ICSTimeZoneBlock], region: String? = nil) {
        self.calendarZone = calendarZone
        var byID: [String: ICSTimeZoneBlock] = [:]
        for block in blocks { byID[block.tzid] = block }
        self.blocks = byID
        self.region = region
    }

    /// The zone of `tzid` (nil: a floating time, read in the calendar's zone), or nil when nothing knows it.
    package func zone(for tzid: String?) -> CalendarZone? {
        guard let tzid else { return calendarZone }
        if let cached = cache.withLock({ $0[tzid] }) { return cached }
        let found = Self.resolve(tzid, block: blocks[tzid], region: region)
        cache.withLock { $0[tzid] = .some(found) }
        return found
    }

    package static func resolve(_ tzid: String, block: ICSTimeZoneBlock?, region: String? = nil) -> CalendarZone? {
        let trimmed = tzid.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        if trimmed.contains("/") || trimmed.uppercased() == "UTC" || trimmed.uppercased() == "GMT",
           let zone = TimeZone(identifier: trimmed) {
            return CalendarZone(zone)
        }
        if let iana = WindowsTimeZones.ianaIdentifier(forWindowsName: trimmed, region: region)
            ?? WindowsTimeZones.ianaIdentifier(forWindowsName: trimmed),
           let zone = TimeZone(identifier: iana) {
            return CalendarZone(zone, source: .windowsName(trimmed))
        }
        // libical's and Mozilla's exports prefix the IANA name: "/freeassociation.sourceforge.net/Europe/Berlin".
        let parts = trimmed.split(separator: "/")
        if parts.count >= 2, let zone = TimeZone(identifier: parts.suffix(2).joined(separator: "/")) {
            return CalendarZone(zone)
        }
        if let block { return CalendarZone(vtimezone: block) }
        return nil
    }
}
