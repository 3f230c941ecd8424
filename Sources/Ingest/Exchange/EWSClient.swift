import AsyncHTTPClient
import Connectors
import Foundation
import HubConfiguration
import HubCore
import NIOCore

/// Exchange Web Services as CRMHub calls it: SOAP over HTTPS with Basic or an OAuth bearer token (from the
/// environment or a secrets file, never a job file, never logged), `ErrorServerBusy` and HTTP 503 waited out
/// with the back-off Exchange asks for, a calendar view too large for one answer cut in halves, and
/// `SyncFolderItems` and `GetItem` paged.
struct EWSClient: Sendable {
    let url: String
    let settings: ExchangeSettings
    private let authorization: String
    /// Waits before a request is sent again; a test passes a shorter one.
    var pause: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// - Parameter settingsFile: where the settings came from, for errors about them.
    init(settings: ExchangeSettings, url: String? = nil, settingsFile: String) throws(HubError) {
        let place = SourceLocation(source: settingsFile)
        guard let url = url ?? settings.url else {
            throw HubError(.configuration, "the Exchange settings give no url (the EWS address, such as "
                               + "https://mail.example.uz/EWS/Exchange.asmx)", location: place)
        }
        if let problem = ExchangeSettings.problem(withURL: url) { throw HubError(.configuration, problem, location: place) }
        self.url = url
        self.settings = settings
        do {
            switch settings.authentication {
            case .basic:
                guard let user = settings.username, let password = settings.password else {
                    throw HubError(.configuration, "auth basic needs username and password", location: place)
                }
                let name = Secrets.isReference(user) ? try Secrets.resolve(user) : user
                authorization = "Basic " + Data("\(name):\(try Secrets.resolve(password))".utf8).base64EncodedString()
            case .bearer:
                guard let token = settings.token else {
                    throw HubError(.configuration, "auth bearer needs token", location: place)
                }
                authorization = "Bearer " + (try Secrets.resolve(token))
            }
        } catch let error as SecretError {
            throw HubError(.configuration, "exchange: \(error.description)", location: place)
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError(.configuration, "exchange: \(error)", location: place)
        }
    }

    /// The requests for one mailbox.
    func request(for mailbox: String) -> EWSRequest {
        EWSRequest(serverVersion: settings.serverVersion, mailbox: mailbox, impersonation: settings.impersonation)
    }

    // MARK: Operations

    /// Every single, occurrence and exception of the mailbox's calendar in [start, end). A view Exchange cuts
    /// short (`IncludesLastItemInRange="false"`) is asked again in halves.
    func calendarView(_ request: EWSRequest, start: Int64, end: Int64) async throws -> [EWSCalendarItem] {
        let answer = try await call(request.findCalendarView(start: start, end: end, maxEntries: settings.pageSize),
                                    operation: "FindItem", mailbox: request.mailbox)
        let message = try single(answer, "FindItem", mailbox: request.mailbox)
        let root = message.node["RootFolder"]
        if root?.attribute("IncludesLastItemInRange") == "false" {
            guard end - start > 3600 else {
                throw HubError(.remote, "more than \(settings.pageSize) calendar items start within one hour in "
                                   + "\(request.mailbox); raise page_size in the Exchange settings",
                               location: place("FindItem"))
            }
            let middle = start + (end - start) / 2
            // An item spanning the middle is in both halves: kept once, by its id.
            var seen = Set<String>()
            var items: [EWSCalendarItem] = []
            for half in [(start, middle), (middle, end)] {
                for item in try await calendarView(request, start: half.0, end: half.1)
                    where seen.insert(item.identity.id).inserted {
                    items.append(item)
                }
            }
            return items
        }
        let nodes = root?["Items"]?.children(named: "CalendarItem") ?? []
        return nodes.enumerated().compactMap { EWSCalendarItem($0.element, position: $0.offset + 1) }
    }

    /// The items with all their properties, `batch` ids per request; an item gone meanwhile is left out.
    func items<Item>(_ request: EWSRequest, ids: [String], element: String,
                     parse: (XMLElementNode, Int) -> Item?) async throws -> [Item] {
        var items: [Item] = []
        var position = 0
        for start in stride(from: 0, to: ids.count, by: Self.getItemBatch) {
            let chunk = Array(ids[start..<min(start + Self.getItemBatch, ids.count)])
            let answer = try await call(request.getItems(chunk), operation: "GetItem", mailbox: request.mailbox)
            for message in answer.messages {
                position += 1
                if message.responseCode == "ErrorItemNotFound" { continue }
                guard message.succeeded else { throw failure(message, "GetItem", mailbox: request.mailbox) }
                for node in message.node["Items"]?.children(named: element) ?? [] {
                    if let item = parse(node, position) { items.append(item) }
                }
            }
        }
        return items
    }

