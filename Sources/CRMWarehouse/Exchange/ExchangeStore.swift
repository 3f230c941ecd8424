import Foundation
import HubCore
import Logging
import PostgresNIO
import Synchronization

/// The warehouse side of the Exchange sync: each folder's sync state, what Exchange changed merged into the
/// core tables (with conflicts recorded), what the CRM changed read for pushing, and each push's outcome.
///
/// Every write sets `crmhub.sync = 'on'` for its transaction, so that the trigger that counts the CRM's own edits
/// (`core.count_crm_edit`) leaves the sync's writes alone.
package struct ExchangeStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// One item as Exchange reported it: changed (with its content as a JSON object of the table's content
    /// columns) or deleted.
    package struct PulledItem: Sendable, Equatable {
        package var ewsItemID: String
        package var changeKey: String?
        /// The `CRMHubId` extended property: the item was made by the CRM.
        package var crmID: String?
        package var exchangeModifiedAt: Int64?
        package var deleted: Bool
        /// `{"display_name": …, "emails": […]}`; `{}` for a deletion.
        package var content: String
        /// Where it stood in the answers (1-based).
        package var position: Int

        package init(ewsItemID: String, changeKey: String?, crmID: String?, exchangeModifiedAt: Int64?, deleted: Bool,
                     content: String, position: Int) {
            self.ewsItemID = ewsItemID
            self.changeKey = changeKey
            self.crmID = crmID
            self.exchangeModifiedAt = exchangeModifiedAt
            self.deleted = deleted
            self.content = content
            self.position = position
        }
    }

    /// What one pull changed.
    package struct PullOutcome: Sendable, Equatable {
        package var batchID: Int64?
        package var inserted = 0
        package var updated = 0
        package var deleted = 0
        package var conflicts = 0
        /// Items that were the CRM's own pushes coming back, or unchanged.
        package var unchanged = 0

        package init() {}
    }

    /// A row the CRM changed since its last sync, to be sent to Exchange.
    package struct PendingPush: Sendable, Equatable {
        package var crmID: String
        package var ewsItemID: String?
        package var changeKey: String?
        package var crmVersion: Int
        package var deleted: Bool
        /// The row's content columns and the rest that is not bookkeeping, as JSON.
        package var content: String
    }

    package func syncState(mailbox: String, folder: String) async throws -> String? {
        let rows = try await warehouse.client.query("""
            SELECT sync_state FROM ops.exchange_sync_state WHERE mailbox = \(mailbox) AND folder = \(folder)
            """, logger: warehouse.logger).collect()
        return try rows.first?.decode(String.self)
    }

    /// The change keys the warehouse holds for these items of the mailbox: an item reported with the same key is
    /// the CRM's own push coming back, or already known.
    package func knownChangeKeys(_ table: ExchangeTable, mailbox: String, ids: [String]) async throws
        -> [String: String]
    {
        guard !ids.isEmpty else { return [:] }
        let rows = try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            SELECT ews_item_id, ews_change_key FROM \(table.name) t
            WHERE t.\(table.mailboxColumn) = $1 AND t.ews_item_id = ANY($2) AND t.ews_change_key IS NOT NULL
            """, binds: Self.binds(mailbox, ids)), logger: warehouse.logger)
        var keys: [String: String] = [:]
        for try await (id, key) in rows.decode((String, String).self) { keys[id] = key }
        return keys
    }

    /// Moves the folder's cursor without loading anything (every change reported was already known).
    package func saveSyncState(mailbox: String, folder: String, state: String) async throws {
        try await warehouse.client.query("""
            INSERT INTO ops.exchange_sync_state AS s (mailbox, folder, sync_state) VALUES (\(mailbox), \(folder),
                \(state))
            ON CONFLICT (mailbox, folder) DO UPDATE SET sync_state = EXCLUDED.sync_state, synced_at = now()
            """, logger: warehouse.logger)
    }

    /// Merges what Exchange changed into `table`, in one batch with the new sync state:
    /// - an item the warehouse holds with the same change key is left alone;
    /// - an item the CRM did not change since the last sync takes Exchange's version;
    /// - an item changed on both sides keeps the later change, and the other version goes to
    ///   `ops.exchange_conflicts` (a deletion in Exchange wins over an edit in the CRM: deletions travel);
    /// - a deletion marks the row deleted; an item the warehouse does not hold is added (contacts, tasks).
    package func applyPull(_ source: BatchSource, table: ExchangeTable, mailbox: String, items: [PulledItem],
                           newState: String) async throws -> PullOutcome {
        let outcome = Mutex(PullOutcome())
        let result = try await BatchLoad(warehouse: warehouse).run(
            source, lock: .serialised("crmhub:exchange:\(mailbox)")
        ) { batch -> BatchWritten<Void> in
            let counted = try await Self.merge(batch, table: table, mailbox: mailbox, items: items, newState: newState)
            outcome.withLock { $0 = counted }
            return BatchWritten(counts: BatchCounts(
                batchID: batch.id, read: items.count,
                loaded: counted.inserted + counted.updated + counted.deleted, duplicate: counted.unchanged,
                quarantined: 0), detail: ())
        }
        var pulled = outcome.withLock { $0 }
        switch result {
        case .loaded(let counts, _): pulled.batchID = counts.batchID
        case .alreadyLoaded(let id, _):
            pulled = PullOutcome()
            pulled.batchID = id
            pulled.unchanged = items.count
        }
        return pulled
    }

    private static func merge(_ batch: OpenBatch, table: ExchangeTable, mailbox: String, items: [PulledItem],
                              newState: String) async throws -> PullOutcome {
        let connection = batch.connection
        let logger = batch.logger
        try await connection.query("SET LOCAL crmhub.sync = 'on'", logger: logger)
        _ = try await batch.stage("stage_exchange_items", payload: [
            "crm_id text", "ews_item_id text", "change_key text", "exchange_modified_at timestamptz",
            "deleted boolean", "content jsonb",
        ]) { stage in
            for item in items {
                try await stage.append(line: item.position) { row in
                    row.field(item.crmID)
                    row.field(item.ewsItemID)
                    row.field(item.changeKey)
                    row.field(item.exchangeModifiedAt.map(HRRowWriter.timestamp))
                    row.field(item.deleted ? "t" : "f")
                    row.field(item.content)
                }
            }
        }
        let t = table
        let columns = t.contentColumns.joined(separator: ", ")
        let fromRecord = t.contentColumns.map { "r.\($0)" }.joined(separator: ", ")
        // The row each item is (by its Exchange id, or the CRM's id it carries), and what to do with it.
        try await connection.query(PostgresQuery(unsafeSQL: """
            CREATE TEMP TABLE exchange_match ON COMMIT DROP AS
            SELECT DISTINCT ON (s.line) s.line, s.crm_id, s.ews_item_id, s.change_key, s.exchange_modified_at,
                s.deleted, s.content, t.\(t.idColumn) AS target, t.ews_change_key AS known_key,
                t.crm_version, coalesce(t.crm_version > coalesce(t.synced_version, 0), false) AS crm_changed,
                t.modified_at AS crm_modified_at, t.deleted_at IS NOT NULL AS crm_deleted,
                to_jsonb(t) - \(ExchangeTable.bookkeeping) AS crm_content, ''::text AS apply, false AS conflict
            FROM stage_exchange_items s
            LEFT JOIN \(t.name) t ON t.\(t.mailboxColumn) = $1 AND \(t.rowFilter)
                AND (t.ews_item_id = s.ews_item_id OR t.\(t.idColumn) = s.crm_id)
            WHERE s.kind = 'r'
            ORDER BY s.line, (t.\(t.idColumn) = s.crm_id) DESC NULLS LAST
            """, binds: binds(mailbox)), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: """
            UPDATE exchange_match SET
                apply = CASE
                    WHEN target IS NULL THEN CASE WHEN deleted OR NOT \(t.insertsNew) THEN 'none' ELSE 'insert' END
                    WHEN deleted THEN CASE WHEN crm_deleted AND NOT crm_changed THEN 'none' ELSE 'delete' END
                    WHEN known_key IS NOT DISTINCT FROM change_key THEN 'none'
                    WHEN NOT crm_changed THEN 'exchange'
                    WHEN exchange_modified_at > crm_modified_at THEN 'exchange'
                    ELSE 'key' END,
                conflict = target IS NOT NULL AND crm_changed AND NOT (deleted AND crm_deleted)
                    AND (deleted OR known_key IS DISTINCT FROM change_key)
            """), logger: logger)
        var outcome = PullOutcome()
        outcome.conflicts = try await count(connection, logger, """
            WITH recorded AS (
                INSERT INTO ops.exchange_conflicts (mailbox, folder, crm_id, ews_item_id, kept, crm_version,
                    exchange_version, crm_modified_at, exchange_modified_at, batch_id)
                SELECT $1, '\(t.folder)', target, ews_item_id,
                    CASE WHEN apply IN ('exchange', 'delete') THEN 'exchange' ELSE 'crm' END, crm_content,
                    CASE WHEN deleted THEN NULL ELSE content END, crm_modified_at, exchange_modified_at, $2
                FROM exchange_match WHERE conflict ORDER BY line
                RETURNING 1
            )
            SELECT count(*)::bigint FROM recorded
            """, mailbox, batch.id)
        outcome.updated = try await count(connection, logger, """
            WITH changed AS (
                UPDATE \(t.name) t SET (\(columns)) = (SELECT \(fromRecord)
                                        FROM jsonb_populate_record(NULL::\(t.name), m.content) r),
                    ews_item_id = m.ews_item_id, ews_change_key = m.change_key,
                    exchange_modified_at = m.exchange_modified_at, synced_version = t.crm_version, deleted_at = NULL,
                    batch_id = $2, source_line = m.line
                FROM exchange_match m
                WHERE m.apply = 'exchange' AND t.\(t.mailboxColumn) = $1 AND t.\(t.idColumn) = m.target
                    AND \(t.rowFilter)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM changed
            """, mailbox, batch.id)
        // The CRM's later version stays, to be pushed over Exchange's with the item's new change key.
        try await connection.query(PostgresQuery(unsafeSQL: """
            UPDATE \(t.name) t SET ews_item_id = m.ews_item_id, ews_change_key = m.change_key,
                exchange_modified_at = m.exchange_modified_at
            FROM exchange_match m
            WHERE m.apply = 'key' AND t.\(t.mailboxColumn) = $1 AND t.\(t.idColumn) = m.target AND \(t.rowFilter)
            """, binds: binds(mailbox)), logger: logger)
        outcome.deleted = try await count(connection, logger, """
            WITH gone AS (
                UPDATE \(t.name) t SET deleted_at = coalesce(t.deleted_at, now()), synced_version = t.crm_version,
                    batch_id = $2, source_line = m.line
                FROM exchange_match m
                WHERE m.apply = 'delete' AND t.\(t.mailboxColumn) = $1 AND t.\(t.idColumn) = m.target
                    AND \(t.rowFilter)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM gone
            """, mailbox, batch.id)
        if t.insertsNew {
            outcome.inserted = try await count(connection, logger, """
                WITH added AS (
                    INSERT INTO \(t.name) (\(t.mailboxColumn), \(t.idColumn), origin, \(columns), ews_item_id,
                        ews_change_key, exchange_modified_at, crm_version, synced_version, batch_id, source_line)
                    SELECT $1, coalesce(m.crm_id, gen_random_uuid()::text), 'exchange', \(fromRecord), m.ews_item_id,
                        m.change_key, m.exchange_modified_at, 1, 1, $2, m.line
                    FROM exchange_match m, jsonb_populate_record(NULL::\(t.name), m.content) r
                    WHERE m.apply = 'insert'
                    ORDER BY m.line
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM added
                """, mailbox, batch.id)
        }
        outcome.unchanged = items.count - outcome.inserted - outcome.updated - outcome.deleted
        if t == .contacts { try await linkContacts(connection, logger, mailbox: mailbox) }
        try await connection.query("""
            INSERT INTO ops.exchange_sync_state AS s (mailbox, folder, sync_state) VALUES (\(mailbox), \(t.folder),
                \(newState))
            ON CONFLICT (mailbox, folder) DO UPDATE SET sync_state = EXCLUDED.sync_state, synced_at = now()
            """, logger: logger)
        return outcome
    }

    /// Links the mailbox's contacts to clients by e-mail (`core.client_emails`) or phone (`core.client_phones`),
    /// and makes the addresses of contacts linked by phone known as the client's, so that meetings with them
    /// are the client's meetings (`mart.meeting_clients`).
    private static func linkContacts(_ connection: LoadConnection, _ logger: Logger, mailbox: String) async throws {
        try await connection.query("""
            WITH linked AS (
                SELECT c.contact_id, coalesce(
                    (SELECT min(e.client_id) FROM core.client_emails e WHERE e.email = ANY (c.emails)),
                    (SELECT min(p.client_id) FROM core.client_phones p WHERE p.phone = ANY (c.phones))) AS client_id
                FROM core.contacts c WHERE c.mailbox = \(mailbox) AND c.deleted_at IS NULL
            )
            UPDATE core.contacts c SET client_id = l.client_id FROM linked l
            WHERE c.contact_id = l.contact_id AND c.client_id IS DISTINCT FROM l.client_id
            """, logger: logger)
        try await connection.query("""
            INSERT INTO core.client_emails (email, client_id, source)
            SELECT DISTINCT email, client_id, 'exchange' FROM core.contacts, unnest(emails) AS email
            WHERE mailbox = \(mailbox) AND client_id IS NOT NULL AND deleted_at IS NULL
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// The rows of the mailbox the CRM changed since their last sync, oldest change first: made in the CRM and
    /// never sent (create), changed (update), deleted (delete). A row made and deleted before it was ever sent
    /// has nothing to send.
    package func pendingPushes(_ table: ExchangeTable, mailbox: String) async throws -> [PendingPush] {
        let t = table
        let rows = try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            SELECT t.\(t.idColumn), t.ews_item_id, t.ews_change_key, t.crm_version, t.deleted_at IS NOT NULL,
                (to_jsonb(t) - \(ExchangeTable.bookkeeping))::text
            FROM \(t.name) t
            WHERE t.\(t.mailboxColumn) = $1 AND \(t.rowFilter) AND t.crm_version > coalesce(t.synced_version, 0)
              AND NOT (t.ews_item_id IS NULL AND (t.deleted_at IS NOT NULL OR t.origin <> 'crm'))
            ORDER BY t.modified_at, t.\(t.idColumn)
            """, binds: Self.binds(mailbox)), logger: warehouse.logger)
        var pending: [PendingPush] = []
        for try await (id, itemID, key, version, deleted, content) in rows
            .decode((String, String?, String?, Int, Bool, String).self) {
            pending.append(PendingPush(crmID: id, ewsItemID: itemID, changeKey: key, crmVersion: version,
                                       deleted: deleted, content: content))
        }
        return pending
    }

    /// Meetings made in the CRM that the push leaves to `crmhub export calendar-ics` (recurring ones).
    package func unpushableMeetings(mailbox: String) async throws -> [String] {
        let rows = try await warehouse.client.query("""
            SELECT uid FROM core.calendar_events
            WHERE calendar = \(mailbox) AND origin = 'crm' AND rrule IS NOT NULL AND deleted_at IS NULL
              AND ews_item_id IS NULL ORDER BY uid
            """, logger: warehouse.logger)
        var uids: [String] = []
        for try await uid in rows.decode(String.self) { uids.append(uid) }
        return uids
    }

    /// How a push ended: Exchange's response code, and the item's id and change key after it when it succeeded.
    package struct PushResult: Sendable, Equatable {
        package var operation: String
        package var responseCode: String
        package var ewsItemID: String?
        package var changeKey: String?
        /// Whether the row is now in step with Exchange (a success; a deletion of an item already gone).
        package var settled: Bool

        package init(operation: String, responseCode: String, ewsItemID: String? = nil, changeKey: String? = nil,
                     settled: Bool) {
            self.operation = operation
            self.responseCode = responseCode
            self.ewsItemID = ewsItemID
            self.changeKey = changeKey
            self.settled = settled
        }
    }

    /// Records a push in `ops.exchange_pushes` and, when it settled the row, marks the version sent as synced
    /// (a row the CRM changed again meanwhile stays pending).
    package func recordPush(_ table: ExchangeTable, mailbox: String, push: PendingPush, result: PushResult)
        async throws
    {
        let logger = warehouse.logger
        let t = table
        try await warehouse.withLoadConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SET LOCAL crmhub.sync = 'on'", logger: logger)
                if result.settled {
                    var binds = Self.binds(mailbox, push.crmID)
                    binds.append(result.ewsItemID)
                    binds.append(result.changeKey)
                    binds.append(push.crmVersion)
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        UPDATE \(t.name) t SET ews_item_id = coalesce($3, t.ews_item_id),
                            ews_change_key = coalesce($4, t.ews_change_key),
                            synced_version = greatest(coalesce(t.synced_version, 0), $5)
                        WHERE t.\(t.mailboxColumn) = $1 AND t.\(t.idColumn) = $2 AND \(t.rowFilter)
                        """, binds: binds), logger: logger)
                }
                try await connection.query("""
                    INSERT INTO ops.exchange_pushes (mailbox, folder, crm_id, operation, crm_version, ews_item_id,
                        result)
                    VALUES (\(mailbox), \(t.folder), \(push.crmID), \(result.operation), \(push.crmVersion),
                        \(result.ewsItemID ?? push.ewsItemID), \(result.responseCode))
                    """, logger: logger)
            }
        }
    }

    private static func count(_ connection: LoadConnection, _ logger: Logger, _ sql: String, _ mailbox: String,
                              _ batchID: Int64) async throws -> Int {
        var binds = binds(mailbox)
        binds.append(batchID)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
        return Int(try rows.first!.decode(Int64.self))
    }

    private static func binds(_ mailbox: String, _ more: String...) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(mailbox)
        for value in more { binds.append(value) }
        return binds
    }

    private static func binds(_ mailbox: String, _ ids: [String]) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(mailbox)
        binds.append(ids)
        return binds
    }
}
