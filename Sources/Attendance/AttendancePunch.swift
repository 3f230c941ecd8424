import HubCore
/// One punch as imported from a terminal: who, when (UTC), which way, and from which device.
///
/// The engine never changes or invents punches; every time it reports (`firstIn`, `lastOut`) is the `at` of one of these.
package struct AttendancePunch: Sendable, Hashable {
    /// The warehouse row id, quoted in explanations and in `AttendanceDay.punchIDs`; also breaks ties between punches
    /// with the same instant, so the order of the input never changes a result.
    package let id: Int64
    package let personnelNumber: String
    /// Seconds since 1970-01-01T00:00:00Z.
    package let at: Int64
    package let direction: PunchDirection
    /// The source device, e.g. `zkteco:1` or `skud:Турникет 1`; matched against the keys of the high-water marks.
    package let device: String

    /// Stores the values as given.
    package init(id: Int64, personnelNumber: String, at: Int64, direction: PunchDirection, device: String) {
        self.id = id
        self.personnelNumber = personnelNumber
        self.at = at
        self.direction = direction
        self.device = device
    }
}
