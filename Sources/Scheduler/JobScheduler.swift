import CRMWarehouse
import Foundation
import HubCore

/// `crmhub schedule`: fires jobs at their cron times in their own time zones, catches up after downtime as
/// each job says, and keeps runs from overlapping, whichever machine they start on.
///
/// Any number of schedulers may run against one warehouse with no other coordination: each computes the
/// same ticks, and a tick is run once (`JobRunner`: the tick's advisory lock, one `ops.job_runs` row per job
/// and time). Jobs sharing a concurrency key never run at once: a tick that finds its key taken is skipped
/// (`overlap: skip`) or waits for it (`overlap: queue`).
package struct JobScheduler: Sendable {
    package let jobs: [JobDefinition]
    package let warehouse: Warehouse
    /// Run on every batch a job loads (mappings/*.yaml).
    package var qualityTests: [QualityTest] = []
    let now: @Sendable () -> Date
    let sleepUntil: @Sendable (Date) async throws -> Void
    let report: @Sendable (String) -> Void

    /// - Parameters:
    ///   - now, sleepUntil: the clock (tests pass a simulated one).
    package init(jobs: [JobDefinition], warehouse: Warehouse, now: @escaping @Sendable () -> Date = { Date() },
                sleepUntil: @escaping @Sendable (Date) async throws -> Void = JobScheduler.sleep(until:),
                report: @escaping @Sendable (String) -> Void) {
        self.jobs = jobs.filter { $0.schedule != nil }
        self.warehouse = warehouse
        self.now = now
        self.sleepUntil = sleepUntil
        self.report = report
    }

    package static func sleep(until time: Date) async throws {
        let seconds = time.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .seconds(seconds)) }
    }

    /// Runs until cancelled (or until the clock passes `end`). A run in progress when the task is cancelled
    /// (SIGTERM) is finished first: it is not cut in the middle of a step.
    package func run(until end: Date? = nil) async throws {
        let store = JobRunStore(warehouse: warehouse)
        var next: [String: Date] = [:]
        // After downtime: the times missed since each job's last scheduled run, as its catch-up policy says.
        let start = now()
        for job in jobs {
            let schedule = job.schedule!
            // Runs a crashed scheduler left behind are resumed first (one still going elsewhere holds its
            // tick's lock and is left alone).
            for tick in try await store.unfinishedScheduledTimes(of: job.id) {
                report("\(job.id): resuming the run for \(Self.describe(tick, schedule.timeZone)), cut short before")
                await fire(job, at: tick)
            }
            if let last = try await store.lastScheduledTime(of: job.id) {
                for tick in Self.catchUp(job, missedAfter: last, upTo: start) {
                    report("\(job.id): catching up \(Self.describe(tick, schedule.timeZone))")
                    await fire(job, at: tick)
                }
            }
            next[job.id] = schedule.cron.nextFire(after: start, in: schedule.timeZone)
        }
        while !Task.isCancelled {
            guard let (id, tick) = next.compactMapValues({ $0 }).min(by: { $0.value < $1.value }) else {
                report("no job has a fire time ahead; stopping")
                return
            }
            if let end, tick > end { return }
            report("next: \(id) at \(Self.describe(tick, jobs.first { $0.id == id }!.schedule!.timeZone))")
            // In slices of at most five minutes, re-reading the clock each time: a wall clock set back, or a
            // machine suspended and resumed, never makes a job fire early, and a late wake-up is caught up.
            while now() < tick {
                try await sleepUntil(min(tick, now().addingTimeInterval(300)))
            }
            let job = jobs.first { $0.id == id }!
            let schedule = job.schedule!
            // Overslept (a suspended machine, a long run before): the catch-up policy decides what still runs.
            let current = now()
            let missed = Self.fires(of: schedule, after: tick, upTo: current)
            let ticks = missed.isEmpty ? [tick] : Self.catchUp(job, missedAfter: tick, upTo: current, including: tick)
            for due in ticks { await fire(job, at: due) }
            next[id] = schedule.cron.nextFire(after: max(current, ticks.last ?? tick), in: schedule.timeZone)
        }
    }

    /// Runs one tick, honouring the job's overlap policy; the run itself is shielded from cancellation. A run
    /// that cannot even be recorded (the warehouse unreachable) is reported and the scheduler goes on: the
    /// tick stays unrecorded, so the next start of a scheduler catches it up as `catch_up` says.
    func fire(_ job: JobDefinition, at tick: Date) async {
        var configured = JobRunner(warehouse: warehouse, report: report)
        configured.qualityTests = qualityTests
        let runner = configured
        let report = self.report
        let work = Task {
            try await JobRunStore(warehouse: warehouse).withConcurrencyLock(job.concurrencyKey,
                                                                            wait: job.overlap == .queue) { free in
                guard free else {
                    report("\(job.id) \(Self.describe(tick, job.schedule!.timeZone)): skipped, another run of "
                           + "'\(job.concurrencyKey)' is in progress (overlap: skip)")
                    return
                }
                let outcome = try await runner.run(job, scheduledFor: tick, trigger: .schedule)
                report("\(job.id) \(Self.describe(tick, job.schedule!.timeZone)): \(Self.describe(outcome))")
            }
        }
        do {
            try await work.value
        } catch {
            report("\(job.id) \(Self.describe(tick, job.schedule!.timeZone)): could not run: "
                   + "\((error as? HubError)?.description ?? Warehouse.describe(error))")
        }
    }

    /// Fire times of `schedule` strictly after `after`, up to and including `upTo`.
    static func fires(of schedule: JobDefinition.Schedule, after: Date, upTo: Date, limit: Int = 10_000) -> [Date] {
        var times: [Date] = []
        var cursor = after
        while times.count < limit, let time = schedule.cron.nextFire(after: cursor, in: schedule.timeZone),
              time <= upTo {
            times.append(time)
            cursor = time
        }
        return times
    }

    /// The missed times to run, oldest first: none, the latest only, or the latest `max`.
    static func catchUp(_ job: JobDefinition, missedAfter last: Date, upTo now: Date, including first: Date? = nil)
        -> [Date]
    {
        var missed = fires(of: job.schedule!, after: last, upTo: now)
        if let first, !missed.contains(first) { missed.insert(first, at: 0) }
        switch job.catchUp {
        case .none: return []
        case .latestOnly: return missed.last.map { [$0] } ?? []
        case .all(let max): return Array(missed.suffix(max))
        }
    }

    static func describe(_ outcome: JobRunner.Outcome) -> String {
        switch outcome {
        case .succeeded(let run, let quarantined):
            "run \(run) succeeded" + (quarantined > 0 ? ", \(quarantined) record(s) quarantined" : "")
        case .failed(let run, let steps, let pause):
            "run \(run): step(s) \(steps.map(String.init).joined(separator: ", ")) failed"
                + (pause.map { "; the job is now paused after \($0.reason) (crmhub run JOB --unpause)" } ?? "")
        case .paused(let pause): "paused since \(pause.since.formatted(.iso8601)) after \(pause.reason); not run"
        case .alreadySucceeded(let run, _): "already run (run \(run))"
        case .alreadyFailed(let run, _): "ran and failed before (run \(run)); crmhub run --at retries it"
        case .busy: "being run by another scheduler"
        }
    }

    static func describe(_ time: Date, _ zone: TimeZone) -> String {
        localMinute(time, in: zone, showingZone: true)
    }

    /// `2026-11-23 02:30` (with `GMT+5` when `showingZone`): a time as a job's zone shows it, for people.
    package static func localMinute(_ time: Date, in zone: TimeZone, showingZone: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = showingZone ? "yyyy-MM-dd HH:mm zzz" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: time)
    }
}
