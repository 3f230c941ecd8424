import Foundation
import HubCore

/// Writes events as an iCalendar file Outlook imports (RFC 5545): CRLF lines folded at 75 octets, never inside a
/// UTF-8 sequence; TEXT escaped; each event's times on its own zone's wall clock with a VTIMEZONE for every zone
/// used, its daylight-saving changes over the years the events span written out one by one (RDATE-free
/// STANDARD/DAYLIGHT components), so that no reader needs a zone database.
///
/// Hand-written: libical can serialise components, but not build VTIMEZONEs from the zone database, and this is
/// a few dozen lines.
public enum ICSWriter {
    public static func calendar(_ events: [CalendarEventRow], name: String? = nil, now: Int64) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CRMHub//CRM meetings//EN", "CALSCALE:GREGORIAN",
                     "METHOD:PUBLISH"]
        if let name { lines.append("X-WR-CALNAME:" + escaped(name)) }
        var spans: [String: (Int64, Int64)] = [:]
        for event in events where !event.allDay {
            guard let zone = event.timeZone, let start = event.startsAt else { continue }
            let end = event.rrule == nil ? (event.endsAt ?? start) : start + 5 * 365 * 86_400
            let known = spans[zone] ?? (start, end)
            spans[zone] = (min(known.0, start), max(known.1, end))
        }
        for (identifier, span) in spans.sorted(by: { $0.key < $1.key }) {
            guard let zone = TimeZone(identifier: identifier) else { continue }
            lines += timeZone(zone, from: span.0, to: span.1)
        }
        for event in events {
            lines += vevent(event, now: now)
        }
        lines.append("END:VCALENDAR")
        return lines.map(folded).joined(separator: "\r\n") + "\r\n"
    }

    static func vevent(_ event: CalendarEventRow, now: Int64) -> [String] {
        var lines = ["BEGIN:VEVENT", "UID:" + event.uid, "DTSTAMP:" + utcText(event.stampedAt ?? now)]
        let zone = event.timeZone.flatMap { TimeZone(identifier: $0) }
        func time(_ name: String, _ seconds: Int64) -> String {
            if event.allDay, let zone {
                return "\(name);VALUE=DATE:" + wall(seconds, zone).prefix(8)
            }
            if let zone, let identifier = event.timeZone { return "\(name);TZID=\(identifier):" + wall(seconds, zone) }
            return "\(name):" + utcText(seconds)
        }
        if let start = event.startsAt { lines.append(time("DTSTART", start)) }
        if let end = event.endsAt { lines.append(time("DTEND", end)) }
        if let rrule = event.rrule { lines.append("RRULE:" + rrule) }
        if let summary = event.summary { lines.append("SUMMARY:" + escaped(summary)) }
        if let location = event.location { lines.append("LOCATION:" + escaped(location)) }
        if let body = event.bodySummary { lines.append("DESCRIPTION:" + escaped(body)) }
        if let organizer = event.organizerEmail {
            lines.append("ORGANIZER" + (event.organizerName.map { ";CN=" + parameter($0) } ?? "") + ":mailto:" + organizer)
        }
        for attendee in event.attendees {
            guard let email = attendee.email else { continue }
            var line = "ATTENDEE"
            if let name = attendee.name { line += ";CN=" + parameter(name) }
            line += ";ROLE=" + (attendee.role ?? "REQ-PARTICIPANT") + ";PARTSTAT=" + (attendee.status ?? "NEEDS-ACTION")
            lines.append(line + ":mailto:" + email)
        }
        lines.append("STATUS:" + (event.status ?? "CONFIRMED"))
        lines.append("SEQUENCE:\(event.sequence)")
        if event.allDay { lines.append("X-MICROSOFT-CDO-ALLDAYEVENT:TRUE") }
        lines.append("END:VEVENT")
        return lines
    }

    /// A VTIMEZONE with one component per offset change between `from` and `to` (and the offset in force before).
    static func timeZone(_ zone: TimeZone, from: Int64, to: Int64) -> [String] {
        var lines = ["BEGIN:VTIMEZONE", "TZID:" + zone.identifier]
        func offsetText(_ seconds: Int) -> String {
            let sign = seconds < 0 ? "-" : "+"
            let value = abs(seconds)
            return sign + String(format: "%02d%02d", value / 3_600, value / 60 % 60)
        }
        let start = Date(timeIntervalSince1970: TimeInterval(from - 366 * 86_400))
        let first = zone.secondsFromGMT(for: start)
        lines += ["BEGIN:" + (zone.isDaylightSavingTime(for: start) ? "DAYLIGHT" : "STANDARD"),
                  "DTSTART:19700101T000000", "TZOFFSETFROM:" + offsetText(first), "TZOFFSETTO:" + offsetText(first),
                  "END:" + (zone.isDaylightSavingTime(for: start) ? "DAYLIGHT" : "STANDARD")]
        var cursor = start
        let end = Date(timeIntervalSince1970: TimeInterval(to + 366 * 86_400))
        while let change = zone.nextDaylightSavingTimeTransition(after: cursor), change < end {
            let before = zone.secondsFromGMT(for: change.addingTimeInterval(-1))
            let after = zone.secondsFromGMT(for: change)
            let kind = zone.isDaylightSavingTime(for: change) ? "DAYLIGHT" : "STANDARD"
            let instant = Int64(change.timeIntervalSince1970)
            lines += ["BEGIN:" + kind, "DTSTART:" + wallText(instant + Int64(before)),
                      "TZOFFSETFROM:" + offsetText(before), "TZOFFSETTO:" + offsetText(after), "END:" + kind]
            cursor = change
        }
        lines.append("END:VTIMEZONE")
        return lines
    }

    /// TEXT escaped as RFC 5545 §3.3.11 asks.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            default: out.append(character)
            }
        }
        return out
    }

    /// A parameter value, quoted when it holds `:`, `;` or `,` (quotes themselves cannot be written, so go).
    static func parameter(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\"", with: "")
        return clean.contains(where: { ":;,".contains($0) }) ? "\"\(clean)\"" : clean
    }

    /// The line folded at 75 octets, at a character boundary, each continuation starting with a space.
    public static func folded(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var parts: [String] = []
        var current = ""
        var size = 0
        for character in line {
            let length = String(character).utf8.count
            let limit = parts.isEmpty ? 75 : 74
            if size + length > limit {
                parts.append(current)
                current = ""
                size = 0
            }
            current.append(character)
            size += length
        }
        parts.append(current)
        return parts.joined(separator: "\r\n ")
    }

    private static func wall(_ seconds: Int64, _ zone: TimeZone) -> String {
        wallText(seconds + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))))
    }

    static func utcText(_ seconds: Int64) -> String { wallText(seconds) + "Z" }

    /// `yyyyMMddTHHmmss` of seconds counted on a wall clock from 1970.
    private static func wallText(_ wall: Int64) -> String {
        let day = Int((wall >= 0 ? wall : wall - 86_399) / 86_400)
        let second = Int(wall - Int64(day) * 86_400)
        let date = CalendarDate(dayNumber: day)
        return String(format: "%04d%02d%02dT%02d%02d%02d", date.year, date.month, date.day, second / 3_600,
                      second / 60 % 60, second % 60)
    }
}
