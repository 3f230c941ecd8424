import HubCore
/// The punches of one shift instance after resolving unknown directions and collapsing duplicates, and what they add
/// up to: entry/exit pairs, or the reasons they do not pair.
struct PunchSequence: Sendable {
    /// A punch as the sequence reads it.
    struct ReadPunch: Sendable, Hashable {
        let punch: AttendancePunch
        /// Nil only for an unknown direction under `UnknownDirectionPolicy.incomplete`.
        let kind: PunchKind?
        /// Set when the kind came from `UnknownDirectionPolicy.alternate` rather than from the terminal.
        let kindWasGuessed: Bool
        /// The id of the punch this one collapsed into, if it did.
        let collapsedInto: Int64?
    }

    /// Why the kept punches do not form entry, exit, entry, exit … pairs.
    enum Problem: Sendable, Hashable {
        case unknownDirection(AttendancePunch)
        case startsWithExit(AttendancePunch)
        case twoInARow(PunchKind, AttendancePunch, AttendancePunch)
        case endsWithEntry(AttendancePunch)
    }

    /// Every punch of the instance in time order (ties by id), each with how it was read.
    let read: [ReadPunch]
    /// The punches left after collapsing, with their kinds, in time order; unknown punches under the `incomplete`
    /// policy are not among them.
    let kept: [(punch: AttendancePunch, kind: PunchKind)]
    let problems: [Problem]

    /// `punches` must already be in time order, ties by id.
    init(punches: [AttendancePunch], rules: AttendanceRules) {
        // A run is a stretch of same-kind punches each within collapseSeconds of the one before it.
        struct Run {
            let kind: PunchKind
            var members: [AttendancePunch]
            var kept: AttendancePunch? { kind == .entry ? members.first : members.last }
        }
        var runs: [Run] = []
        var guessed: Set<Int64> = []
        var unknown: [AttendancePunch] = []
        for punch in punches {
            let kind: PunchKind
            if let stated = punch.direction.kind {
                kind = stated
            } else if rules.unknownDirection == .alternate {
                // The previous kept punch has the kind of the last run whichever member of it ends up kept.
                kind = runs.last?.kind.opposite ?? .entry
                guessed.insert(punch.id)
            } else {
                unknown.append(punch)
                continue
            }
            if let last = runs.last, last.kind == kind, let previous = last.members.last,
               punch.at - previous.at <= Int64(rules.collapseSeconds) {
                runs[runs.count - 1].members.append(punch)
            } else {
                runs.append(Run(kind: kind, members: [punch]))
            }
        }

        var collapsedInto: [Int64: Int64] = [:]
        var kindOf: [Int64: PunchKind] = [:]
        var kept: [(punch: AttendancePunch, kind: PunchKind)] = []
        for run in runs {
            guard let keeper = run.kept else { continue }
            kept.append((keeper, run.kind))
            for member in run.members {
                kindOf[member.id] = run.kind
                if member.id != keeper.id { collapsedInto[member.id] = keeper.id }
            }
        }
        self.kept = kept
        self.read = punches.map { punch in
            ReadPunch(
                punch: punch, kind: kindOf[punch.id], kindWasGuessed: guessed.contains(punch.id),
                collapsedInto: collapsedInto[punch.id])
        }

        var problems = unknown.map(Problem.unknownDirection)
        if let first = kept.first, first.kind == .exit {
            problems.append(.startsWithExit(first.punch))
        }
        for (previous, next) in zip(kept, kept.dropFirst()) where previous.kind == next.kind {
            // Runs only split between same kinds when the gap exceeds collapseSeconds; that is a real repeat.
            problems.append(.twoInARow(next.kind, previous.punch, next.punch))
        }
        if let last = kept.last, last.kind == .entry {
            problems.append(.endsWithEntry(last.punch))
        }
        self.problems = problems
    }

    /// The entry→exit pairs; only meaningful when `problems` is empty (then `kept` alternates, entry first).
    var pairs: [(entry: AttendancePunch, exit: AttendancePunch)] {
        stride(from: 0, to: kept.count - 1, by: 2).map { (kept[$0].punch, kept[$0 + 1].punch) }
    }

    /// The first entry among the real punches, kept or not (the first of a collapsed entry run is the kept one).
    var firstEntry: AttendancePunch? { kept.first { $0.kind == .entry }?.punch }

    /// The last exit among the real punches (the last of a collapsed exit run is the kept one).
    var lastExit: AttendancePunch? { kept.last { $0.kind == .exit }?.punch }
}
