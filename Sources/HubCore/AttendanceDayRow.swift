/// One employee's attendance on one day, as `core.attendance_days` stores it.
public struct AttendanceDayRow: Sendable, Equatable {
    public var personnelNumber: String
    public var workDate: CalendarDate
    /// The department the employee was in that day (after transfers).
    public var department: String?
    /// Seconds since 1970 UTC.
    public var firstIn: Int64?
    public var lastOut: Int64?
    public var workedMinutes: Int
    /// `present`, `late`, `incomplete`, `absent`, `leave` or `weekend`.
    public var status: String
    public var absenceKind: String?
    public var shiftStart: Int64?
    public var shiftEnd: Int64?
    public var provisional: Bool
    public var punchIDs: [Int64]
    public var explanation: [String]

    public init(personnelNumber: String, workDate: CalendarDate, department: String?, firstIn: Int64?,
                lastOut: Int64?, workedMinutes: Int, status: String, absenceKind: String?, shiftStart: Int64?,
                shiftEnd: Int64?, provisional: Bool, punchIDs: [Int64], explanation: [String]) {
        self.personnelNumber = personnelNumber
        self.workDate = workDate
        self.department = department
        self.firstIn = firstIn
        self.lastOut = lastOut
        self.workedMinutes = workedMinutes
        self.status = status
        self.absenceKind = absenceKind
        self.shiftStart = shiftStart
        self.shiftEnd = shiftEnd
        self.provisional = provisional
        self.punchIDs = punchIDs
        self.explanation = explanation
    }
}
