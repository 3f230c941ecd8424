import CRMWarehouse
import Connectors
import HubCore

/// The outcome of importing one source file, for summaries and exit codes.
package struct ImportResult: Sendable {
    package var sourceName: String
    package var sourceKind: String
    package var outcome: BatchOutcome
    package var encoding: TextEncoding
    package var declaredEncoding: String?
    /// The declared encoding (`Кодировка`) disagrees with the bytes; the bytes were trusted.
    package var encodingMismatch: Bool
    /// The first quarantined records (at most `ImportResult.sampleLimit`), to show the user.
    package var quarantineSamples: [QuarantinedRecord]
    package var seconds: Double

    package static let sampleLimit = 10

    package var counts: BatchCounts? {
        if case .loaded(let counts) = outcome { return counts }
        return nil
    }
}