    /// Every change of the folder since `state` (all its items, when nil), page after page, and the state to
    /// ask from next time. Nil when Exchange no longer accepts the state (`ErrorInvalidSyncStateData`).
    func changes(_ request: EWSRequest, folder: EWSFolder, since state: String?) async throws
        -> (changes: [EWSSyncPage.Change], state: String)?
    {
        var state = state
        var changes: [EWSSyncPage.Change] = []
        while true {
            let answer = try await call(request.syncFolderItems(folder, syncState: state,
                                                                maxChanges: settings.maxChanges),
                                        operation: "SyncFolderItems", mailbox: request.mailbox)
            guard let message = answer.messages.first else {
                throw HubError(.remote, "SyncFolderItems answered no message", location: place("SyncFolderItems"))
            }
            if message.responseCode == "ErrorInvalidSyncStateData" { return nil }
            guard message.succeeded, let page = EWSSyncPage(message.node) else {
                throw failure(message, "SyncFolderItems", mailbox: request.mailbox)
            }
            changes += page.changes
            state = page.syncState
            if page.includesLastItemInRange || page.changes.isEmpty { return (changes, page.syncState) }
        }
    }

    /// `CreateItem`: the new item's id and change key, or Exchange's response code when it refused.
    func create(_ request: EWSRequest, _ draft: EWSItemDraft) async throws -> Result<EWSItemIdentity, EWSRefusal> {
        let answer = try await call(request.createItem(draft, sendInvitations: settings.sendInvitations),
                                    operation: "CreateItem", mailbox: request.mailbox)
        let message = try firstMessage(answer, "CreateItem")
        guard message.succeeded else { return .failure(EWSRefusal(message)) }
        guard let node = message.node["Items"]?.children.first, let identity = EWSItemIdentity(node, position: 1) else {
            throw HubError(.remote, "CreateItem answered no item id", location: place("CreateItem"))
        }
        return .success(identity)
    }

    /// `UpdateItem`: the item's new change key, or Exchange's response code (`ErrorIrresolvableConflict` when
    /// the item changed since `changeKey`).
    func update(_ request: EWSRequest, id: String, changeKey: String, _ draft: EWSItemDraft) async throws
        -> Result<EWSItemIdentity, EWSRefusal>
    {
        let answer = try await call(request.updateItem(id: id, changeKey: changeKey, draft,
                                                       sendInvitations: settings.sendInvitations),
                                    operation: "UpdateItem", mailbox: request.mailbox)
        let message = try firstMessage(answer, "UpdateItem")
        guard message.succeeded else { return .failure(EWSRefusal(message)) }
        let node = message.node["Items"]?.children.first
        return .success(node.flatMap { EWSItemIdentity($0, position: 1) } ?? EWSItemIdentity(id: id, changeKey: changeKey))
    }

    /// `DeleteItem`: nil when deleted (or already gone), else Exchange's response code.
    func delete(_ request: EWSRequest, id: String, folder: EWSFolder) async throws -> EWSRefusal? {
        let answer = try await call(request.deleteItem(id: id, folder: folder), operation: "DeleteItem",
                                    mailbox: request.mailbox)
        let message = try firstMessage(answer, "DeleteItem")
        return message.succeeded || message.responseCode == "ErrorItemNotFound" ? nil : EWSRefusal(message)
    }

    // MARK: Transport

