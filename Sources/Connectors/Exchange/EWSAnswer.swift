import HubCore

/// An answer of Exchange Web Services, read into its response messages: one per item or operation asked for,
/// each with its `ResponseClass` and `ResponseCode`. A SOAP fault (Exchange sends `ErrorServerBusy` so, with
/// HTTP 500) is one message of class `Error`. Answers are one page (a few hundred items at most), so each is
/// read whole as a tree, through the same DTD-refusing libxml2 reader as every XML input.
public struct EWSAnswer: Sendable {
    public struct Message: Sendable {
        /// The element's name: `FindItemResponseMessage`, `GetItemResponseMessage`, `Fault`, …
        public var name: String
        /// `Success`, `Warning` or `Error`.
        public var responseClass: String
        /// `NoError`, `ErrorServerBusy`, `ErrorIrresolvableConflict`, `ErrorItemNotFound`, …
        public var responseCode: String
        public var messageText: String?
        /// How long Exchange asks to wait before the next request (`BackOffMilliseconds`), when it says.
        public var backOffMilliseconds: Int?
        public var node: XMLElementNode

        public var succeeded: Bool { responseClass != "Error" }
    }

    public var messages: [Message]

    /// Reads an answer's bytes. Throws when they are not a SOAP envelope with a body.
    public static func parse(_ bytes: [UInt8], source: String) throws(HubError) -> EWSAnswer {
        let reader = XMLStreamReader(source: source, recordDepth: 2) { $0 == "Body" }
        var body: XMLElementNode?
        do {
            let collect: (XMLStreamEvent) throws -> Void = { event in
                if case .record(let node, _, _) = event { body = node }
            }
            try bytes.withUnsafeBytes { try reader.parse($0, emit: collect) }
            try reader.finish(emit: collect)
        } catch let error as HubError {
            throw HubError(.remote, "the answer is not well-formed XML: \(error.message)",
                           location: SourceLocation(source: source))
        } catch {
            throw HubError(.remote, "the answer is not well-formed XML: \(error)", location: SourceLocation(source: source))
        }
        guard let body else {
            throw HubError(.remote, "the answer is not a SOAP envelope (no soap:Body)",
                           location: SourceLocation(source: source))
        }
        var messages: [Message] = []
        for operation in body.children {
            if operation.name == "Fault" {
                messages.append(fault(operation))
                continue
            }
            for message in operation["ResponseMessages"]?.children ?? [] {
                messages.append(Message(
                    name: message.name, responseClass: message.attribute("ResponseClass") ?? "Error",
                    responseCode: message.value("ResponseCode") ?? "NoError", messageText: message.value("MessageText"),
                    backOffMilliseconds: backOff(message["MessageXml"]), node: message))
            }
        }
        return EWSAnswer(messages: messages)
    }

    private static func fault(_ node: XMLElementNode) -> Message {
        let detail = node["detail"]
        let code = detail?.value("ResponseCode")
            ?? node.value("faultcode").map { String($0.split(separator: ":").last ?? Substring($0)) } ?? "Fault"
        return Message(name: "Fault", responseClass: "Error", responseCode: code,
                       messageText: detail?.value("Message") ?? node.value("faultstring"),
                       backOffMilliseconds: backOff(detail?["MessageXml"]), node: node)
    }

    private static func backOff(_ messageXML: XMLElementNode?) -> Int? {
        messageXML?.children(named: "Value").first { $0.attribute("Name") == "BackOffMilliseconds" }?.trimmedText
            .flatMap { Int($0) }
    }
}

/// One page of `SyncFolderItems`: the changes, and the state to ask from next.
public struct EWSSyncPage: Sendable, Equatable {
    public enum ChangeKind: String, Sendable {
        case create = "Create"
        case update = "Update"
        case delete = "Delete"
    }

    public struct Change: Sendable, Equatable {
        public var kind: ChangeKind
        public var id: String
        public var changeKey: String?
        /// The `CRMHubId` of a created or updated item (asked for with the changes), when the CRM made it.
        public var crmID: String?

        public init(kind: ChangeKind, id: String, changeKey: String?, crmID: String? = nil) {
            self.kind = kind
            self.id = id
            self.changeKey = changeKey
            self.crmID = crmID
        }
    }

    public var syncState: String
    public var includesLastItemInRange: Bool
    public var changes: [Change]

    /// The page a `SyncFolderItemsResponseMessage` holds (read-flag changes are not changes of content).
    public init?(_ message: XMLElementNode) {
        guard let state = message.value("SyncState") else { return nil }
        syncState = state
        includesLastItemInRange = message.value("IncludesLastItemInRange") != "false"
        changes = []
        for change in message["Changes"]?.children ?? [] {
            guard let kind = ChangeKind(rawValue: change.name) else { continue }
            // A deletion names the item's id; a creation or update holds the item (its id and what was asked).
            if let itemID = change["ItemId"], let id = itemID.attribute("Id") {
                changes.append(Change(kind: kind, id: id, changeKey: itemID.attribute("ChangeKey")))
            } else if let item = change.children.first, let identity = EWSItemIdentity(item, position: 0) {
                changes.append(Change(kind: kind, id: identity.id, changeKey: identity.changeKey,
                                      crmID: identity.crmID))
            }
        }
    }
}

/// What every item Exchange returns has: its id and change key, when it last changed, and the CRM's id when the
/// CRM made it.
public struct EWSItemIdentity: Sendable, Equatable {
    public var id: String
    public var changeKey: String
    public var lastModified: Int64?
    /// The `CRMHubId` extended property.
    public var crmID: String?
    /// Where the item stood in its answer (1-based), for lineage.
    public var position: Int

    public init?(_ item: XMLElementNode, position: Int) {
        guard let itemID = item["ItemId"], let id = itemID.attribute("Id") else { return nil }
        self.id = id
        changeKey = itemID.attribute("ChangeKey") ?? ""
        lastModified = item.value("LastModifiedTime").flatMap(EWSDateTime.seconds)
        crmID = item.children(named: "ExtendedProperty").first {
            $0["ExtendedFieldURI"]?.attribute("PropertyName") == EWSCRMProperty.name
        }?.value("Value")
        self.position = position
    }

    public init(id: String, changeKey: String, lastModified: Int64? = nil, crmID: String? = nil, position: Int = 0) {
        self.id = id
        self.changeKey = changeKey
        self.lastModified = lastModified
        self.crmID = crmID
        self.position = position
    }
}
