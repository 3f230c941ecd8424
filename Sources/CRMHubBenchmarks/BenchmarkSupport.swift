import Foundation
import HubCore

/// Unbuffered, so progress shows up as it happens when the output goes to a file.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func sayError(_ text: String) {
    FileHandle.standardError.write(Data(("error: " + text + "\n").utf8))
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func findTool(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") { return "\(directory)/\(name)" }
    return nil
}

func findPsql() throws(HubError) -> String {
    guard let psql = findTool("psql") else {
        throw HubError(.configuration, "psql not found on PATH (apt-get install -y postgresql-client)")
    }
    return psql
}

/// The `crmhub` built beside this program: the benchmarks time it as a separate process, as a user runs it,
/// so it must come from the same build (release for figures, debug for the smoke tests).
func crmhubBinary() throws(HubError) -> String {
    let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let crmhub = directory.appendingPathComponent("crmhub").path
    guard FileManager.default.isExecutableFile(atPath: crmhub) else {
        throw HubError(.configuration, "\(crmhub) not found: build crmhub first (swift build -c release --product crmhub)")
    }
    return crmhub
}
