import HubCore

/// One person's attendance on one work date: the verdict, the real punch times behind it, and why.
///
/// Every instant here is either a real punch's `at` (`firstIn`, `lastOut`) or derived from the shift
/// (`shiftStart`, `shiftEnd`, `windowEnd`); the engine never fills in a time that was not punched.
package struct AttendanceDay: Sendable, Hashable {
    package let personnelNumber: String
    /// The local date the row is for; a night shift's row is the date it starts.
    package let workDate: CalendarDate
    /// The first entry punch of the shift instance (UTC seconds), even on an incomplete day; nil if there is none.
    package let firstIn: Int64?
    /// The last exit punch of the shift instance (UTC seconds), even on an incomplete day; nil if there is none.
    package let lastOut: Int64?
    /// Whole minutes between entries and their exits (floor of the summed seconds); 0 unless present or late.
    package let workedMinutes: Int
    package let status: AttendanceStatus
    /// The shift instance's start, if a shift starts on this date.
    package let shiftStart: Int64?
    /// The shift instance's end (start plus the shift's duration), if a shift starts on this date.
    package let shiftEnd: Int64?
    /// The end of the instance's punch window (inclusive), if a shift starts on this date.
    package let windowEnd: Int64?
    /// Every punch assigned to this date's shift instance, in time order, collapsed duplicates included.
    package let punchIDs: [Int64]
    /// Short English lines, local times in the calculation's zone, saying which rule decided and on which punches.
    package let explanation: [String]
    /// The absence type on a `leave` day; nil otherwise.
    package let absenceKind: String?
    /// True while a device may still send punches that would change this row; never true for `leave`.
    package let provisional: Bool

    /// Stores the values as given.
    package init(
        personnelNumber: String, workDate: CalendarDate, firstIn: Int64?, lastOut: Int64?, workedMinutes: Int,
        status: AttendanceStatus, shiftStart: Int64?, shiftEnd: Int64?, windowEnd: Int64?, punchIDs: [Int64],
        explanation: [String], absenceKind: String?, provisional: Bool
    ) {
        self.personnelNumber = personnelNumber
        self.workDate = workDate
        self.firstIn = firstIn
        self.lastOut = lastOut
        self.workedMinutes = workedMinutes
        self.status = status
        self.shiftStart = shiftStart
        self.shiftEnd = shiftEnd
        self.windowEnd = windowEnd
        self.punchIDs = punchIDs
        self.explanation = explanation
        self.absenceKind = absenceKind
        self.provisional = provisional
    }
}
