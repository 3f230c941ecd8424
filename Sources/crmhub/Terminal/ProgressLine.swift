import Foundation
import Ingest
import Synchronization

/// Shows how a long import is going: a live line with rate and ETA on a terminal, a plain log line every
/// few seconds otherwise (cron mails and CI logs stay readable).
final class ProgressLine: Sendable {
    private let lastShown = Mutex<Double>(-1)
    private let interval: Double

    init() {
        interval = Terminal.isInteractive ? 0.2 : 5
    }

    func handler() -> ImportProgressHandler {
        { [self] progress in self.show(progress) }
    }

    private func show(_ progress: ImportProgress) {
        let due = lastShown.withLock { last -> Bool in
            guard progress.elapsed - last >= interval || progress.bytesDone == progress.bytesTotal else { return false }
            last = progress.elapsed
            return true
        }
        guard due, progress.elapsed > 0.5 else { return }
        if progress.phase == .scanning {
            let line = String(format: "%@: checking the file %3.0f%%", progress.source, progress.fraction * 100)
            if Terminal.isInteractive { Terminal.status(line) } else { Terminal.info(line) }
            return
        }
        let rate = Double(progress.records) / max(progress.elapsed, 0.001)
        let remaining = progress.fraction > 0 ? progress.elapsed * (1 - progress.fraction) / progress.fraction : 0
        let line = String(format: "%@: %3.0f%%  %@ records  %@ records/s  ETA %.0fs", progress.source,
                          progress.fraction * 100, Terminal.grouped(progress.records),
                          Terminal.grouped(Int(rate)), remaining)
        if Terminal.isInteractive {
            Terminal.status(line)
        } else {
            Terminal.info(line)
        }
    }
}
