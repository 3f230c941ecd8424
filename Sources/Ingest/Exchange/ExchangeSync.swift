import CRMWarehouse
import Connectors
import Crypto
import Foundation
import HubCore

/// One two-way sync of one mailbox with Exchange, folder by folder:
///
/// 1. pull: `SyncFolderItems` from the stored sync state; created and updated items read with `GetItem` (those
///    the warehouse holds with the same change key skipped: the CRM's own pushes coming back), deletions as
///    deletions; merged by `ExchangeStore.applyPull` in one batch with the new state, conflicts recorded;
/// 2. push: every row the CRM changed since its last sync sent with `CreateItem`, `UpdateItem` (with its change
///    key: Exchange refuses it if the item changed meanwhile, and the next pull settles that) or `DeleteItem`;
/// 3. calendar: `FindItem` with a `CalendarView` over the window (occurrences expanded by Exchange), attendees
///    and bodies by `GetItem`, loaded by `CalendarStore` as the mailbox's view of the window. Skipped when
///    nothing changed on either side and the window is the one loaded last.
///
/// A second sync with no change on either side sends no Create/Update/Delete and changes no row.
struct ExchangeSync: Sendable {
    let client: EWSClient
    let warehouse: Warehouse
    let window: Range<Int64>
    let progress: ImportProgressHandler?

    /// What one mailbox's sync did.
    struct Summary: Sendable {
        var mailbox: String
        var pulled: [String: ExchangeStore.PullOutcome] = [:]
        var pushed: [String: Int] = [:]
        var refused: [String] = []
        var calendar: CalendarLoadOutcome?
        var calendarItems = 0
        var warnings: [String] = []
        var batches: [Int64] = []
        var calendarSkipped = false
    }

    func sync(mailbox: String, folders: [EWSFolder]) async throws -> Summary {
        var summary = Summary(mailbox: mailbox)
        let request = client.request(for: mailbox)
        let store = ExchangeStore(warehouse: warehouse)
        var calendarChanged = false
        for folder in [EWSFolder.contacts, .tasks, .calendar] where folders.contains(folder) {
            guard let table = ExchangeTable.forFolder(folder.rawValue) else { continue }
            note("\(mailbox) \(folder.rawValue): changes")
            let pulled = try await pull(folder, table: table, request: request, store: store, summary: &summary)
            note("\(mailbox) \(folder.rawValue): sending the CRM's changes")
            let pushed = try await push(folder, table: table, request: request, store: store, summary: &summary)
            if folder == .calendar { calendarChanged = pulled || pushed > 0 }
        }
        if folders.contains(.calendar) {
            let unpushable = try await store.unpushableMeetings(mailbox: mailbox)
            if !unpushable.isEmpty {
                summary.warnings.append("\(mailbox): \(unpushable.count) recurring meeting(s) made in the CRM are not "
                                        + "sent to Exchange (only single meetings are); they reach Outlook by crmhub "
                                        + "export calendar-ics: \(unpushable.prefix(3).joined(separator: ", "))")
            }
            let lastWindow = try await lastWindow(mailbox)
            if !calendarChanged && lastWindow == window {
                summary.calendarSkipped = true
            } else {
                note("\(mailbox) calendar: the view of the window")
                try await refreshCalendar(request, mailbox: mailbox, summary: &summary)
            }
        }
        return summary
    }

    // MARK: Pull

