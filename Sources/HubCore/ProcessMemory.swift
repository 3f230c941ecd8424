import Foundation

/// This process's memory as the kernel counts it, for the phase logs of long runs: which phase made the peak.
package enum ProcessMemory {
    /// The peak resident set so far, in MiB (`getrusage`: what the benchmarks report from `wait4`).
    package static var peakResidentMiB: Int {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return usage.ru_maxrss / 1024
    }

    /// The resident set now, in MiB (`/proc/self/statm`); 0 where there is no procfs.
    package static var residentMiB: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / (1 << 20)
    }
}
