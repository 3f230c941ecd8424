import CRMWarehouse
import Connectors
import HubCore

/// The outcome of importing one source file, for summaries and exit codes.
public struct ImportResult: Sendable {
    public var sourceName: String
    public var sourceKind: String
    public var outcome: BatchOutcome
    public var encoding: TextEncoding
    public var declaredEncoding: String?
    /// The declared encoding (`Кодировка`) disagrees with the bytes; the bytes were trusted.
    public var encodingMismatch: Bool
    /// The first quarantined records (at most `ImportResult.sampleLimit`), to show the user.
    public var quarantineSamples: [QuarantinedRecord]
    public var seconds: Double

    public static let sampleLimit = 10

    public var counts: BatchCounts? {
        if case .loaded(let counts) = outcome { return counts }
        return nil
    }
}
