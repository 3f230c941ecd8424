import HubCore

/// A task as `GetItem` returns it.
public struct EWSTask: Sendable, Equatable {
    public var identity: EWSItemIdentity
    public var subject: String?
    public var body: String?
    /// `NotStarted`, `InProgress`, `Completed`, `WaitingOnOthers`, `Deferred`.
    public var status: String?
    public var percentComplete: Double?
    /// `Low`, `Normal`, `High`.
    public var importance: String?
    public var start: Int64?
    public var due: Int64?
    public var completed: Int64?

    public init?(_ node: XMLElementNode, position: Int) {
        guard let identity = EWSItemIdentity(node, position: position) else { return nil }
        self.identity = identity
        subject = node.value("Subject")
        body = node.value("Body")
        status = node.value("Status")
        percentComplete = node.value("PercentComplete").flatMap(Double.init)
        importance = node.value("Importance")
        start = node.value("StartDate").flatMap(EWSDateTime.seconds)
        due = node.value("DueDate").flatMap(EWSDateTime.seconds)
        completed = node.value("CompleteDate").flatMap(EWSDateTime.seconds)
    }
}
