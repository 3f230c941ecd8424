import Foundation
import HubCore

/// Turns one person's punches, shift, absences and employment into attendance days.
///
/// Pure and I/O-free: the same inputs always give the same rows, whatever order the punches and absences come in.
/// Rules, in order, for each date: leave, then weekend (no shift instance), then absent (no punch in the window),
/// then incomplete (punches that do not pair entry→exit after collapsing), then late or present.
package enum AttendanceCalculator {
    /// One row per date in `dates` that lies within `employment`, in date order.
    ///
    /// - `punches` may reach beyond `dates` (pass a margin of a couple of days): every punch is assigned to the shift
    ///   instance of whatever date owns it, so a night shift starting the day before the range keeps its morning
    ///   punches, and one starting on the range's last day gets its after-midnight punches; only rows inside `dates`
    ///   are returned. Punches and absences of other people, and a shift of another person, are ignored, so a caller
    ///   may pass a whole batch. A punch id seen twice counts once; punches outside years 0001–9999 are ignored.
    /// - `deviceHighWater` maps each device to the latest instant it is known to have sent punches up to; a row is
    ///   provisional while its window end (or, without a shift instance, the last second of its local day) is later
    ///   than the lowest mark, or when there are no marks at all. Leave rows are never provisional.
    /// - Local times are read in `zone`; see `LocalClock.instant(localDay:minute:)` for DST gaps and overlaps.
    package static func days(
        for personnelNumber: String, dates: ClosedRange<CalendarDate>, shift: WorkShift?, absences: [AbsenceSpan],
        employment: EmploymentSpan, punches: [AttendancePunch], zone: TimeZone, rules: AttendanceRules,
        deviceHighWater: [String: Int64]
    ) -> [AttendanceDay] {
        let clock = LocalClock(zone: zone)
        let ownShift = shift.flatMap { $0.personnelNumber == personnelNumber ? $0 : nil }
        var seenIDs = Set<Int64>()
        let ownPunches = punches
            .filter { $0.personnelNumber == personnelNumber && LocalClock.supportedInstants.contains($0.at) }
            .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
            .filter { seenIDs.insert($0.id).inserted }

        var schedule = ShiftSchedule(shift: ownShift, employment: employment, clock: clock)
        var assigned: [Int: [AttendancePunch]] = [:]
        var unassigned: [Int: [AttendancePunch]] = [:]
        for punch in ownPunches {
            if let workDay = schedule.owner(of: punch.at) {
                assigned[workDay, default: []].append(punch)
            } else {
                unassigned[clock.localDay(of: punch.at), default: []].append(punch)
            }
        }

        let context = Context(
            personnelNumber: personnelNumber, shift: shift, ownShift: ownShift,
            absences: absences.filter { $0.personnelNumber == personnelNumber }, clock: clock, rules: rules,
            deviceHighWater: deviceHighWater)
        var rows: [AttendanceDay] = []
        for dayNumber in dates.lowerBound.dayNumber...dates.upperBound.dayNumber
        where employment.contains(dayNumber: dayNumber) {
            rows.append(context.day(
                dayNumber: dayNumber, instance: schedule.instance(onDay: dayNumber),
                punches: assigned[dayNumber] ?? [], strays: unassigned[dayNumber] ?? []))
        }
        return rows
    }

    /// What every day of one calculation shares.
    private struct Context {
        let personnelNumber: String
        /// The shift as passed, for explaining why it was not used.
        let shift: WorkShift?
        /// The shift if it is this person's.
        let ownShift: WorkShift?
        let absences: [AbsenceSpan]
        let clock: LocalClock
        let rules: AttendanceRules
        let deviceHighWater: [String: Int64]

        /// The row for one employed date, applying leave, weekend, absent, incomplete, late/present in that order.
        func day(dayNumber: Int, instance: ShiftInstance?, punches: [AttendancePunch], strays: [AttendancePunch])
            -> AttendanceDay {
            let date = CalendarDate(dayNumber: dayNumber)
            var lines: [String] = []
            let covering = absences.filter { $0.covers(dayNumber: dayNumber) }
            if let absence = covering.first {
                lines.append("leave: \(absence.kind) \(absence.from.iso)…\(absence.to.iso)")
                for other in covering.dropFirst() {
                    lines.append("also within: \(other.kind) \(other.from.iso)…\(other.to.iso)")
                }
                // Punches during leave are shown, not counted, so HR sees someone who came in on vacation.
                lines += punches.map { "not counted (leave): " + punchText($0, workDay: dayNumber) }
                lines += strayLines(strays, workDay: dayNumber)
                return AttendanceDay(
                    personnelNumber: personnelNumber, workDate: date, firstIn: nil, lastOut: nil, workedMinutes: 0,
                    status: .leave, shiftStart: instance?.start, shiftEnd: instance?.end,
                    windowEnd: instance?.windowEnd, punchIDs: punches.map(\.id), explanation: lines,
                    absenceKind: absence.kind, provisional: false)
            }

            guard let instance, let ownShift else {
                lines.append(weekendReason(dayNumber: dayNumber))
                lines += strayLines(strays, workDay: dayNumber)
                let (provisional, provisionalLines) = provisionality(until: clock.bounds(ofLocalDay: dayNumber).upperBound)
                lines += provisionalLines
                return AttendanceDay(
                    personnelNumber: personnelNumber, workDate: date, firstIn: nil, lastOut: nil, workedMinutes: 0,
                    status: .weekend, shiftStart: nil, shiftEnd: nil, windowEnd: nil, punchIDs: [],
                    explanation: lines, absenceKind: nil, provisional: provisional)
            }

            lines.append(
                "shift \(clock.minuteText(instance.start, relativeTo: dayNumber))–"
                    + "\(clock.minuteText(instance.end, relativeTo: dayNumber)), "
                    + "window \(clock.minuteText(instance.windowStart, relativeTo: dayNumber))–"
                    + "\(clock.minuteText(instance.windowEnd, relativeTo: dayNumber))")
            lines += daylightSavingLines(instance: instance, shift: ownShift)

            let verdict = punches.isEmpty ? Verdict.absent : judge(punches, instance: instance, shift: ownShift)
            lines += verdict.lines
            lines += strayLines(strays, workDay: dayNumber)
            let (provisional, provisionalLines) = provisionality(until: instance.windowEnd)
            lines += provisionalLines
            return AttendanceDay(
                personnelNumber: personnelNumber, workDate: date, firstIn: verdict.firstIn, lastOut: verdict.lastOut,
                workedMinutes: verdict.workedMinutes, status: verdict.status, shiftStart: instance.start,
                shiftEnd: instance.end, windowEnd: instance.windowEnd, punchIDs: punches.map(\.id),
                explanation: lines, absenceKind: nil, provisional: provisional)
        }

        /// The outcome of the punch rules for one shift instance.
        private struct Verdict {
            let status: AttendanceStatus
            let firstIn: Int64?
            let lastOut: Int64?
            let workedMinutes: Int
            let lines: [String]

            static let absent = Verdict(
                status: .absent, firstIn: nil, lastOut: nil, workedMinutes: 0,
                lines: ["absent: no punch in the window"])
        }

        /// The punch rules (collapse, pairing, minutes, lateness) for an instance that has at least one punch.
        private func judge(_ punches: [AttendancePunch], instance: ShiftInstance, shift: WorkShift) -> Verdict {
            let workDay = instance.workDay
            let sequence = PunchSequence(punches: punches, rules: rules)
            var lines = sequence.read.map { read in
                var notes: [String] = []
                if read.kind == nil {
                    notes.append("direction unknown (unknown_direction: incomplete)")
                } else if read.kindWasGuessed, let kind = read.kind {
                    notes.append("taken as \(kind.rawValue) (unknown_direction: alternate)")
                }
                if let keeper = read.collapsedInto { notes.append("collapsed into #\(keeper)") }
                return punchText(read.punch, workDay: workDay) + (notes.isEmpty ? "" : " — " + notes.joined(separator: "; "))
            }
            let firstIn = sequence.firstEntry?.at
            let lastOut = sequence.lastExit?.at

            guard sequence.problems.isEmpty, let firstEntry = firstIn else {
                lines += sequence.problems.map { problemText($0, workDay: workDay) }
                lines.append("incomplete: 0 minutes; no missing punch is filled in")
                return Verdict(status: .incomplete, firstIn: firstIn, lastOut: lastOut, workedMinutes: 0, lines: lines)
            }

            var totalSeconds: Int64 = 0
            for pair in sequence.pairs {
                let seconds = pair.exit.at - pair.entry.at
                totalSeconds += seconds
                lines.append(
                    "pair \(clock.timeText(pair.entry.at, relativeTo: workDay))–"
                        + "\(clock.timeText(pair.exit.at, relativeTo: workDay)): \(durationText(seconds))")
            }
            let workedMinutes = Int(totalSeconds / 60)
            let pairCount = sequence.pairs.count
            lines.append("worked: \(workedMinutes) min (\(totalSeconds) s in \(pairCount) pair\(pairCount == 1 ? "" : "s"))")

            let onTimeUntil = instance.start + Int64(shift.lateGraceMinutes) * 60
            let rule = "(start \(clock.minuteText(instance.start)) + grace \(shift.lateGraceMinutes) min)"
            let isLate = firstEntry > onTimeUntil
            lines.append(
                "\(isLate ? "late" : "present"): first entry \(clock.timeText(firstEntry, relativeTo: workDay)) "
                    + "\(isLate ? "after" : "not after") \(clock.timeText(onTimeUntil, relativeTo: workDay)) \(rule)")
            return Verdict(
                status: isLate ? .late : .present, firstIn: firstIn, lastOut: lastOut, workedMinutes: workedMinutes,
                lines: lines)
        }

        private func problemText(_ problem: PunchSequence.Problem, workDay: Int) -> String {
            switch problem {
            case .unknownDirection(let punch):
                "incomplete: punch #\(punch.id) at \(clock.timeText(punch.at, relativeTo: workDay)) "
                    + "has an unknown direction (unknown_direction: incomplete)"
            case .startsWithExit(let punch):
                "incomplete: starts with an exit at \(clock.timeText(punch.at, relativeTo: workDay)) (no entry before it)"
            case .twoInARow(let kind, let first, let second):
                "incomplete: two \(kind == .entry ? "entries" : "exits") in a row at "
                    + "\(clock.timeText(first.at, relativeTo: workDay)) and \(clock.timeText(second.at, relativeTo: workDay))"
            case .endsWithEntry(let punch):
                "incomplete: ends with an entry at \(clock.timeText(punch.at, relativeTo: workDay)) (no exit after it)"
            }
        }

        private func weekendReason(dayNumber: Int) -> String {
            guard let shift else { return "weekend: no shift is assigned" }
            guard let ownShift else {
                return "weekend: the shift given is for \(shift.personnelNumber), not \(personnelNumber)"
            }
            let weekday = WorkShift.weekdayNames[LocalClock.isoWeekday(dayNumber: dayNumber) - 1]
            return "weekend: the shift \(ownShift.workdaysText) \(ownShift.clockText) does not start on \(weekday)"
        }

        /// Notes on a start time the zone's clock change made ambiguous or skipped, and on a shift whose elapsed
        /// length moves its end's wall time.
        private func daylightSavingLines(instance: ShiftInstance, shift: WorkShift) -> [String] {
            let configuredStart = WorkShift.clock(shift.startMinute)
            let dateText = LocalClock.dateText(dayNumber: instance.workDay)
            var lines: [String] = []
            switch instance.startResolution {
            case .exact:
                break
            case .ambiguous(let before, let after):
                lines.append(
                    "dst: \(configuredStart) occurs twice on \(dateText) in \(clock.zone.identifier) "
                        + "(\(LocalClock.offsetText(before)) then \(LocalClock.offsetText(after))); "
                        + "the first, at offset \(LocalClock.offsetText(before)), is taken")
            case .nonexistent(let before, let after):
                lines.append(
                    "dst: \(configuredStart) does not exist on \(dateText) in \(clock.zone.identifier) "
                        + "(\(LocalClock.offsetText(before)) → \(LocalClock.offsetText(after))); read at the earlier "
                        + "offset \(LocalClock.offsetText(before)), the shift starts at \(clock.minuteText(instance.start))")
            }
            let configuredEnd = WorkShift.clock(shift.endMinute)
            let actualEnd = clock.minuteText(instance.end)
            if actualEnd != configuredEnd {
                lines.append(
                    "dst: the shift lasts its \(shift.durationMinutes) min, so it ends at \(actualEnd) "
                        + "local time, not \(configuredEnd)")
            }
            return lines
        }

        private func strayLines(_ strays: [AttendancePunch], workDay: Int) -> [String] {
            strays.map { "not counted: " + punchText($0, workDay: workDay) + " belongs to no shift" }
        }

        private func punchText(_ punch: AttendancePunch, workDay: Int) -> String {
            "punch #\(punch.id) \(clock.timeText(punch.at, relativeTo: workDay)) \(punch.direction.rawValue) \(punch.device)"
        }

        private func durationText(_ seconds: Int64) -> String {
            let remainder = seconds % 60
            return "\(seconds / 60) min" + (remainder == 0 ? "" : " \(remainder) s")
        }

        /// Whether a row whose punches may arrive until `end` can still change, and the devices holding it back.
        private func provisionality(until end: Int64) -> (Bool, [String]) {
            guard let lowest = deviceHighWater.values.min() else {
                return (true, ["provisional: no device has sent punches yet"])
            }
            guard end > lowest else { return (false, []) }
            let behind = deviceHighWater.filter { $0.value < end }.sorted { $0.key < $1.key }
            return (true, behind.map { "provisional: device \($0.key) has sent punches only up to \(clock.dateTimeText($0.value))" })
        }
    }
}
