import Foundation
import HubCore

/// How much of a hostile or broken file CRMHub is willing to hold: the bounds that keep memory and disk use
/// flat whatever arrives.
///
/// Every reader takes one (`InputLimits.default` unless told otherwise). A record that goes past
/// `maxValueBytes` is quarantined with its position and the rest of the file loads; a zipped message that
/// inflates past `maxInflatedBytes` is refused whole. Checking a limit costs a comparison where a reader
/// already stops (a line end, a chunk end, a libxml2 callback), never a pass of its own over the bytes.
public struct InputLimits: Sendable, Hashable {
    /// The largest single value in bytes: an XML text node or attribute, a bank-1c or MT940 line, an MT940
    /// field with its continuation lines. Default 16 MiB: real values are at most a few KiB (a payment
    /// purpose, a product description), so only garbage or an attack reaches it. Memory per reader stays
    /// at about this much, whatever the file holds.
    public var maxValueBytes: Int
    /// The largest size a zipped 1C message may inflate to, in bytes. Default 2 GiB: above the largest real
    /// EnterpriseData message (about 1.5 GB), far below what a zip bomb inflates to. Checked against the size
    /// the archive declares before anything is inflated, and against the bytes written while inflating.
    public var maxInflatedBytes: Int64

    public static let defaultMaxValueBytes = 16 << 20
    public static let defaultMaxInflatedBytes: Int64 = 2 << 30
    /// The limits readers use unless told otherwise: the compiled-in ones, as `CRMHUB_MAX_VALUE_BYTES` and
    /// `CRMHUB_MAX_INFLATED_BYTES` set them. `crmhub` checks those variables when it starts (a bad value is a
    /// configuration error, exit 2), so falling back to the compiled-in limits here never hides a typo.
    public static let `default` = (try? fromEnvironment()) ?? InputLimits()

    /// The environment variables that set the limits (`crmhub` reads them; see `fromEnvironment`).
    public static let maxValueBytesVariable = "CRMHUB_MAX_VALUE_BYTES"
    public static let maxInflatedBytesVariable = "CRMHUB_MAX_INFLATED_BYTES"

    public init(maxValueBytes: Int = InputLimits.defaultMaxValueBytes,
                maxInflatedBytes: Int64 = InputLimits.defaultMaxInflatedBytes) {
        self.maxValueBytes = maxValueBytes
        self.maxInflatedBytes = maxInflatedBytes
    }

    /// The defaults with what `CRMHUB_MAX_VALUE_BYTES` and `CRMHUB_MAX_INFLATED_BYTES` set: a number of bytes,
    /// optionally with a binary unit (`16777216`, `64KiB`, `16MiB`, `2GiB`; `K`, `M`, `G` mean the same).
    /// A value that is not a positive size is a configuration error naming the variable, not a silent default.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(HubError) -> InputLimits
    {
        var limits = InputLimits()
        if let text = environment[maxValueBytesVariable] {
            // Int32-sized offsets inside one XML record rely on a value staying far below 2 GiB.
            limits.maxValueBytes = Int(try size(text, variable: maxValueBytesVariable, maximum: 1 << 30))
        }
        if let text = environment[maxInflatedBytesVariable] {
            limits.maxInflatedBytes = try size(text, variable: maxInflatedBytesVariable, maximum: 1 << 50)
        }
        return limits
    }

    /// Parses `16MiB`-style sizes.
    static func size(_ text: String, variable: String, maximum: Int64) throws(HubError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        var unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        if unit.hasSuffix("ib") { unit.removeLast(2) } else if unit.hasSuffix("b") { unit.removeLast() }
        let shifts: [String: Int64] = ["": 0, "k": 10, "m": 20, "g": 30]
        guard let number = Int64(digits), number > 0, let shift = shifts[unit],
              number <= maximum >> shift
        else {
            throw HubError(.configuration,
                           "\(variable)=\(text.escapingControlCharacters()) is not a size: give a positive number of "
                               + "bytes up to \(describe(maximum)), such as 16777216 or 16MiB")
        }
        return number << shift
    }

    /// `16 MiB`, `2 GiB`, `1.5 KiB`, `300 bytes`: for messages.
    public static func describe(_ bytes: Int64) -> String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= Int64(1) << shift {
            let whole = bytes >> shift
            if whole << shift == bytes { return "\(whole) \(unit)" }
            return String(format: "%.1f \(unit)", Double(bytes) / Double(Int64(1) << shift))
        }
        return "\(bytes) bytes"
    }

    static func describe(_ bytes: Int) -> String { describe(Int64(bytes)) }

    /// The reason a record is quarantined for a value past `maxValueBytes`: `what` names the value
    /// ("line 214", "Товары/Строка[2]/Содержание").
    func valueTooLong(_ what: String, bytes: Int64, atLeast: Bool = false) -> String {
        "\(what) holds \(atLeast ? "at least " : "")\(Self.describe(bytes)) (\(bytes) bytes); one value may hold at "
            + "most \(Self.describe(maxValueBytes)) (\(Self.maxValueBytesVariable))"
    }
}
