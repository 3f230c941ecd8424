import HubConfiguration
import Foundation
import Yams

/// One kind of job step (`import`, `export`, `reconcile`, `refresh`, `report`): its key in a job file, what it
/// does, the settings it takes, and how to read them into a step that runs. `StepKinds.all` lists them; the job
/// loader, the runner, `crmhub validate` and docs/jobs.md read that list, as they read `SourceKinds` for sources.
protocol StepKind: Sendable {
    /// The step's key in a job file: `- import: {kind: …, path: …}`.
    var id: String { get }
    /// One line for docs/jobs.md and messages.
    var summary: String { get }
    /// The settings it always takes (an import step adds its source kind's options).
    var keys: [String] { get }
    /// Reads the step's settings at `node`; nil when they have errors, each reported to `reader` with its place.
    func read(_ node: Node, place: String, reader: inout ConfigReader) -> (any JobStep)?
}

/// One step of a job as its file configured it, ready to run.
package protocol JobStep: Sendable {
    /// Its kind's id (`StepKind.id`), as `ops.job_steps.kind` records it.
    var kind: String { get }
    /// What it works on, for people: `1c-enterprisedata samples/1c/Message_*.xml`, `bank-days → reports/…`.
    var target: String { get }
    /// Runs the step once; its counts and what failed, never a thrown error (one failing step does not stop
    /// the job's others).
    func run(_ run: StepRun) async -> StepOutcome
}