    /// Whether Exchange reported anything but the CRM's own pushes coming back.
    private func pull(_ folder: EWSFolder, table: ExchangeTable, request: EWSRequest, store: ExchangeStore,
                      summary: inout Summary) async throws -> Bool {
        var state = try await store.syncState(mailbox: request.mailbox, folder: folder.rawValue)
        var fetched = try await client.changes(request, folder: folder, since: state)
        if fetched == nil {
            summary.warnings.append("\(request.mailbox) \(folder.rawValue): Exchange no longer knows the stored sync "
                                    + "state (ErrorInvalidSyncStateData); the folder was read again from the start")
            state = nil
            fetched = try await client.changes(request, folder: folder, since: nil)
        }
        guard let (changes, newState) = fetched else {
            throw HubError(.remote, "Exchange refused a sync of \(request.mailbox) \(folder.rawValue) from the start")
        }
        // The last change of each item is what it is now.
        var last: [String: EWSSyncPage.Change] = [:]
        var order: [String] = []
        for change in changes {
            if last[change.id] == nil { order.append(change.id) }
            last[change.id] = change
        }
        var current = order.map { last[$0]! }
        let known = try await store.knownChangeKeys(table, mailbox: request.mailbox, ids: current.map(\.id))
        // Anything but the CRM's own pushes coming back is news (for the calendar: the view is read again).
        let news = current.contains { $0.kind == .delete || known[$0.id] != $0.changeKey }
        // Calendar items matter here only when the CRM made them; the calendar view brings the rest.
        if folder == .calendar { current = current.filter { $0.crmID != nil || known[$0.id] != nil } }
        let toRead = current.filter { $0.kind != .delete && known[$0.id] != $0.changeKey }.map(\.id)
        let deletions = current.filter { $0.kind == .delete }
        var items: [ExchangeStore.PulledItem] = try await read(folder, ids: toRead, request: request)
        for deletion in deletions where known[deletion.id] != nil || folder != .calendar {
            items.append(ExchangeStore.PulledItem(ewsItemID: deletion.id, changeKey: nil, crmID: nil,
                                                  exchangeModifiedAt: nil, deleted: true, content: "{}",
                                                  position: items.count + 1))
        }
        guard !items.isEmpty else {
            if newState != state {
                try await store.saveSyncState(mailbox: request.mailbox, folder: folder.rawValue, state: newState)
            }
            return news
        }
        let identity = ([folder.rawValue, request.mailbox, state ?? "", newState]
            + items.map { "\($0.ewsItemID)|\($0.changeKey ?? "")|\($0.deleted)" }).joined(separator: "\n")
        let source = BatchSource(sourceKind: ExchangeSourceKind.kindID,
                                 sourceName: "\(request.mailbox) \(folder.rawValue)", sha256: Self.sha256(identity),
                                 byteCount: Int64(identity.utf8.count), encoding: "utf-8")
        let outcome = try await store.applyPull(source, table: table, mailbox: request.mailbox, items: items,
                                                newState: newState)
        summary.pulled[folder.rawValue] = outcome
        if let batch = outcome.batchID { summary.batches.append(batch) }
        return news || outcome.inserted + outcome.updated + outcome.deleted + outcome.conflicts > 0
    }

    /// The items read with `GetItem`, as the table's content.
    private func read(_ folder: EWSFolder, ids: [String], request: EWSRequest) async throws
        -> [ExchangeStore.PulledItem]
    {
        func pulled(_ identity: EWSItemIdentity, _ content: String) -> ExchangeStore.PulledItem {
            ExchangeStore.PulledItem(ewsItemID: identity.id, changeKey: identity.changeKey, crmID: identity.crmID,
                                     exchangeModifiedAt: identity.lastModified, deleted: false, content: content,
                                     position: identity.position)
        }
        switch folder {
        case .contacts:
            return try await client.items(request, ids: ids, element: "Contact", parse: EWSContact.init)
                .map { pulled($0.identity, ExchangeItemContent.contact($0)) }
        case .tasks:
            return try await client.items(request, ids: ids, element: "Task", parse: EWSTask.init)
                .map { pulled($0.identity, ExchangeItemContent.task($0)) }
        case .calendar:
            return try await client.items(request, ids: ids, element: "CalendarItem", parse: EWSCalendarItem.init)
                .map { pulled($0.identity, ExchangeItemContent.meeting($0)) }
        }
    }

    // MARK: Push

