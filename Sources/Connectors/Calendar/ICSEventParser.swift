import CLibical
import Foundation
import HubCore

/// One VEVENT's text → `ICSEvent`, through libical (values, parameters, TEXT escapes, RRULE syntax), with the
/// checks libical leaves to its caller: a UID and a DTSTART, an end not before the start, a rule that parses.
/// What fails is rejected with the line of the property at fault.
enum ICSEventParser {
    /// libical aborts on some errors unless told not to; set once, before the first parse.
    private static let configured: Bool = {
        icalerror_set_errors_are_fatal(0)
        return true
    }()

    static func parse(lines: [(Int, String)]) -> Result<ICSEvent, LineRejection> {
        _ = configured
        let first = lines.first?.0 ?? 0
        let raw = lines.map(\.1).joined(separator: "\r\n")
        func reject(_ reason: String, property: String? = nil) -> Result<ICSEvent, LineRejection> {
            let line = property.flatMap { name in
                lines.first { Self.propertyName(of: $0.1) == name }?.0
            } ?? first
            return .failure(LineRejection(line: line, reason: "VEVENT starting on line \(first): \(reason)",
                                          field: property, raw: raw))
        }
        guard let component = icalcomponent_new_from_string(raw + "\r\n") else {
            return reject("libical cannot read it")
        }
        defer { icalcomponent_free(component) }
        guard icalcomponent_isa(component) == ICAL_VEVENT_COMPONENT else { return reject("not a VEVENT") }

        var uid: String?
        var start: ICSTime?
        var end: ICSTime?
        var event = ICSEvent(uid: "", start: .utc(0), raw: raw, line: first)
        var errors: [String] = []
        var property = icalcomponent_get_first_property(component, ICAL_ANY_PROPERTY)
        while let current = property {
            defer { property = icalcomponent_get_next_property(component, ICAL_ANY_PROPERTY) }
            let kind = icalproperty_isa(current)
            switch kind {
            case ICAL_UID_PROPERTY:
                uid = text(icalproperty_get_uid(current))
            case ICAL_DTSTART_PROPERTY:
                start = time(icalproperty_get_dtstart(current), current)
                if start == nil { errors.append("DTSTART|DTSTART is not a date or date-time") }
            case ICAL_DTEND_PROPERTY:
                end = time(icalproperty_get_dtend(current), current)
                if end == nil { errors.append("DTEND|DTEND is not a date or date-time") }
            case ICAL_DURATION_PROPERTY:
                event.durationSeconds = Int(icaldurationtype_as_int(icalproperty_get_duration(current)))
            case ICAL_RECURRENCEID_PROPERTY:
                event.recurrenceID = time(icalproperty_get_recurrenceid(current), current)
                event.thisAndFuture = parameter(current, "RANGE")?.uppercased() == "THISANDFUTURE"
                if event.recurrenceID == nil { errors.append("RECURRENCE-ID|RECURRENCE-ID is not a date or date-time") }
            case ICAL_RRULE_PROPERTY:
                let rule = text(icalproperty_get_value_as_string(current)) ?? ""
                if icalrecurrencetype_from_string(rule).freq == ICAL_NO_RECURRENCE {
                    errors.append("RRULE|RRULE \(rule) cannot be read")
                } else {
                    event.rrule = rule
                }
            case ICAL_EXDATE_PROPERTY:
                if let value = time(icalproperty_get_exdate(current), current) { event.exdates.append(value) }
            case ICAL_RDATE_PROPERTY:
                let value = icalproperty_get_rdate(current)
                let instant = icaltime_is_null_time(value.time) == 0 ? value.time : value.period.start
                if let value = time(instant, current) { event.rdates.append(value) }
            case ICAL_STATUS_PROPERTY:
                event.status = text(icalproperty_get_value_as_string(current))?.uppercased()
            case ICAL_SUMMARY_PROPERTY:
                event.summary = text(icalproperty_get_summary(current))
            case ICAL_LOCATION_PROPERTY:
                event.location = text(icalproperty_get_location(current))
            case ICAL_DESCRIPTION_PROPERTY:
                event.description = text(icalproperty_get_description(current))
            case ICAL_ORGANIZER_PROPERTY:
                event.organizer = person(text(icalproperty_get_organizer(current)), current)
            case ICAL_ATTENDEE_PROPERTY:
                if let attendee = person(text(icalproperty_get_attendee(current)), current) {
                    event.attendees.append(attendee)
                }
            case ICAL_SEQUENCE_PROPERTY:
                event.sequence = Int(icalproperty_get_sequence(current))
            case ICAL_DTSTAMP_PROPERTY:
                if case .utc(let seconds)? = time(icalproperty_get_dtstamp(current), current) { event.stamp = seconds }
            case ICAL_X_PROPERTY:
                if text(icalproperty_get_x_name(current))?.uppercased() == "X-MICROSOFT-CDO-ALLDAYEVENT" {
                    event.outlookAllDay = text(icalproperty_get_value_as_string(current))?.uppercased() == "TRUE"
                }
            case ICAL_XLICERROR_PROPERTY:
                let message = text(icalproperty_get_xlicerror(current)) ?? "unreadable property"
                let name = ["DTSTART", "DTEND", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID", "DURATION", "UID",
                            "SEQUENCE", "DTSTAMP", "ATTENDEE", "ORGANIZER", "STATUS"]
                    .first { message.uppercased().contains($0) } ?? ""
                errors.append("\(name)|libical: \(message)")
            default:
                break
            }
        }
        if let error = errors.first {
            let parts = error.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            return reject(String(parts[1]), property: parts[0].isEmpty ? nil : String(parts[0]))
        }
        guard let uid, !uid.isEmpty else { return reject("it has no UID") }
        guard let start else { return reject("it has no DTSTART") }
        if let end, let order = Self.order(start, end), order > 0 {
            return reject("DTEND \(end) is before DTSTART \(start)", property: "DTEND")
        }
        event.uid = uid
        event.start = start
        event.end = end
        return .success(event)
    }

