import CRMWarehouse
import Foundation
import HubCore

/// What importing one unit did, the same for every source kind: what `crmhub import` prints, what a job step
/// counts, what the data-quality tests run on.
package struct ImportReport: Sendable {
    package enum Outcome: Sendable, Equatable {
        /// Loaded as `batchID` (perhaps with nothing new in it: every record a duplicate).
        case loaded
        /// The same content was loaded before (as `batchID`); nothing changed.
        case alreadyLoaded(finishedAt: Date?)
        /// Recognised and recorded (as `batchID`), deliberately not applied: a 1C message already accepted.
        case ignored(reason: String)
    }

    package var kind: String
    package var unit: SourceUnit
    package var outcome: Outcome
    package var batchID: Int64
    package var read = 0
    package var loaded = 0
    package var duplicate = 0
    package var quarantined = 0
    /// Records of types the kind does not map (kept in `raw`, say).
    package var skipped = 0
    /// The kind's own words on the unit, after its batch number: `cp1251`, `message 42 from BP (format 1.17)`.
    package var headline: String
    /// Lines of kind-specific detail (changes per kind of object, say).
    package var details: [String] = []
    /// Things the person should know although the load succeeded (a declared encoding the bytes contradict).
    package var warnings: [String] = []
    /// The names of the data-quality tests of severity `error` that failed on the loaded batch (its data stays; the unit
    /// counts as failed, in a job and by hand alike). `QualityTest.check`.
    package var failedQualityTests: [String] = []
    /// The first quarantined records, at most `sampleLimit`.
    package var quarantineSamples: [QuarantinedRecord] = []
    package var seconds: Double

    package static let sampleLimit = 10

    package init(kind: String, unit: SourceUnit, outcome: Outcome, batchID: Int64, headline: String, seconds: Double) {
        self.kind = kind
        self.unit = unit
        self.outcome = outcome
        self.batchID = batchID
        self.headline = headline
        self.seconds = seconds
    }

    /// The report of a unit that loaded as `counts.batchID`, with its counts and first quarantined records.
    package init(kind: String, unit: SourceUnit, loaded counts: BatchCounts, headline: String, seconds: Double,
                 quarantineSamples: [QuarantinedRecord]) {
        self.init(kind: kind, unit: unit, outcome: .loaded, batchID: counts.batchID, headline: headline,
                  seconds: seconds)
        read = counts.read
        loaded = counts.loaded
        duplicate = counts.duplicate
        quarantined = counts.quarantined
        skipped = counts.skipped
        self.quarantineSamples = quarantineSamples
    }

    /// The report of a small delimited file's load (HR files, punches, exchange rates).
    package init(kind: String, unit: SourceUnit, file outcome: FileLoadOutcome, headline: String, seconds: Double) {
        switch outcome.result {
        case .alreadyLoaded(let batchID, let finishedAt):
            self.init(kind: kind, unit: unit, outcome: .alreadyLoaded(finishedAt: finishedAt), batchID: batchID,
                      headline: headline, seconds: seconds)
        case .loaded(let counts):
            self.init(kind: kind, unit: unit, loaded: counts, headline: headline, seconds: seconds,
                      quarantineSamples: outcome.samples)
        }
    }

    /// The batch to run data-quality tests on: one that loaded.
    package var loadedBatch: Int64? { outcome == .loaded ? batchID : nil }

    /// What a person reads about this unit, one line each (the CLI prints them; so does the demo).
    package var lines: [String] {
        let name = unit.name
        switch outcome {
        case .alreadyLoaded where batchID == 0:
            // A sync that found nothing to load (no batch at all), with what it looked at.
            return ["\(name): \(headline): nothing changed"] + details.map { "  " + $0 }
        case .alreadyLoaded(let finishedAt):
            let when = finishedAt.map { " on \($0.formatted(.iso8601))" } ?? ""
            return ["\(name): already loaded as batch \(batchID)\(when); nothing changed"]
        case .ignored(let reason):
            return ["\(name): \(reason); not applied again (batch \(batchID), ignored)"]
        case .loaded:
            var lines = ["\(name): batch \(batchID), \(headline): read \(read), loaded \(loaded), duplicates "
                         + "\(duplicate), quarantined \(quarantined)" + (skipped > 0 ? ", skipped \(skipped)" : "")
                         + String(format: " in %.2f s", seconds)]
            lines += details.map { "  " + $0 }
            for sample in quarantineSamples {
                let path = sample.path.map { "\($0): " } ?? ""
                lines.append("  quarantined \(name):\(sample.line): \(path)\(sample.reason)")
            }
            if quarantined > quarantineSamples.count {
                lines.append("  … and \(quarantined - quarantineSamples.count) more: "
                             + "SELECT * FROM ops.quarantine WHERE batch_id = \(batchID)")
            }
            return lines
        }
    }
}
