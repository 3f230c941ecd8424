import Connectors
import Foundation
import HubCore
import Synchronization

/// An Exchange mailbox behind a real SOAP endpoint on 127.0.0.1 (served by `LocalHTTPServer`), speaking the EWS
/// operations CRMHub uses with answers shaped as Exchange 2016's (and the shared samples): FindItem with a
/// CalendarView (cut short past MaxEntriesReturned), GetItem, SyncFolderItems from a sync state, CreateItem,
/// UpdateItem (refused with ErrorIrresolvableConflict for a stale change key), DeleteItem. It checks the
/// credentials, can answer ErrorServerBusy with a back-off, and records every operation for the tests.
///
/// It stands in for the customer's Exchange in the protocol tests and in `crmhub demo`, where no Exchange is
/// reachable: CRMHub's own EWS client talks to it over HTTP exactly as to Exchange. The demo keeps the mailbox in
/// a file (`stateFile`) so that a second run finds what the first one pushed, as a real mailbox would.
package final class LocalExchangeServer: Sendable {
    package struct Attendee: Sendable, Codable {
        package var name: String
        package var email: String
        package var response: String
        package var optional = false

        package init(name: String, email: String, response: String, optional: Bool = false) {
            (self.name, self.email, self.response, self.optional) = (name, email, response, optional)
        }
    }

    /// One item of the mailbox: a calendar item (single, occurrence or exception, as a CalendarView returns
    /// them), a contact or a task. `fields` are elements by name (`Subject`, `Start`, `CompanyName`, …).
    package struct Item: Sendable, Codable {
        package var id: String
        package var version = 1
        package var folder: EWSFolder
        package var fields: [String: String]
        package var emails: [String: String] = [:]
        package var phones: [String: String] = [:]
        package var attendees: [Attendee] = []
        package var organizer: Attendee?
        package var crmID: String?
        package var lastModified: Int64
        /// Occurrences come only from a CalendarView; SyncFolderItems reports their series, not them.
        package var isOccurrence: Bool { fields["CalendarItemType"] == "Occurrence" }
        package var changeKey: String { "CK-\(id)-\(version)" }

        package init(id: String, folder: EWSFolder, fields: [String: String], emails: [String: String] = [:],
                     phones: [String: String] = [:], attendees: [Attendee] = [], organizer: Attendee? = nil,
                     lastModified: Int64) {
            (self.id, self.folder, self.fields, self.emails, self.phones) = (id, folder, fields, emails, phones)
            (self.attendees, self.organizer, self.lastModified) = (attendees, organizer, lastModified)
        }
    }

    package struct Change: Sendable, Codable {
        var sequence: Int
        var id: String
        var folder: EWSFolder
        var deleted: Bool
    }

    package struct State: Sendable, Codable {
        var items: [String: Item] = [:]
        var order: [String] = []
        var changes: [Change] = []
        var sequence = 0
        var nextID = 1
        /// Answers ErrorServerBusy to this many requests first.
        package var busyRequests = 0
        /// Every operation asked for, in order (`FindItem`, `CreateItem`, …).
        package var operations: [String] = []
        package var impersonated: [String] = []
        /// Exchange's clock: the LastModifiedTime of what changes next.
        package var now: Int64 = 1_741_600_000
    }

    package let state: Mutex<State>
    package let mailbox: String
    let authorization: String
    /// Where the mailbox is kept between runs (JSON), when it is.
    let stateFile: String?

    /// A mailbox that answers requests carrying `authorization` (the whole header, `Basic …`); kept in
    /// `stateFile` when given, and read back from it when it exists.
    package init(mailbox: String, authorization: String, stateFile: String? = nil) throws {
        self.mailbox = mailbox
        self.authorization = authorization
        self.stateFile = stateFile
        var kept = State()
        if let stateFile, let data = FileManager.default.contents(atPath: stateFile) {
            do {
                kept = try JSONDecoder().decode(State.self, from: data)
            } catch {
                throw LocalServerError(message: "\(stateFile) is not a mailbox this server wrote (\(error)): delete it "
                                       + "to start from the samples again")
            }
            kept.operations = []
            kept.impersonated = []
        }
        state = Mutex(kept)
    }

    package var isEmpty: Bool { state.withLock { $0.items.isEmpty } }
    package var operations: [String] { state.withLock { $0.operations } }
    /// The operations that change the mailbox.
    package var writes: [String] { operations.filter { ["CreateItem", "UpdateItem", "DeleteItem"].contains($0) } }
    package func item(_ id: String) -> Item? { state.withLock { $0.items[id] } }
    package func items(_ folder: EWSFolder) -> [Item] {
        state.withLock { state in state.order.compactMap { state.items[$0] }.filter { $0.folder == folder } }
    }

    // MARK: What happens in Outlook

    @discardableResult
    package func add(_ item: Item) -> String {
        changing { state in
            state.items[item.id] = item
            state.order.append(item.id)
            log(&state, item.id, item.folder, deleted: false)
        }
        return item.id
    }

    package func edit(_ id: String, at time: Int64, _ change: (inout Item) -> Void) {
        changing { state in
            guard var item = state.items[id] else { return }
            change(&item)
            item.version += 1
            item.lastModified = time
            state.items[id] = item
            log(&state, id, item.folder, deleted: false)
        }
    }

    package func delete(_ id: String) {
        changing { state in
            guard let item = state.items.removeValue(forKey: id) else { return }
            state.order.removeAll { $0 == id }
            log(&state, id, item.folder, deleted: true)
        }
    }

    /// Adds every item of a GetItem response (`t:CalendarItem`, `t:Contact`, `t:Task` with their ids, fields,
    /// organizer, attendees, e-mail addresses and phones), as Exchange itself answered it: the demo's mailbox is
    /// the samples' EWS answers.
    package func add(getItemResponse path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let envelope = Self.envelope(String(decoding: data, as: UTF8.self)), let body = envelope.body else {
            throw LocalServerError(message: "\(path): not a readable EWS response")
        }
        var lists: [XMLElementNode] = []
        func walk(_ node: XMLElementNode) {
            if node.name == "Items" { lists.append(node) } else { node.children.forEach(walk) }
        }
        walk(body)
        for node in lists.flatMap(\.children) {
            guard let folder = EWSFolder.allCases.first(where: { $0.itemElement == node.name }),
                  let id = node["ItemId"]?.attribute("Id") else { continue }
            var item = Item(id: id, folder: folder, fields: [:], lastModified:
                                node.value("LastModifiedTime").flatMap(EWSDateTime.seconds) ?? state.withLock { $0.now })
            apply(node, to: &item)
            for name in ["ItemId", "LastModifiedTime", "Organizer", "OptionalAttendees"] { item.fields[name] = nil }
            item.organizer = node["Organizer"].map { Self.attendee($0, response: "Organizer") }
            item.attendees = ["RequiredAttendees", "OptionalAttendees"].flatMap { list in
                (node[list]?.children(named: "Attendee") ?? []).map {
                    Attendee(name: $0.value("Mailbox", "Name") ?? "", email: $0.value("Mailbox", "EmailAddress") ?? "",
                             response: $0.value("ResponseType") ?? "Unknown", optional: list == "OptionalAttendees")
                }
            }
            add(item)
        }
    }

    private static func attendee(_ node: XMLElementNode, response: String) -> Attendee {
        Attendee(name: node.value("Mailbox", "Name") ?? "", email: node.value("Mailbox", "EmailAddress") ?? "",
                 response: response)
    }

    private func log(_ state: inout State, _ id: String, _ folder: EWSFolder, deleted: Bool) {
        if state.items[id]?.isOccurrence == true { return }
        state.sequence += 1
        state.changes.append(Change(sequence: state.sequence, id: id, folder: folder, deleted: deleted))
    }

    /// Changes the mailbox, then keeps it in `stateFile` (written beside and renamed, so a killed run leaves
    /// the last whole mailbox).
    private func changing<T>(_ change: (inout State) -> T) -> T {
        state.withLock { state in
            let result = change(&state)
            if let stateFile, let data = try? JSONEncoder().encode(state) {
                let temporary = stateFile + ".tmp"
                if FileManager.default.createFile(atPath: temporary, contents: data) {
                    _ = rename(temporary, stateFile)
                }
            }
            return result
        }
    }

    // MARK: The SOAP endpoint

    package func answer(_ request: LocalHTTPServer.Received) -> LocalHTTPServer.Answer {
        guard request.path == "/EWS/Exchange.asmx", request.method == "POST" else {
            return .init(status: .notFound, contentType: "text/plain", body: "")
        }
        guard request.authorization == authorization else {
            return .init(status: .unauthorized, contentType: "text/plain", body: "401 Unauthorized")
        }
        guard let envelope = Self.envelope(request.body), let body = envelope.body,
              let operation = body.children.first else {
            return .init(status: .badRequest, contentType: "text/plain", body: "not a SOAP request")
        }
        let busy = state.withLock { state -> Bool in
            state.operations.append(operation.name)
            if let smtp = envelope.impersonated { state.impersonated.append(smtp) }
            guard state.busyRequests > 0 else { return false }
            state.busyRequests -= 1
            return true
        }
        if busy { return .init(status: .internalServerError, contentType: Self.xml, body: Self.busyFault) }
        for mailboxAddress in Self.mailboxes(in: operation) where mailboxAddress.lowercased() != mailbox {
            return messages(operation.name, [error("ErrorNonExistentMailbox", "No mailbox \(mailboxAddress)")])
        }
        switch operation.name {
        case "FindItem": return findItem(operation)
        case "GetItem": return getItem(operation)
        case "SyncFolderItems": return syncFolderItems(operation)
        case "CreateItem": return createItem(operation)
        case "UpdateItem": return updateItem(operation)
        case "DeleteItem": return deleteItem(operation)
        default: return messages(operation.name, [error("ErrorInvalidRequest", "not served here")])
        }
    }

    private func findItem(_ operation: XMLElementNode) -> LocalHTTPServer.Answer {
        guard let view = operation["CalendarView"], let start = view.attribute("StartDate").flatMap(EWSDateTime.seconds),
              let end = view.attribute("EndDate").flatMap(EWSDateTime.seconds) else {
            return messages("FindItem", [error("ErrorInvalidRequest", "a CalendarView is required here")])
        }
        let limit = view.attribute("MaxEntriesReturned").flatMap { Int($0) } ?? Int.max
        let inView = items(.calendar).filter { item in
            guard let itemStart = item.fields["Start"].flatMap(EWSDateTime.seconds),
                  let itemEnd = item.fields["End"].flatMap(EWSDateTime.seconds) else { return false }
            return itemEnd > start && itemStart < end
        }.sorted { ($0.fields["Start"] ?? "") < ($1.fields["Start"] ?? "") }
        let shown = inView.prefix(limit)
        let found = """
            <m:RootFolder TotalItemsInView="\(inView.count)" IncludesLastItemInRange="\(shown.count == inView.count)">\
            <t:Items>\(shown.map { xml($0, full: false) }.joined())</t:Items></m:RootFolder>
            """
        return messages("FindItem", [success(found)])
    }

    private func getItem(_ operation: XMLElementNode) -> LocalHTTPServer.Answer {
        let ids = operation["ItemIds"]?.children(named: "ItemId").compactMap { $0.attribute("Id") } ?? []
        return messages("GetItem", ids.map { id in
            guard let item = item(id) else { return error("ErrorItemNotFound", "The specified object was not found.") }
            return success("<m:Items>\(xml(item, full: true))</m:Items>")
        })
    }

    private func syncFolderItems(_ operation: XMLElementNode) -> LocalHTTPServer.Answer {
        guard let folderName = operation["SyncFolderId"]?["DistinguishedFolderId"]?.attribute("Id"),
              let folder = EWSFolder(rawValue: folderName) else {
            return messages("SyncFolderItems", [error("ErrorInvalidRequest", "a distinguished folder is required")])
        }
        var since = 0
        if let text = operation.value("SyncState") {
            guard text.hasPrefix("state-"), let number = Int(text.dropFirst(6)) else {
                return messages("SyncFolderItems", [error("ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid.")])
            }
            since = number
        }
        let limit = operation.value("MaxChangesReturned").flatMap { Int($0) } ?? 512
        let body = state.withLock { state -> String in
            let pending = state.changes.filter { $0.folder == folder && $0.sequence > since }
            // At most `limit` changes; each item's latest among them.
            let page = Array(pending.prefix(limit))
            let complete = pending.count <= limit
            let last = complete ? state.sequence : page.last!.sequence
            var latest: [String: Change] = [:]
            var order: [String] = []
            for change in page {
                if latest[change.id] == nil { order.append(change.id) }
                latest[change.id] = change
            }
            var xmlChanges = ""
            for id in order {
                let change = latest[id]!
                let createdBefore = state.changes.contains { $0.id == id && $0.sequence <= since }
                if change.deleted {
                    if createdBefore { xmlChanges += "<t:Delete><t:ItemId Id=\"\(id)\"/></t:Delete>" }
                } else if let item = state.items[id] {
                    let kind = createdBefore ? "Update" : "Create"
                    xmlChanges += "<t:\(kind)>\(xml(item, full: false, idOnly: true))</t:\(kind)>"
                }
            }
            return """
                <m:SyncState>state-\(last)</m:SyncState>\
                <m:IncludesLastItemInRange>\(complete)</m:IncludesLastItemInRange>\
                <m:Changes>\(xmlChanges)</m:Changes>
                """
        }
        return messages("SyncFolderItems", [success(body)])
    }

    private func createItem(_ operation: XMLElementNode) -> LocalHTTPServer.Answer {
        guard let folderName = operation["SavedItemFolderId"]?["DistinguishedFolderId"]?.attribute("Id"),
              let folder = EWSFolder(rawValue: folderName), let node = operation["Items"]?.children.first else {
            return messages("CreateItem", [error("ErrorInvalidRequest", "SavedItemFolderId and one item are required")])
        }
        if folder == .calendar, operation.attribute("SendMeetingInvitations") == nil {
            return messages("CreateItem", [error("ErrorSendMeetingInvitationsRequired", "SendMeetingInvitations is required")])
        }
        let created = changing { state -> Item in
            let id = "AAMkFAKE\(state.nextID)="
            state.nextID += 1
            var item = Item(id: id, folder: folder, fields: [:], lastModified: state.now)
            apply(node, to: &item)
            if folder == .calendar { item.fields["CalendarItemType"] = "Single" }
            state.items[id] = item
            state.order.append(id)
            log(&state, id, folder, deleted: false)
            return item
        }
        return messages("CreateItem", [success("<m:Items><t:\(folder.itemElement)><t:ItemId Id=\"\(created.id)\" "
                                               + "ChangeKey=\"\(created.changeKey)\"/></t:\(folder.itemElement)></m:Items>")])
    }

    private func updateItem(_ operation: XMLElementNode) -> LocalHTTPServer.Answer {
        guard let change = operation["ItemChanges"]?["ItemChange"], let itemID = change["ItemId"],
              let id = itemID.attribute("Id") else {
            return messages("UpdateItem", [error("ErrorInvalidRequest", "one ItemChange is required")])
        }
        let result = changing { state -> Result<Item, EWSFault> in
            guard var item = state.items[id] else { return .failure(EWSFault(code: "ErrorItemNotFound")) }
            guard itemID.attribute("ChangeKey") == item.changeKey else {
                return .failure(EWSFault(code: "ErrorIrresolvableConflict"))
            }
            for update in change["Updates"]?.children ?? [] {
                let indexed = update["IndexedFieldURI"]
                if update.name == "DeleteItemField" {
                    if let indexed, let key = indexed.attribute("FieldIndex") {
                        item.emails[key] = nil
                        item.phones[key] = nil
                    } else if let uri = update["FieldURI"]?.attribute("FieldURI") {
                        let name = Self.element(forURI: uri)
                        item.fields[name] = nil
                        if name == "RequiredAttendees" { item.attendees = [] }
                    }
                } else if let node = update.children.last {
                    apply(node, to: &item)
                }
            }
            item.version += 1
            item.lastModified = state.now
            state.items[id] = item
            log(&state, id, item.folder, deleted: false)
            return .success(item)
        }
        switch result {
        case .success(let item):
            return messages("UpdateItem", [success("<m:Items><t:\(item.folder.itemElement)><t:ItemId Id=\"\(item.id)\" "
                                                   + "ChangeKey=\"\(item.changeKey)\"/></t:\(item.folder.itemElement)></m:Items>")])
        case .failure(let fault):
            return messages("UpdateItem", [error(fault.code, "The change key passed in the request does not match the current change key for the item.")])
        }
    }

    private func deleteItem(_ operation: XMLElementNode) -> LocalHTTPServer.Answer {
        let ids = operation["ItemIds"]?.children(named: "ItemId").compactMap { $0.attribute("Id") } ?? []
        return messages("DeleteItem", ids.map { id in
            guard item(id) != nil else { return error("ErrorItemNotFound", "The specified object was not found.") }
            delete(id)
            return success("")
        })
    }

    /// Sets what an item element of a request holds (CreateItem's item, or SetItemField's one field).
    private func apply(_ node: XMLElementNode, to item: inout Item) {
        for field in node.children {
            switch field.name {
            case "ExtendedProperty": item.crmID = field.value("Value")
            case "EmailAddresses":
                for entry in field.children(named: "Entry") { item.emails[entry.attribute("Key") ?? ""] = entry.trimmedText }
            case "PhoneNumbers":
                for entry in field.children(named: "Entry") { item.phones[entry.attribute("Key") ?? ""] = entry.trimmedText }
            case "RequiredAttendees":
                item.attendees = field.children(named: "Attendee").map {
                    Attendee(name: $0.value("Mailbox", "Name") ?? "", email: $0.value("Mailbox", "EmailAddress") ?? "",
                             response: "NoResponseReceived")
                }
            default: item.fields[field.name] = field.trimmedText
            }
        }
    }

    /// `item:Subject` → `Subject`: the element a field URI names.
    static func element(forURI uri: String) -> String { String(uri.split(separator: ":").last ?? "") }

    // MARK: Answers

    /// An item as Exchange writes it: with every field when `full` (GetItem), else what FindItem returns.
    private func xml(_ item: Item, full: Bool, idOnly: Bool = false) -> String {
        let element = item.folder.itemElement
        var xml = "<t:\(element)><t:ItemId Id=\"\(item.id)\" ChangeKey=\"\(item.changeKey)\"/>"
        func field(_ name: String) {
            if let value = item.fields[name] { xml += "<t:\(name)>\(EWSRequest.escaped(value))</t:\(name)>" }
        }
        let crm = item.crmID.map {
            "<t:ExtendedProperty>\(EWSCRMProperty.uri)<t:Value>\(EWSRequest.escaped($0))</t:Value></t:ExtendedProperty>"
        } ?? ""
        if idOnly { return xml + crm + "</t:\(element)>" }
        field("Subject")
        if full, let body = item.fields["Body"] { xml += "<t:Body BodyType=\"Text\">\(EWSRequest.escaped(body))</t:Body>" }
        field("Importance")
        xml += crm
        xml += "<t:LastModifiedTime>\(EWSDateTime.text(item.lastModified))</t:LastModifiedTime>"
        switch item.folder {
        case .calendar:
            for name in ["UID", "RecurrenceId", "Start", "End", "IsAllDayEvent", "LegacyFreeBusyStatus", "Location",
                         "IsCancelled", "IsRecurring", "CalendarItemType", "MyResponseType"] { field(name) }
            if let organizer = item.organizer {
                xml += "<t:Organizer><t:Mailbox><t:Name>\(EWSRequest.escaped(organizer.name))</t:Name>"
                    + (full ? "<t:EmailAddress>\(organizer.email)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>" : "")
                    + "</t:Mailbox></t:Organizer>"
            }
            if full {
                for (list, optional) in [("RequiredAttendees", false), ("OptionalAttendees", true)] {
                    let listed = item.attendees.filter { $0.optional == optional }
                    guard !listed.isEmpty else { continue }
                    xml += "<t:\(list)>" + listed.map {
                        "<t:Attendee><t:Mailbox><t:Name>\(EWSRequest.escaped($0.name))</t:Name><t:EmailAddress>"
                            + "\($0.email)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox>"
                            + "<t:ResponseType>\($0.response)</t:ResponseType></t:Attendee>"
                    }.joined() + "</t:\(list)>"
                }
            }
        case .contacts:
            for name in ["DisplayName", "GivenName", "CompanyName"] { field(name) }
            if full, !item.emails.isEmpty {
                xml += "<t:EmailAddresses>" + item.emails.sorted { $0.key < $1.key }
                    .map { "<t:Entry Key=\"\($0.key)\">\($0.value)</t:Entry>" }.joined() + "</t:EmailAddresses>"
            }
            if full, !item.phones.isEmpty {
                xml += "<t:PhoneNumbers>" + item.phones.sorted { $0.key < $1.key }
                    .map { "<t:Entry Key=\"\($0.key)\">\(EWSRequest.escaped($0.value))</t:Entry>" }.joined()
                    + "</t:PhoneNumbers>"
            }
            for name in ["JobTitle", "Surname"] { field(name) }
        case .tasks:
            for name in ["DueDate", "PercentComplete", "StartDate", "Status", "CompleteDate"] { field(name) }
        }
        return xml + "</t:\(element)>"
    }

    private struct EWSFault: Error {
        var code: String
    }

    private func success(_ content: String) -> String {
        "<m:{name} ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>\(content)</m:{name}>"
    }

    private func error(_ code: String, _ text: String) -> String {
        "<m:{name} ResponseClass=\"Error\"><m:MessageText>\(text)</m:MessageText><m:ResponseCode>\(code)</m:ResponseCode>"
            + "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:{name}>"
    }

    private func messages(_ operation: String, _ messages: [String]) -> LocalHTTPServer.Answer {
        let name = operation + "ResponseMessage"
        let body = messages.map { $0.replacingOccurrences(of: "{name}", with: name) }.joined()
        return .init(contentType: Self.xml, body: """
            <?xml version="1.0" encoding="utf-8"?>
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>\
            <h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" \
            Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header>\
            <s:Body><m:\(operation)Response xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" \
            xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>\(body)\
            </m:ResponseMessages></m:\(operation)Response></s:Body></s:Envelope>
            """)
    }

    package static let xml = "text/xml; charset=utf-8"

    /// As Exchange 2016 answers when the account is throttled.
    static let busyFault = """
        <?xml version="1.0" encoding="utf-8"?>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>\
        <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>\
        <faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>\
        <detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>\
        <e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>\
        <t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">\
        <t:Value Name="BackOffMilliseconds">20</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>
        """

    // MARK: Reading requests

    package struct Envelope {
        package var body: XMLElementNode?
        var impersonated: String?
    }

    /// The request's Body, and the mailbox its header impersonates, read with the project's own XML reader.
    package static func envelope(_ text: String) -> Envelope? {
        let reader = XMLStreamReader(source: "request", recordDepth: 2)
        var envelope = Envelope()
        let collect: (XMLStreamEvent) throws -> Void = { event in
            guard case .record(let node, _, _) = event else { return }
            if node.name == "Body" { envelope.body = node }
            if node.name == "Header" {
                envelope.impersonated = node["ExchangeImpersonation"]?.value("ConnectingSID", "SmtpAddress")
            }
        }
        let bytes = Array(text.utf8)
        do {
            try bytes.withUnsafeBytes { try reader.parse($0, emit: collect) }
            try reader.finish(emit: collect)
        } catch {
            return nil
        }
        return envelope
    }

    private static func mailboxes(in operation: XMLElementNode) -> [String] {
        var found: [String] = []
        func walk(_ node: XMLElementNode) {
            if node.name == "DistinguishedFolderId", let address = node.value("Mailbox", "EmailAddress") {
                found.append(address)
            }
            for child in node.children { walk(child) }
        }
        walk(operation)
        return found
    }
}
