import HubCore
/// How a local wall time mapped to an instant.
enum LocalTimeResolution: Sendable, Hashable {
    /// The wall time occurs exactly once.
    case exact
    /// The wall time occurs twice (clocks fall back); the earlier occurrence, under `offsetBefore`, was taken.
    case ambiguous(offsetBefore: Int64, offsetAfter: Int64)
    /// The wall time never occurs (clocks jump forward); it was read with `offsetBefore`, the offset in force
    /// before the jump, which lands as far past the jump as the wall time is past the gap's start.
    case nonexistent(offsetBefore: Int64, offsetAfter: Int64)
}