    /// How many changes were sent and accepted.
    private func push(_ folder: EWSFolder, table: ExchangeTable, request: EWSRequest, store: ExchangeStore,
                      summary: inout Summary) async throws -> Int {
        var accepted = 0
        for pending in try await store.pendingPushes(table, mailbox: request.mailbox) {
            let draft = ExchangeItemContent.draft(folder, crmID: pending.crmID, row: pending.content)
            let result: ExchangeStore.PushResult
            if pending.deleted, let id = pending.ewsItemID {
                let refusal = try await client.delete(request, id: id, folder: folder)
                result = .init(operation: "delete", responseCode: refusal?.responseCode ?? "NoError",
                               settled: refusal == nil)
            } else if let id = pending.ewsItemID {
                switch try await client.update(request, id: id, changeKey: pending.changeKey ?? "", draft) {
                case .success(let identity):
                    result = .init(operation: "update", responseCode: "NoError", ewsItemID: identity.id,
                                   changeKey: identity.changeKey, settled: true)
                case .failure(let refusal):
                    result = .init(operation: "update", responseCode: refusal.responseCode, settled: false)
                }
            } else {
                if folder == .calendar, draft.values["Start"] == nil || draft.values["End"] == nil {
                    summary.warnings.append("\(request.mailbox): meeting \(pending.crmID) has no start or end; not sent")
                    continue
                }
                switch try await client.create(request, draft) {
                case .success(let identity):
                    result = .init(operation: "create", responseCode: "NoError", ewsItemID: identity.id,
                                   changeKey: identity.changeKey, settled: true)
                case .failure(let refusal):
                    result = .init(operation: "create", responseCode: refusal.responseCode, settled: false)
                }
            }
            try await store.recordPush(table, mailbox: request.mailbox, push: pending, result: result)
            if result.settled {
                accepted += 1
                summary.pushed[result.operation, default: 0] += 1
            } else {
                summary.refused.append("\(folder.rawValue) \(result.operation) \(pending.crmID): \(result.responseCode)")
            }
        }
        return accepted
    }

    // MARK: Calendar view

