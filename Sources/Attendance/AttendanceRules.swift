import HubCore
/// The tunable rules of the engine, as read from `mappings/attendance.yaml`.
package struct AttendanceRules: Sendable, Hashable {
    /// Consecutive punches of the same kind, each at most this many seconds after the previous one of the run, are
    /// one punch (entries keep the first, exits the last). 60 collapses punches exactly 60 s apart but not 61 s.
    /// 0 collapses only identical instants; a negative value collapses nothing.
    package var collapseSeconds: Int
    /// How punches without a direction are read; see `UnknownDirectionPolicy`.
    package var unknownDirection: UnknownDirectionPolicy

    /// The defaults are the documented defaults of `mappings/attendance.yaml`.
    package init(collapseSeconds: Int = 60, unknownDirection: UnknownDirectionPolicy = .alternate) {
        self.collapseSeconds = collapseSeconds
        self.unknownDirection = unknownDirection
    }
}
