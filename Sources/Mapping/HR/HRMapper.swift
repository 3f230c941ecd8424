import Connectors
import Foundation
import HubCore

/// HR's records → warehouse rows: shifts with their times as `HH:MM`, absences day by day, punches with their
/// instant fixed in the device's zone.
package enum HRMapper {
    package static func row(_ shift: ShiftRecord) -> WorkShiftRow {
        WorkShiftRow(personnelNumber: shift.personnelNumber, shiftStart: clock(shift.startMinute),
                     shiftEnd: clock(shift.endMinute), workdays: shift.workdays, weekdays: shift.weekdays,
                     lateGraceMinutes: shift.lateGraceMinutes, windowBeforeMinutes: shift.windowBeforeMinutes,
                     windowAfterMinutes: shift.windowAfterMinutes, line: shift.line)
    }

    /// One row per day of the absence, its dates included.
    package static func rows(_ absence: AbsenceRecord) -> [AbsenceDayRow] {
        (absence.from.dayNumber...absence.to.dayNumber).map {
            AbsenceDayRow(personnelNumber: absence.personnelNumber, day: CalendarDate(dayNumber: $0),
                          kind: absence.kind, line: absence.line)
        }
    }

    package static func row(_ key: PersonKeyRecord) -> PersonKeyRow {
        PersonKeyRow(source: key.source, personKey: key.personKey, personnelNumber: key.personnelNumber,
                     line: key.line)
    }

    /// A punch read in the zone of `offsets`, its person key under `source`.
    package static func row(_ punch: PunchRecord, source: String, offsets: inout ZoneDayOffsets) -> PunchRow {
        PunchRow(source: source, device: punch.device, personKey: punch.personKey, personName: punch.personName,
                 punchedAt: offsets.instant(of: punch.localTime), localTime: punch.localTime.description,
                 timeZone: offsets.zone.identifier, direction: punch.direction, eventKind: punch.event.rawValue,
                 eventText: punch.eventText, line: punch.line, raw: punch.raw)
    }

    /// A line that could not be read, for `ops.quarantine`.
    package static func quarantined(_ rejection: LineRejection, recordKind: String) -> QuarantinedRecord {
        QuarantinedRecord(line: rejection.line, recordKind: recordKind, reason: rejection.reason,
                          field: rejection.field, raw: rejection.raw)
    }

    static func clock(_ minuteOfDay: Int) -> String {
        let (hours, minutes) = minuteOfDay.quotientAndRemainder(dividingBy: 60)
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }
}