    private func refreshCalendar(_ request: EWSRequest, mailbox: String, summary: inout Summary) async throws {
        let items = try await client.calendarView(request, start: window.lowerBound, end: window.upperBound)
        summary.calendarItems = items.count
        // Attendees, the organizer's address and the body come from GetItem: once per single or exception, once
        // per series for its occurrences.
        var detailIDs: [String] = []
        var seriesSeen = Set<String>()
        for item in items where item.identity.crmID == nil {
            if item.itemType == "Occurrence", let uid = item.uid, !seriesSeen.insert(uid).inserted { continue }
            detailIDs.append(item.identity.id)
        }
        let details = try await client.items(request, ids: detailIDs, element: "CalendarItem",
                                             parse: EWSCalendarItem.init)
        var byID: [String: EWSCalendarItem] = [:]
        var bySeries: [String: EWSCalendarItem] = [:]
        for detail in details {
            byID[detail.identity.id] = detail
            if detail.itemType == "Occurrence", let uid = detail.uid { bySeries[uid] = detail }
        }
        var events: [String: CalendarEventRow] = [:]
        var occurrences: [CalendarOccurrenceRow] = []
        var quarantined: [QuarantinedRecord] = []
        for item in items {
            guard let start = item.start, let end = item.end, end >= start else {
                quarantined.append(QuarantinedRecord(line: item.identity.position, recordKind: "calendar item",
                                                     reason: "the item has no usable Start and End",
                                                     field: "Start", raw: item.identity.id))
                continue
            }
            let uid = item.identity.crmID ?? item.uid ?? item.identity.id
            let detail = byID[item.identity.id] ?? item.uid.flatMap { bySeries[$0] }
            let slot = item.itemType == "Single" ? "" : item.recurrenceID.map(Self.slotKey) ?? ""
            if item.identity.crmID == nil {
                let key = item.itemType == "Exception" ? slot : ""
                if events["\(uid)|\(key)"] == nil || item.itemType != "Occurrence" {
                    events["\(uid)|\(key)"] = CalendarEventRow(
                        uid: uid, recurrenceID: key, origin: "exchange", summary: item.subject,
                        location: item.location, bodySummary: ExchangeItemContent.summary(detail?.body),
                        organizerEmail: detail?.organizerEmail, organizerName: item.organizerName ?? detail?.organizerName,
                        attendees: detail?.attendees ?? [], startsAt: item.itemType == "Occurrence" ? nil : start,
                        endsAt: item.itemType == "Occurrence" ? nil : end, allDay: item.isAllDay,
                        timeZone: client.settings.timeZone.identifier,
                        status: item.isCancelled ? "CANCELLED" : "CONFIRMED", stampedAt: item.identity.lastModified,
                        ewsItemID: item.itemType == "Occurrence" ? nil : item.identity.id,
                        ewsChangeKey: item.itemType == "Occurrence" ? nil : item.identity.changeKey,
                        sourceLine: item.identity.position)
                }
            }
            guard !item.isCancelled else { continue }
            occurrences.append(CalendarOccurrenceRow(
                eventUID: uid, startsAt: start, endsAt: end, subject: item.subject, location: item.location,
                allDay: item.isAllDay, status: item.freeBusy == "Tentative" ? "TENTATIVE" : "CONFIRMED",
                organizerEmail: detail?.organizerEmail, recurrenceID: slot, stampedAt: item.identity.lastModified,
                sourceLine: item.identity.position))
        }
        // The folder's sync state is in the identity: the same items after a change (an empty calendar again,
        // say) are a new view to load, not the old one.
        let folderState = try await ExchangeStore(warehouse: warehouse).syncState(mailbox: mailbox, folder: "calendar")
        let identity = (["calendar-ews", mailbox, "\(window.lowerBound)", "\(window.upperBound)",
                         client.settings.timeZone.identifier, folderState ?? ""]
            + items.map { "\($0.identity.id)|\($0.identity.changeKey)" }
            + details.map { "\($0.identity.id)|\($0.identity.changeKey)" }).joined(separator: "\n")
        let source = BatchSource(sourceKind: ExchangeSourceKind.kindID, sourceName: "\(mailbox) calendar",
                                 sha256: Self.sha256(identity), byteCount: Int64(identity.utf8.count), encoding: "utf-8")
        let calendar = CalendarIdentity(name: mailbox, timeZone: client.settings.timeZone.identifier, owner: mailbox)
        let outcome = try await CalendarStore(warehouse: warehouse).load(
            source, calendar: calendar, window: window,
            events: events.values.sorted { ($0.sourceLine ?? 0, $0.uid) < ($1.sourceLine ?? 0, $1.uid) },
            occurrences: occurrences, quarantined: quarantined)
        summary.calendar = outcome
        if case .loaded(let counts) = outcome.result { summary.batches.append(counts.batchID) }
    }

    /// The window the mailbox's calendar view was loaded over last, if any.
    private func lastWindow(_ mailbox: String) async throws -> Range<Int64>? {
        let rows = try await warehouse.client.query("""
            SELECT extract(epoch FROM window_from)::bigint, extract(epoch FROM window_to)::bigint
            FROM ops.calendar_imports WHERE calendar = \(mailbox) AND source_kind = \(ExchangeSourceKind.kindID)
            """, logger: warehouse.logger).collect()
        guard let (from, to) = try rows.first?.decode((Int64, Int64).self), from < to else { return nil }
        return from..<to
    }

    /// `core.calendar_events.recurrence_id` of a slot, as the iCalendar import writes it (`20250317T050000Z`).
    static func slotKey(_ seconds: Int64) -> String {
        EWSDateTime.text(seconds).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func note(_ what: String) {
        progress?(ImportProgress(source: what, phase: .loading, bytesDone: 0, bytesTotal: 0, records: 0, elapsed: 0))
    }
}
