import HubConfiguration
import Foundation
import HubCore
import Yams

/// Reads `jobs/*.yaml` into `JobDefinition`s, reporting every problem of a file at once (`ConfigDiagnostic`).
package enum JobFileLoader {
    static let topLevelKeys = [
        "version", "id", "description", "schedule", "catch_up", "overlap", "concurrency_key", "timeout", "retry",
        "pause_after_failures", "steps",
    ]

    /// The job in `text` (from `file`), or nil when it has errors; the diagnostics either way.
    package static func load(_ text: String, file: String) -> (JobDefinition?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let job = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : job, reader.diagnostics)
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> JobDefinition? {
        guard let root = reader.root(of: text) else { return nil }
        Secrets.check(root, reader: &reader)
        guard let entries = reader.mapping(root, known: topLevelKeys, in: "a job file") else { return nil }
        let place = "a job file"
        if let version = reader.required("version", in: entries, parent: root, place: place),
           reader.integer(version, "version", atLeast: 1) != nil, version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads job files of version 1")
        }
        let idNode = reader.required("id", in: entries, parent: root, place: place)
        let id = reader.string(idNode, "id") ?? ""
        if !id.isEmpty, id.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) == nil {
            reader.error(at: idNode, "id must be lower-case letters, digits, '-' and '_' (it names the job's runs)")
        }
        var job = JobDefinition(id: id, concurrencyKey: id, steps: [], file: reader.file)
        job.description = reader.string(entries["description"]?.value, "description")
        if let node = entries["schedule"]?.value { job.schedule = schedule(node, reader: &reader) }
        if let node = entries["catch_up"]?.value, let catchUp = catchUp(node, reader: &reader) { job.catchUp = catchUp }
        if let overlap = reader.choice(entries["overlap"]?.value, "overlap", allowed: ["skip", "queue"]) {
            job.overlap = JobDefinition.Overlap(rawValue: overlap)!
        }
        job.concurrencyKey = reader.string(entries["concurrency_key"]?.value, "concurrency_key") ?? id
        job.timeout = reader.duration(entries["timeout"]?.value, "timeout") ?? job.timeout
        if let node = entries["retry"]?.value { job.retry = retry(node, reader: &reader) }
        job.pauseAfterFailures = reader.integer(entries["pause_after_failures"]?.value, "pause_after_failures",
                                                atLeast: 1) ?? job.pauseAfterFailures
        if let node = reader.required("steps", in: entries, parent: root, place: place) {
            job.steps = steps(node, reader: &reader)
        }
        return job
    }

    private static func schedule(_ node: Node, reader: inout ConfigReader) -> JobDefinition.Schedule? {
        guard let entries = reader.mapping(node, known: ["cron", "timezone"], in: "schedule") else { return nil }
        let cronNode = reader.required("cron", in: entries, parent: node, place: "schedule")
        let zoneNode = reader.required("timezone", in: entries, parent: node, place: "schedule")
        var cron: CronSchedule?
        if let text = reader.string(cronNode, "cron") {
            do {
                cron = try CronSchedule(parsing: text)
            } catch {
                // Point into the expression: its first character is one column after a plain scalar's start.
                let mark = cronNode?.mark
                let quoted = cronNode?.scalar?.style == .doubleQuoted || cronNode?.scalar?.style == .singleQuoted
                reader.report(at: mark.map { ($0.line, $0.column + error.column - 1 + (quoted ? 1 : 0)) },
                              "cron: \(error.message)")
            }
        }
        let zone = reader.timeZone(zoneNode, "timezone")
        guard let cron, let zone else { return nil }
        return JobDefinition.Schedule(cron: cron, timeZone: zone)
    }

    private static func catchUp(_ node: Node, reader: inout ConfigReader) -> JobDefinition.CatchUp? {
        if node.scalar != nil {
            switch reader.choice(node, "catch_up", allowed: ["latest_only", "none", "all"]) {
            case "latest_only": return .latestOnly
            case "none": return JobDefinition.CatchUp.none
            case "all":
                reader.error(at: node, "catch_up 'all' needs a limit: write `catch_up: {policy: all, max: 5}`")
                return nil
            default: return nil
            }
        }
        guard let entries = reader.mapping(node, known: ["policy", "max"], in: "catch_up") else { return nil }
        let policy = reader.choice(reader.required("policy", in: entries, parent: node, place: "catch_up"),
                                   "catch_up policy", allowed: ["latest_only", "none", "all"])
        let max = reader.integer(entries["max"]?.value, "catch_up max", atLeast: 1)
        switch policy {
        case "all":
            guard let max else {
                reader.error(at: node, "catch_up 'all' needs 'max' (how many missed runs to make up at most)")
                return nil
            }
            return .all(max: max)
        case "latest_only", "none":
            if let maxNode = entries["max"]?.key { reader.error(at: maxNode, "'max' goes with policy 'all' only") }
            return policy == "none" ? JobDefinition.CatchUp.none : .latestOnly
        default:
            return nil
        }
    }

    private static func retry(_ node: Node, reader: inout ConfigReader) -> JobDefinition.Retry {
        var retry = JobDefinition.Retry()
        guard let entries = reader.mapping(node, known: ["attempts", "backoff", "max_backoff", "jitter"],
                                           in: "retry") else { return retry }
        retry.attempts = reader.integer(entries["attempts"]?.value, "retry attempts", atLeast: 1) ?? retry.attempts
        retry.backoff = reader.duration(entries["backoff"]?.value, "retry backoff") ?? retry.backoff
        retry.maxBackoff = reader.duration(entries["max_backoff"]?.value, "retry max_backoff") ?? retry.maxBackoff
        retry.jitter = reader.fraction(entries["jitter"]?.value, "retry jitter") ?? retry.jitter
        if retry.maxBackoff < retry.backoff, let node = entries["max_backoff"]?.value {
            reader.error(at: node, "retry max_backoff is shorter than backoff")
        }
        return retry
    }

    private static func steps(_ node: Node, reader: inout ConfigReader) -> [any JobStep] {
        guard let sequence = node.sequence, !sequence.isEmpty else {
            reader.error(at: node, "steps must be a list with at least one step")
            return []
        }
        var steps: [any JobStep] = []
        for (index, stepNode) in sequence.enumerated() {
            let place = "step \(index + 1)"
            guard let entries = reader.mapping(stepNode, known: StepKinds.ids, in: place) else { continue }
            guard entries.count == 1, let (id, entry) = entries.first, let kind = StepKinds.named(id) else {
                if entries.count > 1 {
                    reader.error(at: stepNode, "\(place) names \(entries.count) kinds of step; give each its own item")
                } else if stepNode.mapping?.isEmpty != false {
                    reader.error(at: stepNode, "\(place) is empty: it needs one of "
                                     + StepKinds.ids.joined(separator: ", "))
                }
                continue
            }
            if let step = kind.read(entry.value, place: "\(place) (\(id))", reader: &reader) {
                steps.append(step)
            }
        }
        return steps
    }
}

extension ConfigReader {
    /// An error at an explicit position (a column inside a scalar), or at the top of the file.
    mutating func report(at position: (line: Int, column: Int)?, _ message: String) {
        let place = position ?? (1, 1)
        appendDiagnostic(ConfigDiagnostic(file: file, line: place.line, column: place.column, message: message))
    }
}