    /// Posts one SOAP request and reads the answer; waits and sends it again while Exchange is busy.
    func call(_ body: String, operation: String, mailbox: String) async throws -> EWSAnswer {
        var attempt = 0
        while true {
            let (status, bytes, retryAfter) = try await post(body, operation: operation, mailbox: mailbox)
            var wait: Duration?
            var answer: EWSAnswer?
            switch status {
            case 200, 500:
                // Exchange answers errors of the request as a SOAP fault with 500.
                let parsed = try EWSAnswer.parse(bytes, source: "\(url) \(operation)")
                if let busy = parsed.messages.first(where: { $0.responseCode == "ErrorServerBusy" }) {
                    wait = .milliseconds(busy.backOffMilliseconds ?? 1000 << min(attempt, 8))
                } else if status == 500, let fault = parsed.messages.first, fault.name == "Fault" {
                    throw failure(fault, operation, mailbox: mailbox)
                } else {
                    answer = parsed
                }
            case 503, 429:
                wait = .seconds(retryAfter ?? (1 << min(attempt, 8)))
            case 401:
                throw HubError(.configuration, "Exchange refused the account (401): check username and password, "
                                   + "or the token, in the Exchange settings", location: place(operation))
            case 403:
                throw HubError(.configuration, "Exchange forbids the account this (403): it needs "
                                   + (settings.impersonation ? "the ApplicationImpersonation role" : "full access to ")
                                   + (settings.impersonation ? "" : mailbox), location: place(operation))
            default:
                throw HubError(.remote, "Exchange answered \(status): \(String(decoding: bytes.prefix(200), as: UTF8.self))",
                               location: place(operation), isRetryable: status >= 500)
            }
            if let answer { return answer }
            attempt += 1
            guard attempt <= settings.maxRetries, let wait else {
                throw HubError(.remote, "Exchange stayed busy (ErrorServerBusy) through \(settings.maxRetries) "
                                   + "retries", location: place(operation), isRetryable: true)
            }
            try await pause(min(wait, .seconds(settings.maxBackOffSeconds)))
        }
    }

    private func post(_ body: String, operation: String, mailbox: String) async throws
        -> (UInt, [UInt8], retryAfter: Int?)
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.headers.add(name: "Authorization", value: authorization)
        // Impersonated requests are routed to the mailbox's server by this header (Exchange 2013 and later).
        if settings.impersonation { request.headers.add(name: "X-AnchorMailbox", value: mailbox) }
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do {
            response = try await OutboundHTTP.client.execute(request, timeout: .seconds(Int64(settings.timeoutSeconds)))
        } catch {
            throw HubError(.remote, "Exchange cannot be reached: \(error)", location: place(operation), cause: error,
                           isRetryable: true)
        }
        do {
            let body = try await response.body.collect(upTo: Self.maxAnswerBytes)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
            return (response.status.code, Array(body.readableBytesView), retryAfter)
        } catch {
            throw HubError(.remote, "the answer could not be read whole (past \(Self.maxAnswerBytes >> 20) MB, or cut "
                               + "off); lower page_size", location: place(operation), cause: error, isRetryable: true)
        }
    }

    private func single(_ answer: EWSAnswer, _ operation: String, mailbox: String) throws -> EWSAnswer.Message {
        let message = try firstMessage(answer, operation)
        guard message.succeeded else { throw failure(message, operation, mailbox: mailbox) }
        return message
    }

    private func firstMessage(_ answer: EWSAnswer, _ operation: String) throws -> EWSAnswer.Message {
        guard let message = answer.messages.first else {
            throw HubError(.remote, "\(operation) answered no response message", location: place(operation))
        }
        return message
    }

    private func failure(_ message: EWSAnswer.Message, _ operation: String, mailbox: String) -> HubError {
        let text = message.messageText.map { ": \($0)" } ?? ""
        switch message.responseCode {
        case "ErrorNonExistentMailbox", "ErrorInvalidSmtpAddress":
            return HubError(.configuration, "Exchange has no mailbox \(mailbox) (\(message.responseCode)); check "
                                + "mailboxes in the Exchange settings", location: place(operation))
        case "ErrorImpersonateUserDenied", "ErrorImpersonationDenied":
            return HubError(.configuration, "the account may not impersonate \(mailbox) (\(message.responseCode)); "
                                + "give it the ApplicationImpersonation role, or set impersonation: false and give "
                                + "it full access to the mailbox", location: place(operation))
        case "ErrorAccessDenied":
            return HubError(.configuration, "the account has no access to \(mailbox) (ErrorAccessDenied)\(text)",
                            location: place(operation))
        default:
            return HubError(.remote, "\(operation) failed for \(mailbox): \(message.responseCode)\(text)",
                            location: place(operation), isRetryable: message.responseCode.hasPrefix("ErrorTimeout"))
        }
    }

    private func place(_ operation: String) -> SourceLocation { SourceLocation(source: "\(url) \(operation)") }

    static let getItemBatch = 50
    static let maxAnswerBytes = 64 << 20
}

/// Exchange's refusal of one item operation: its response code and text.
struct EWSRefusal: Error, Sendable, Equatable {
    var responseCode: String
    var messageText: String?

    init(_ message: EWSAnswer.Message) {
        responseCode = message.responseCode
        messageText = message.messageText
    }
}
