import Foundation
import HubCore

/// What one small delimited file changed: an HR file, a punch file, a person map, a file of exchange rates.
package struct FileLoadOutcome: Sendable {
    package enum Result: Sendable {
        case loaded(BatchCounts)
        case alreadyLoaded(batchID: Int64, finishedAt: Date?)
    }

    package var result: Result
    package var samples: [QuarantinedRecord] = []

    init(_ batch: BatchResult<[QuarantinedRecord], Never>) {
        switch batch {
        case .loaded(let counts, let samples): self.init(result: .loaded(counts), samples: samples)
        case .alreadyLoaded(let id, let at): self.init(result: .alreadyLoaded(batchID: id, finishedAt: at))
        }
    }

    init(result: Result, samples: [QuarantinedRecord] = []) {
        self.result = result
        self.samples = samples
    }
}
