import HubCore
/// The verdict for one attendance day, stored as its raw value.
package enum AttendanceStatus: String, Sendable, Hashable, CaseIterable {
    /// Complete in/out pairs, first entry not after start + grace.
    case present
    /// Complete in/out pairs, first entry strictly after start + grace.
    case late
    /// Punches exist but do not form entry/exit pairs (or an unknown direction under the `incomplete` policy); 0 minutes.
    case incomplete
    /// A shift starts that day and no punch fell in its window.
    case absent
    /// The day lies within an absence span.
    case leave
    /// No shift starts that day.
    case weekend
}
