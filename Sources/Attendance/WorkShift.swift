import HubCore
import Connectors
/// A person's regular shift: local start and end clock times, the ISO weekdays it starts on, and the tolerances.
///
/// Construction validates every field, so a `WorkShift` the engine sees is always well-formed: minutes of the day in
/// `0..<1440`, weekdays in `1...7`, grace and windows in `0...1440` (a window longer than a day would let one shift
/// claim another day's punches wholesale).
package struct WorkShift: Sendable, Hashable {
    package let personnelNumber: String
    /// Local minute of the day the shift starts, `0..<1440`.
    package let startMinute: Int
    /// Local minute of the day the shift ends, `0..<1440`; at or before `startMinute` means the next day
    /// (equal means a 24-hour shift).
    package let endMinute: Int
    /// ISO weekdays the shift *starts* on: 1 = Monday … 7 = Sunday. A night shift belongs to the day it starts.
    package let workdays: Set<Int>
    /// Minutes after the start during which a first entry still counts as on time.
    package let lateGraceMinutes: Int
    /// Minutes before the start from which punches belong to this shift.
    package let windowBeforeMinutes: Int
    /// Minutes after the end until which punches belong to this shift.
    package let windowAfterMinutes: Int

    /// Nil when any field is outside the ranges documented on the type.
    package init?(
        personnelNumber: String, startMinute: Int, endMinute: Int, workdays: Set<Int>,
        lateGraceMinutes: Int, windowBeforeMinutes: Int, windowAfterMinutes: Int
    ) {
        let minutesOfDay = 0..<1440
        let tolerance = 0...1440
        guard minutesOfDay.contains(startMinute), minutesOfDay.contains(endMinute),
              workdays.allSatisfy({ (1...7).contains($0) }),
              tolerance.contains(lateGraceMinutes), tolerance.contains(windowBeforeMinutes),
              tolerance.contains(windowAfterMinutes)
        else { return nil }
        self.personnelNumber = personnelNumber
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.workdays = workdays
        self.lateGraceMinutes = lateGraceMinutes
        self.windowBeforeMinutes = windowBeforeMinutes
        self.windowAfterMinutes = windowAfterMinutes
    }

    /// Length of the shift in minutes, `1...1440`: an end at or before the start wraps to the next day.
    package var durationMinutes: Int {
        endMinute > startMinute ? endMinute - startMinute : endMinute - startMinute + 1440
    }

    /// Reads a weekday list such as `Mon-Fri`, `Mon,Wed,Fri` or `Sat-Mon` (`HRFileLayout.weekdays`, the one reading
    /// of HR's files).
    package static func parseWorkdays(_ text: String) -> Set<Int>? {
        HRFileLayout.weekdays(text).map(Set.init)
    }

    /// Reads a local clock time `HH:MM` as minutes since midnight (`HRFileLayout.minuteOfDay`).
    package static func parseClock(_ text: String) -> Int? {
        HRFileLayout.minuteOfDay(text)
    }

    static let shortWeekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// The workdays in the form `parseWorkdays` reads (`Mon-Fri`, `Sat-Mon`, `Mon,Wed,Fri`), for explanations.
    var workdaysText: String {
        if workdays.isEmpty { return "no workdays" }
        if workdays.count == 7 { return "Mon-Sun" }
        // Start the cyclic scan just after a day off, so a run wrapping past Sunday (Sat-Mon) stays one run.
        let dayOff = (1...7).first { !workdays.contains($0) } ?? 7
        var runs: [[Int]] = []
        for step in 1...7 {
            let day = (dayOff - 1 + step) % 7 + 1
            guard workdays.contains(day) else { continue }
            if let previous = runs.last?.last, previous % 7 + 1 == day {
                runs[runs.count - 1].append(day)
            } else {
                runs.append([day])
            }
        }
        // Runs are found in cyclic order; list them Monday-first as people write them, with a wrapping run last.
        let ordered = runs.sorted { ($0.first ?? 0) < ($1.first ?? 0) }
        return ordered.map { run in
            let first = Self.shortWeekdayNames[(run.first ?? 1) - 1]
            let last = Self.shortWeekdayNames[(run.last ?? 1) - 1]
            return run.count == 1 ? first : "\(first)-\(last)"
        }.joined(separator: ",")
    }

    /// The configured clock times, `09:00–18:00` or `22:00–06:00 (+1 day)`, for explanations.
    var clockText: String {
        let wraps = endMinute <= startMinute
        return "\(Self.clock(startMinute))–\(Self.clock(endMinute))\(wraps ? " (+1 day)" : "")"
    }

    static func clock(_ minuteOfDay: Int) -> String {
        twoDigits(minuteOfDay / 60) + ":" + twoDigits(minuteOfDay % 60)
    }

    static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