    /// `NAME` of a content line `NAME;PARAM=…:value`.
    static func propertyName(of line: String) -> String {
        String(line.prefix { $0 != ";" && $0 != ":" }).uppercased()
    }

    /// TEXT unescaped (`\,` `\;` `\\` `\n`), for values read without libical (X-WR-CALNAME).
    static func unescaped(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                result.append(character == "n" || character == "N" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// -1, 0, 1 when both times are comparable without a zone (same kind and zone), else nil.
    private static func order(_ lhs: ICSTime, _ rhs: ICSTime) -> Int? {
        switch (lhs, rhs) {
        case (.date(let a), .date(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.utc(let a), .utc(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.local(let a, let za), .local(let b, let zb)) where za == zb: return a < b ? -1 : (a == b ? 0 : 1)
        default: return nil
        }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func parameter(_ property: OpaquePointer, _ name: String) -> String? {
        icalproperty_get_parameter_as_string(property, name).map { String(cString: $0) }
    }

    private static func time(_ value: icaltimetype, _ property: OpaquePointer) -> ICSTime? {
        guard icaltime_is_null_time(value) == 0,
              let date = CalendarDate(year: Int(value.year), month: Int(value.month), day: Int(value.day)) else {
            return nil
        }
        if value.is_date != 0 { return .date(date) }
        let second = Int(value.hour) * 3_600 + Int(value.minute) * 60 + Int(value.second)
        guard (0..<86_400).contains(second) else { return nil }
        let local = LocalDateTime(date: date, secondOfDay: second)
        if icaltime_is_utc(value) != 0 {
            return .utc(Int64(date.dayNumber - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)) * 86_400
                        + Int64(second))
        }
        return .local(local, tzid: parameter(property, "TZID"))
    }

    private static func person(_ value: String?, _ property: OpaquePointer) -> ICSPerson? {
        guard let value else { return nil }
        let address = value.lowercased().hasPrefix("mailto:") ? String(value.dropFirst(7)) : value
        let email = address.contains("@") ? address.trimmingCharacters(in: .whitespaces).lowercased() : nil
        return ICSPerson(email: email, name: parameter(property, "CN"), role: parameter(property, "ROLE")?.uppercased(),
                         status: parameter(property, "PARTSTAT")?.uppercased())
    }
}
