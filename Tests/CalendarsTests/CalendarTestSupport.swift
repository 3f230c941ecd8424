import Calendars
import Connectors
import Foundation
import HubCore

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Seconds since 1970 of a UTC time written `2026-03-16 09:00`.
func utc(_ text: String) -> Int64 {
    LocalDateTime(isoText: text + ":00")!.instant(in: TimeZone(identifier: "UTC")!)
}

/// A UTC time as tests write expectations: `2026-03-16 09:00`.
func utcText(_ seconds: Int64) -> String {
    String(CalendarZone.utc.localTime(of: seconds).description.prefix(16))
}

/// An iCalendar file of these components (VEVENTs, VTIMEZONEs), written as Outlook does (BOM, CRLF).
func calendarFile(_ components: String, name: String = "test") throws -> String {
    let body = components.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \r")) }.filter { !$0.isEmpty }
    let text = "\u{FEFF}" + (["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CRMHub tests//EN"] + body + ["END:VCALENDAR"])
        .joined(separator: "\r\n") + "\r\n"
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("crmhub-ics-\(name)-\(UUID().uuidString).ics").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Reads and expands components over [from, to) (UTC dates), in a calendar of `zone`.
func expand(_ components: String, from: String = "2026-01-01", to: String = "2027-01-01",
            zone: String = "Asia/Tashkent") throws -> CalendarFileReading {
    let path = try calendarFile(components)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try CalendarFileReading.read(path: path, defaultZone: TimeZone(identifier: zone)!,
                                        window: utc(from + " 00:00")..<utc(to + " 00:00"))
}

/// The occurrences' starts and ends in UTC, sorted: `2026-03-16 09:00–10:00` (the end's date when it differs).
func spans(_ reading: CalendarFileReading, uid: String? = nil) -> [String] {
    reading.expansion.occurrences.filter { uid == nil || $0.eventUID == uid }.sorted { $0.startsAt < $1.startsAt }
        .map { occurrence in
            let start = utcText(occurrence.startsAt)
            let end = utcText(occurrence.endsAt)
            return start + "–" + (end.prefix(10) == start.prefix(10) ? String(end.dropFirst(11)) : end)
        }
}

/// A VEVENT of these properties (UID first).
func vevent(_ uid: String, _ properties: String) -> String {
    "BEGIN:VEVENT\nUID:\(uid)\nDTSTAMP:20260101T000000Z\n\(properties)\nEND:VEVENT"
}
