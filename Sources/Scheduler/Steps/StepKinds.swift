/// The one list of step kinds. A new kind of step is one file with its `StepKind` and `JobStep`, and its line
/// here.
enum StepKinds {
    static let all: [any StepKind] = [
        ImportStepKind(), ExportStepKind(), ReconcileStepKind(), RefreshStepKind(), ReportStepKind(),
        AttendanceStepKind(), LoanArrearsStepKind(),
    ]

    static var ids: [String] { all.map(\.id) }

    static func named(_ id: String) -> (any StepKind)? {
        all.first { $0.id == id }
    }
}
