import Connectors
import Foundation
import HubCore

/// One iCalendar file read and expanded over a window: what `calendar-ics` loads.
package struct CalendarFileReading: Sendable {
    /// X-WR-CALNAME, when the file names its calendar.
    package var calendarName: String?
    /// The zone its all-day events and floating times are read in: X-WR-TIMEZONE when it names a zone that
    /// resolves, else the default given.
    package var calendarZone: String
    package var expansion: CalendarExpansion
    package var vevents = 0
    /// Components not loaded (VTODO, VJOURNAL, …): name and line.
    package var skipped: [(String, Int)] = []

    /// Reads `path` whole — the VEVENTs of one UID may stand anywhere in it, so they are grouped before they are
    /// expanded; a calendar file holds one mailbox's events, not millions — and expands it over `window`.
    /// `progress` is told the bytes read so far.
    package static func read(path: String, defaultZone: TimeZone, window: Range<Int64>, region: String? = nil,
                             progress: ((Int64, Int64) -> Void)? = nil) throws -> CalendarFileReading {
        var file = try ICSFile(path: path)
        var events: [ICSEvent] = []
        var blocks: [ICSTimeZoneBlock] = []
        var rejected: [LineRejection] = []
        var skipped: [(String, Int)] = []
        while try file.readChunk(emit: { item in
            switch item {
            case .event(let event): events.append(event)
            case .timeZone(let block): blocks.append(block)
            case .rejected(let rejection): rejected.append(rejection)
            case .skipped(let component, let line): skipped.append((component, line))
            }
        }) {
            progress?(file.bytesRead, file.fileSize)
        }
        progress?(file.bytesRead, file.fileSize)
        var zone = CalendarZone(defaultZone)
        if let named = file.calendarTimeZone, let found = CalendarZoneResolver.resolve(named, block: nil, region: region) {
            zone = found
        }
        let resolver = CalendarZoneResolver(calendarZone: zone, blocks: blocks, region: region)
        var expansion = RecurrenceExpander(zones: resolver, window: window).expand(events)
        expansion.rejected = (rejected + expansion.rejected).sorted { $0.line < $1.line }
        var reading = CalendarFileReading(calendarName: file.calendarName, calendarZone: zone.identifier,
                                          expansion: expansion)
        reading.vevents = events.count + rejected.count
        reading.skipped = skipped
        return reading
    }
}
