import HubCore
/// What to do with a punch whose terminal did not record a direction (`PunchDirection.unknown`).
package enum UnknownDirectionPolicy: String, Sendable, Hashable, CaseIterable {
    /// The punch takes the opposite kind of the previous kept punch of the same shift instance (the first punch of a
    /// shift, if unknown, is an entry). Suits devices that never send a direction, such as a single turnstile reader.
    /// A quick double tap on such a device therefore reads as entry then exit, not as a duplicate.
    case alternate
    /// Any unknown-direction punch in a shift instance makes the day `incomplete` with 0 minutes, for sites where a
    /// missing direction means a misconfigured terminal and HR wants to look rather than guess.
    case incomplete
}
