import HubCore
import Logging
import PostgresNIO
import Synchronization

/// Applies a staged 1C file to `core`, set-wise, inside the load's transaction, chunk by chunk.
///
/// Order follows 1C's own reader: counterparties first (documents refer to them), then invoices with their
/// lines; payments and shipments (which refer to invoices, perhaps in a later chunk) and deletions (after the
/// whole message, never for an object that arrived in the same message) once every chunk is in.
///
/// Per chunk (`applyChunk`): counterparties are matched first; the file's bytes go to
/// `raw.onec_message_chunks` and the staged rows to their tables (`OneCStageTable`, one COPY each, raw
/// objects straight into `raw.onec_objects`); new invoices and their lines are COPYed into `core` (or, when
/// the chunk holds one the warehouse has, staged and upserted); rejected objects are quarantined.
/// Staging tables live for the transaction: `stage_party_ids` maps the file's party keys to warehouse ids
/// across chunks, `stage_later` holds payments, shipments and deletions until `finish`.
struct OneCMerge: Sendable {
    let batchID: Int64
    let source: BatchSource
    let connection: LoadConnection
    let logger: Logger
    /// What the chunks applied so far have learnt: the warehouse ids of the file's parties, and whether
    /// writing invoices straight into `core` keeps failing (then it is no longer tried).
    private let state = OneCMergeState()

    init(batchID: Int64, source: BatchSource, connection: LoadConnection, logger: Logger) {
        self.batchID = batchID
        self.source = source
        self.connection = connection
        self.logger = logger
    }

    func prepare() async throws {
        // COPY names its table unqualified (see `OneCStageTable.raw`); every other statement qualifies its own.
        try await exec("SET LOCAL search_path TO pg_temp, raw, core")
        for table in OneCStageTable.allCases {
            if let definition = table.definition { try await exec(PostgresQuery(unsafeSQL: definition)) }
        }
        try await exec("""
            CREATE TEMP TABLE stage_party_ids (party_key integer PRIMARY KEY, counterparty_id bigint,
                                               party_inn text, party_name text) ON COMMIT DROP
            """)
        try await exec("CREATE TEMP TABLE stage_changed (id bigint, ref text, inserted boolean) ON COMMIT DROP")
        let sequence = try await connection.query(
            "SELECT pg_get_serial_sequence('core.invoices', 'id')::regclass::oid::bigint", logger: logger
        ).collect().first!.decode(Int64.self)
        state.invoiceSequence.withLock { $0 = sequence }
    }

    func applyChunk(_ chunk: OneCLoadChunk) async throws -> OneCLoadSummary {
        try await exec(PostgresQuery(unsafeSQL: "TRUNCATE " + OneCStageTable.perChunk.map(\.tableName)
            .joined(separator: ", ")))
        var summary = OneCLoadSummary()
        // Counterparties first: invoices written straight into `core` carry their ids.
        if chunk.rows(.party).readableBytes > 0 {
            try await copy(chunk.rows(.party), into: .party)
            summary.counterparties = try await mergeCounterparties()
            try await rememberParties()
        }
        // The new invoices' rows are encoded on another task while the server stores the raw layer.
        var encoding: Task<(invoices: ByteBuffer, lines: ByteBuffer), Never>?
        if !chunk.invoices.isEmpty, !chunk.repeatsInvoice, state.tryDirect {
            let ids = try await reserveInvoiceIDs(chunk.invoices.count)
            let parties = state.parties.withLock { $0 }
            let (invoices, batchID) = (chunk.invoices, self.batchID)
            encoding = Task {
                OneCInvoiceCopy.direct(invoices, ids: ids.ids, changeSeqs: ids.changeSeqs, parties: parties,
                                       batchID: batchID)
            }
        }
        for piece in chunk.pieces where piece.bytes.readableBytes > 0 {
            try await exec("""
                INSERT INTO raw.onec_message_chunks (batch_id, byte_offset, byte_length, bytes)
                VALUES (\(batchID), \(piece.offset), \(Int32(piece.bytes.readableBytes)), \(piece.bytes))
                """)
        }
        for table in [OneCStageTable.later, .staff, .raw, .quarantine] where chunk.rows(table).readableBytes > 0 {
            try await copy(chunk.rows(table), into: table)
        }
        if !chunk.invoices.isEmpty {
            summary.invoices = try await mergeInvoices(chunk.invoices, direct: await encoding?.value,
                                                       repeats: chunk.repeatsInvoice)
        }
        if chunk.rows(.quarantine).readableBytes > 0 {
            try await exec("""
                INSERT INTO ops.quarantine (batch_id, source_kind, source_name, position, record_kind, reason, field,
                                            raw, path)
                SELECT \(batchID), \(source.sourceKind), \(source.sourceName), source_line, object_type, reason,
                       field, coalesce(raw.onec_object_xml(\(batchID), byte_offset, byte_length), raw, '{}'),
                       source_path
                FROM stage_quarantine
                """)
        }
        return summary
    }

    /// What waits for the whole message: payments and shipments (their invoices resolved), deletions.
    /// - Parameter staged: whether any payment, shipment or deletion was staged (most large messages are
    ///   invoices only: then there is nothing to do).
    func finish(staged: Bool, stagedStaff: Bool = false) async throws -> OneCLoadSummary {
        var summary = OneCLoadSummary()
        if stagedStaff {
            (summary.staff, summary.history) = try await OneCStaffMerge(batchID: batchID, connection: connection,
                                                                        logger: logger).merge()
        }
        guard staged else { return summary }
        summary.quarantined = try await resolveReferences()
        summary.payments = try await mergePayments()
        summary.shipments = try await mergeShipments()
        summary.supplierInvoices = try await mergeSupplierInvoices()
        (summary.deletionsApplied, summary.deletionsUnknown) = try await applyDeletions()
        summary.deletionsApplied += try await OneCStaffMerge(batchID: batchID, connection: connection, logger: logger)
            .applyDeletions()
        if summary.quarantined > 0 {
            try await exec("""
                UPDATE raw.onec_objects o SET disposition = 'quarantined'
                FROM ops.quarantine q
                WHERE q.batch_id = \(batchID) AND o.batch_id = \(batchID) AND o.source_path = q.path
                """)
        }
        return summary
    }

    private func exec(_ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger)
    }

    private func changes(_ query: PostgresQuery) async throws -> OneCLoadSummary.Changes {
        try await connection.changes(query, logger: logger)
    }

    /// One staged party per counterparty the file names → a `core.counterparties` id: by any of its UUIDs,
    /// then INN, then (for a party without INN) name; new ones are created; catalogue entries update theirs.
    private func mergeCounterparties() async throws -> OneCLoadSummary.Changes {
        try await exec("""
            UPDATE stage_party p SET counterparty_id = coalesce(
                (SELECT r.counterparty_id FROM core.counterparty_refs r
                 WHERE r.source_ref = ANY (p.party_refs) ORDER BY r.counterparty_id LIMIT 1),
                (SELECT c.id FROM core.counterparties c WHERE c.source_ref = ANY (p.party_refs) LIMIT 1),
                (SELECT c.id FROM core.counterparties c WHERE c.inn = p.party_inn),
                (SELECT c.id FROM core.counterparties c
                 WHERE p.party_inn IS NULL AND lower(c.name) = lower(p.party_name) ORDER BY c.id LIMIT 1))
            """)
        // Ids are drawn first so that documents can be joined to new counterparties without a second lookup.
        try await exec("""
            UPDATE stage_party
            SET counterparty_id = nextval(pg_get_serial_sequence('core.counterparties', 'id')), is_new = true
            WHERE counterparty_id IS NULL AND party_name IS NOT NULL
            """)
        let inserted = try await connection.query("""
            WITH inserted AS (
                INSERT INTO core.counterparties (id, source_ref, inn, kpp, name, full_name, is_legal_entity,
                    bank_account, bank_code, bank_name, phone, email, address, contacts, origin, batch_id,
                    source_line, source_path)
                SELECT counterparty_id, coalesce(party_refs[1], gen_random_uuid()::text), party_inn, party_kpp,
                       party_name, party_full_name, party_legal, bank_account, bank_code, bank_name, phone, email,
                       address, coalesce(contacts, '{}'), '1c', \(batchID), source_line, source_path
                FROM stage_party WHERE is_new
                RETURNING 1)
            SELECT count(*)::bigint FROM inserted
            """, logger: logger).collect().first!.decode(Int64.self)
        let updated = try await connection.query("""
            WITH updated AS (
                UPDATE core.counterparties c
                SET inn = coalesce(p.party_inn, c.inn), kpp = coalesce(p.party_kpp, c.kpp), name = p.party_name,
                    full_name = coalesce(p.party_full_name, c.full_name),
                    is_legal_entity = coalesce(p.party_legal, c.is_legal_entity),
                    bank_account = coalesce(p.bank_account, c.bank_account),
                    bank_code = coalesce(p.bank_code, c.bank_code), bank_name = coalesce(p.bank_name, c.bank_name),
                    phone = coalesce(p.phone, c.phone), email = coalesce(p.email, c.email),
                    address = coalesce(p.address, c.address), contacts = coalesce(p.contacts, c.contacts),
                    batch_id = \(batchID), source_line = p.source_line, source_path = p.source_path,
                    updated_at = now()
                FROM stage_party p
                WHERE p.counterparty_id = c.id AND p.explicit AND NOT p.is_new
                  AND (c.inn, c.kpp, c.name, c.full_name, c.is_legal_entity, c.bank_account, c.bank_code,
                       c.bank_name, c.phone, c.email, c.address, c.contacts)
                      IS DISTINCT FROM
                      (coalesce(p.party_inn, c.inn), coalesce(p.party_kpp, c.kpp), p.party_name,
                       coalesce(p.party_full_name, c.full_name), coalesce(p.party_legal, c.is_legal_entity),
                       coalesce(p.bank_account, c.bank_account), coalesce(p.bank_code, c.bank_code),
                       coalesce(p.bank_name, c.bank_name), coalesce(p.phone, c.phone), coalesce(p.email, c.email),
                       coalesce(p.address, c.address), coalesce(p.contacts, c.contacts))
                RETURNING 1)
            SELECT count(*)::bigint FROM updated
            """, logger: logger).collect().first!.decode(Int64.self)
        try await exec("""
            INSERT INTO core.counterparty_refs (source_ref, counterparty_id, batch_id)
            SELECT DISTINCT ON (ref) ref, p.counterparty_id, \(batchID)
            FROM stage_party p, unnest(p.party_refs) AS ref
            WHERE p.counterparty_id IS NOT NULL
            ON CONFLICT (source_ref) DO NOTHING
            """)
        try await exec("""
            INSERT INTO stage_party_ids (party_key, counterparty_id, party_inn, party_name)
            SELECT party_key, counterparty_id, party_inn, party_name FROM stage_party
            ON CONFLICT (party_key) DO UPDATE
            SET counterparty_id = EXCLUDED.counterparty_id, party_inn = EXCLUDED.party_inn,
                party_name = EXCLUDED.party_name
            """)
        let explicit = try await connection.query(
            "SELECT count(*)::bigint FROM stage_party WHERE explicit OR is_new", logger: logger
        ).collect().first!.decode(Int64.self)
        return .init(inserted: Int(inserted), updated: Int(updated),
                     unchanged: max(0, Int(explicit - inserted - updated)))
    }

    /// Keeps the warehouse ids of the parties just matched, for invoices written straight into `core`.
    private func rememberParties() async throws {
        let rows = try await connection.query(
            "SELECT party_key, counterparty_id, party_inn, party_name FROM stage_party", logger: logger
        ).collect()
        var resolved: [(Int, ResolvedParty)] = []
        resolved.reserveCapacity(rows.count)
        for row in rows {
            let (key, id, inn, name) = try row.decode((Int, Int64?, String?, String?).self)
            resolved.append((key, ResolvedParty(counterpartyID: id, inn: inn, name: name)))
        }
        state.parties.withLock { parties in
            for (key, party) in resolved { parties[key] = party }
        }
    }

    private func copy(_ rows: ByteBuffer, into table: OneCStageTable) async throws {
        try await connection.copyFrom(table: table.tableName, columns: table.columns.map(\.name),
                                      logger: logger) { writer in
            try await writer.write(rows)
        }
    }

    /// Ids and change positions for `count` new invoices, drawn from the sequences their defaults use (so
    /// CRM-side inserts never collide). Given in the COPY rather than left to the defaults: a volatile default
    /// (`nextval`) makes PostgreSQL insert row by row instead of a page at a time. The id sequence is named by
    /// its oid, a constant: `pg_get_serial_sequence` evaluated per row cost 3 µs an id.
    private func reserveInvoiceIDs(_ count: Int) async throws -> (ids: [Int64], changeSeqs: [Int64]) {
        let sequence = state.invoiceSequence.withLock { $0 }
        let row = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT array_agg(nextval(\(sequence)::oid::regclass)), array_agg(nextval('core.crm_change_seq'))
            FROM generate_series(1, \(count))
            """), logger: logger).collect().first!
        return try row.decode(([Int64], [Int64]).self)
    }

    /// A chunk's invoices: straight into `core` when none of them is there yet (`direct` holds their rows,
    /// encoded for that), else staged and upserted.
    private func mergeInvoices(
        _ invoices: [StagedInvoice], direct: (invoices: ByteBuffer, lines: ByteBuffer)?, repeats: Bool
    ) async throws -> OneCLoadSummary.Changes {
        if let direct, try await insertNew(direct) {
            return .init(inserted: invoices.count)
        }
        let (invoiceRows, lineRows) = OneCInvoiceCopy.staged(invoices)
        try await exec("TRUNCATE stage_invoice, stage_line")
        try await copy(invoiceRows, into: .invoice)
        if lineRows.readableBytes > 0 { try await copy(lineRows, into: .line) }
        return try await upsertStagedInvoices(repeats: repeats)
    }

    /// COPYs new invoices and their lines into `core` under a savepoint; false (and nothing changed) when one
    /// of them turns out to be in the warehouse already.
    private func insertNew(_ rows: (invoices: ByteBuffer, lines: ByteBuffer)) async throws -> Bool {
        let (invoiceRows, lineRows) = rows
        try await exec("SAVEPOINT onec_new_invoices")
        do {
            try await connection.copyFrom(table: "invoices", columns: OneCInvoiceCopy.invoiceColumns,
                                          logger: logger) { writer in
                try await writer.write(invoiceRows)
            }
            if lineRows.readableBytes > 0 {
                try await connection.copyFrom(table: "invoice_lines", columns: OneCInvoiceCopy.lineColumns,
                                              logger: logger) { writer in
                    try await writer.write(lineRows)
                }
            }
            try await exec("RELEASE SAVEPOINT onec_new_invoices")
            return true
        } catch where Warehouse.sqlState(of: error) == "23505" {
            // Some invoice of the chunk was loaded before (1C resends): the chunk goes the upsert way.
            try await exec("ROLLBACK TO SAVEPOINT onec_new_invoices")
            state.noteFallback()
            return false
        }
    }

    /// Each invoice of `stage_invoice` upserted by its reference (the later version when 1C sent one twice);
    /// lines are rewritten only for invoices that changed.
    private func upsertStagedInvoices(repeats: Bool) async throws -> OneCLoadSummary.Changes {
        if repeats {
            try await exec("""
                DELETE FROM stage_invoice a USING stage_invoice b WHERE a.ref = b.ref AND a.seq < b.seq
                """)
        }
        let result = try await changes("""
            WITH upserted AS (
                INSERT INTO core.invoices AS t (source_ref, number, issued_on, document_kind, counterparty_id,
                    counterparty_inn, counterparty_name, organization_inn, organization_name, amount, currency,
                    amount_includes_vat, due_on, contract, comment, attributes, lines_digest, deleted, origin,
                    batch_id, source_line, source_path)
                SELECT s.ref, s.number, s.doc_date, s.doc_kind, p.counterparty_id, coalesce(s.cp_inn, p.party_inn),
                       coalesce(s.cp_name, p.party_name),
                       s.org_inn, s.org_name, s.amount, s.currency, s.includes_vat, s.due_on, s.contract, s.comment,
                       s.attributes, s.lines_digest, s.deleted, '1c', \(batchID), s.source_line, s.source_path
                FROM stage_invoice s LEFT JOIN stage_party_ids p ON p.party_key = s.party_key
                ON CONFLICT (source_ref) DO UPDATE
                SET number = EXCLUDED.number, issued_on = EXCLUDED.issued_on, document_kind = EXCLUDED.document_kind,
                    counterparty_id = EXCLUDED.counterparty_id, counterparty_inn = EXCLUDED.counterparty_inn,
                    counterparty_name = EXCLUDED.counterparty_name, organization_inn = EXCLUDED.organization_inn,
                    organization_name = EXCLUDED.organization_name, amount = EXCLUDED.amount,
                    currency = EXCLUDED.currency, amount_includes_vat = EXCLUDED.amount_includes_vat,
                    due_on = EXCLUDED.due_on, contract = EXCLUDED.contract, comment = EXCLUDED.comment,
                    attributes = EXCLUDED.attributes, lines_digest = EXCLUDED.lines_digest,
                    deleted = EXCLUDED.deleted, batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line,
                    source_path = EXCLUDED.source_path, updated_at = now()
                WHERE (t.number, t.issued_on, t.document_kind, t.counterparty_id, t.counterparty_inn,
                       t.counterparty_name, t.organization_inn, t.organization_name, t.amount, t.currency,
                       t.amount_includes_vat, t.due_on, t.contract, t.comment, t.attributes, t.lines_digest,
                       t.deleted)
                      IS DISTINCT FROM
                      (EXCLUDED.number, EXCLUDED.issued_on, EXCLUDED.document_kind, EXCLUDED.counterparty_id,
                       EXCLUDED.counterparty_inn, EXCLUDED.counterparty_name, EXCLUDED.organization_inn,
                       EXCLUDED.organization_name, EXCLUDED.amount, EXCLUDED.currency, EXCLUDED.amount_includes_vat,
                       EXCLUDED.due_on, EXCLUDED.contract, EXCLUDED.comment, EXCLUDED.attributes,
                       EXCLUDED.lines_digest, EXCLUDED.deleted)
                RETURNING t.id, t.source_ref, (t.xmax = 0) AS inserted
            ), new_lines AS (
                -- A new invoice has no lines yet: its lines go in with it, in the same statement.
                INSERT INTO core.invoice_lines (invoice_id, kind, line_no, item_ref, item_name, sku, unit,
                                                quantity, price, amount, vat_rate, vat_amount, batch_id)
                SELECT u.id, l.line_kind, l.line_no, l.item_ref, l.item_name, l.sku, l.unit, l.quantity, l.price,
                       l.amount, l.vat_rate, l.vat_amount, \(batchID)
                FROM upserted u
                JOIN stage_invoice i ON i.ref = u.source_ref
                JOIN stage_line l ON l.parent_seq = i.seq
                WHERE u.inserted
            ), changed AS (
                INSERT INTO stage_changed SELECT id, source_ref, inserted FROM upserted WHERE NOT inserted
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint,
                   (SELECT count(*) FROM stage_invoice)::bigint
            FROM upserted
            """)
        // An invoice that changed has its lines rewritten.
        guard result.updated > 0 else { return result }
        try await exec("""
            DELETE FROM core.invoice_lines l USING stage_changed c WHERE l.invoice_id = c.id
            """)
        try await exec("""
            INSERT INTO core.invoice_lines (invoice_id, kind, line_no, item_ref, item_name, sku, unit, quantity,
                                            price, amount, vat_rate, vat_amount, batch_id)
            SELECT c.id, l.line_kind, l.line_no, l.item_ref, l.item_name, l.sku, l.unit, l.quantity, l.price,
                   l.amount, l.vat_rate, l.vat_amount, \(batchID)
            FROM stage_changed c
            JOIN stage_invoice i ON i.ref = c.ref
            JOIN stage_line l ON l.parent_seq = i.seq
            """)
        try await exec("TRUNCATE stage_changed")
        return result
    }

    /// Payments and shipments name the invoice they settle or fulfil: by UUID, else by number (and date and
    /// counterparty when given). A named invoice that is nowhere to be found quarantines the document.
    /// A staged document that is our outgoing payment (`Документ.СБДС*`): the document it settles is a supplier's,
    /// not one of `core.invoices`, so it is kept by number (`invoice_ref`, `invoice_number`) and not resolved.
    static let outgoing = "doc_kind LIKE 'Документ.СБДС%'"

    private func resolveReferences() async throws -> Int {
        try await exec("""
            CREATE TEMP TABLE stage_document ON COMMIT DROP AS
            SELECT DISTINCT ON (s.kind, s.ref) s.*, p.counterparty_id, p.party_inn AS cp_inn, p.party_name AS cp_name,
                   NULL::bigint AS invoice_id
            FROM stage_later s LEFT JOIN stage_party_ids p ON p.party_key = s.party_key
            WHERE s.kind IN ('p', 's')
            ORDER BY s.kind, s.ref, s.seq DESC
            """)
        try await exec("""
            UPDATE stage_document d SET invoice_id = coalesce(
                (SELECT i.id FROM core.invoices i WHERE i.source_ref = d.target_ref),
                (SELECT i.id FROM core.invoices i
                 WHERE d.target_number IS NOT NULL AND i.number = d.target_number
                   AND (d.target_date IS NULL OR i.issued_on = d.target_date)
                   AND (d.counterparty_id IS NULL OR i.counterparty_id IS NULL OR i.counterparty_id = d.counterparty_id)
                 ORDER BY i.issued_on DESC, i.id DESC LIMIT 1))
            WHERE (target_ref IS NOT NULL OR target_number IS NOT NULL) AND NOT \(unescaped: Self.outgoing)
            """)
        return Int(try await connection.query("""
            WITH unresolved AS (
                INSERT INTO ops.quarantine (batch_id, source_kind, source_name, position, record_kind, reason, field,
                                            raw, path)
                SELECT \(batchID), \(source.sourceKind), \(source.sourceName), d.source_line, d.doc_kind,
                       'unresolved reference: the invoice it names ('
                           || concat_ws(' ', d.target_ref, '№' || d.target_number, d.target_date::text)
                           || ') is neither in this message nor in the warehouse',
                       'invoice',
                       coalesce(raw.onec_object_xml(\(batchID), r.byte_offset, r.byte_length), r.properties::text, '{}'),
                       d.source_path
                FROM stage_document d
                LEFT JOIN raw.onec_objects r ON r.batch_id = \(batchID) AND r.source_path = d.source_path
                WHERE d.invoice_id IS NULL AND (d.target_ref IS NOT NULL OR d.target_number IS NOT NULL)
                  AND NOT \(unescaped: Self.outgoing)
                RETURNING path)
            SELECT count(*)::bigint FROM unresolved
            """, logger: logger).collect().first!.decode(Int64.self))
    }

    static func unresolvedSamples(batchID: Int64, connection: LoadConnection, logger: Logger) async throws
        -> [QuarantinedRecord]
    {
        try await connection.query("""
            SELECT position, record_kind, reason, field, raw, path FROM ops.quarantine
            WHERE batch_id = \(batchID) AND reason LIKE 'unresolved reference%' ORDER BY id LIMIT 10
            """, logger: logger).collect().map { row in
            let (line, kind, reason, field, raw, path) = try row.decode((Int, String, String, String?, String, String?).self)
            return QuarantinedRecord(line: line, recordKind: kind, reason: reason, field: field, raw: raw, path: path)
        }
    }

    private func mergePayments() async throws -> OneCLoadSummary.Changes {
        try await changes("""
            WITH upserted AS (
                INSERT INTO core.payments_1c AS t (source_ref, number, paid_on, document_kind, amount, currency,
                    counterparty_id, counterparty_inn, counterparty_name, invoice_id, invoice_ref, invoice_number,
                    contract, purpose, incoming_number, incoming_date, our_account, attributes, deleted, batch_id,
                    source_line, source_path, direction)
                SELECT ref, number, doc_date, doc_kind, amount, currency, counterparty_id, cp_inn, cp_name,
                       invoice_id, target_ref, target_number, contract, purpose, incoming_number, incoming_date,
                       our_account, attributes, deleted, \(batchID), source_line, source_path,
                       CASE WHEN \(unescaped: Self.outgoing) THEN 'out' ELSE 'in' END
                FROM stage_document WHERE kind = 'p' AND (\(unescaped: Self.outgoing) OR NOT (invoice_id IS NULL AND (target_ref IS NOT NULL OR target_number IS NOT NULL)))
                ON CONFLICT (source_ref) DO UPDATE
                SET number = EXCLUDED.number, paid_on = EXCLUDED.paid_on, document_kind = EXCLUDED.document_kind,
                    amount = EXCLUDED.amount, currency = EXCLUDED.currency,
                    counterparty_id = EXCLUDED.counterparty_id, counterparty_inn = EXCLUDED.counterparty_inn,
                    counterparty_name = EXCLUDED.counterparty_name, invoice_id = EXCLUDED.invoice_id,
                    invoice_ref = EXCLUDED.invoice_ref, invoice_number = EXCLUDED.invoice_number,
                    contract = EXCLUDED.contract, purpose = EXCLUDED.purpose,
                    incoming_number = EXCLUDED.incoming_number, incoming_date = EXCLUDED.incoming_date,
                    our_account = EXCLUDED.our_account, attributes = EXCLUDED.attributes, deleted = EXCLUDED.deleted,
                    batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line,
                    source_path = EXCLUDED.source_path, direction = EXCLUDED.direction, updated_at = now()
                WHERE (t.number, t.paid_on, t.amount, t.currency, t.counterparty_id, t.invoice_id, t.contract,
                       t.purpose, t.incoming_number, t.incoming_date, t.our_account, t.attributes, t.deleted)
                      IS DISTINCT FROM
                      (EXCLUDED.number, EXCLUDED.paid_on, EXCLUDED.amount, EXCLUDED.currency,
                       EXCLUDED.counterparty_id, EXCLUDED.invoice_id, EXCLUDED.contract, EXCLUDED.purpose,
                       EXCLUDED.incoming_number, EXCLUDED.incoming_date, EXCLUDED.our_account, EXCLUDED.attributes,
                       EXCLUDED.deleted)
                RETURNING (t.xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint,
                   (SELECT count(*) FROM stage_document WHERE kind = 'p' AND (\(unescaped: Self.outgoing) OR NOT (invoice_id IS NULL AND (target_ref IS NOT NULL OR target_number IS NOT NULL))))::bigint
            FROM upserted
            """)
    }

    private func mergeShipments() async throws -> OneCLoadSummary.Changes {
        try await changes("""
            WITH upserted AS (
                INSERT INTO core.shipments AS t (source_ref, number, shipped_on, document_kind, amount, currency,
                    counterparty_id, counterparty_inn, counterparty_name, invoice_id, invoice_ref, invoice_number,
                    attributes, deleted, batch_id, source_line, source_path)
                SELECT ref, number, doc_date, doc_kind, amount, currency, counterparty_id, cp_inn, cp_name,
                       invoice_id, target_ref, target_number, attributes, deleted, \(batchID), source_line,
                       source_path
                FROM stage_document WHERE kind = 's' AND NOT (invoice_id IS NULL AND (target_ref IS NOT NULL OR target_number IS NOT NULL))
                ON CONFLICT (source_ref) DO UPDATE
                SET number = EXCLUDED.number, shipped_on = EXCLUDED.shipped_on,
                    document_kind = EXCLUDED.document_kind, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
                    counterparty_id = EXCLUDED.counterparty_id, counterparty_inn = EXCLUDED.counterparty_inn,
                    counterparty_name = EXCLUDED.counterparty_name, invoice_id = EXCLUDED.invoice_id,
                    invoice_ref = EXCLUDED.invoice_ref, invoice_number = EXCLUDED.invoice_number,
                    attributes = EXCLUDED.attributes, deleted = EXCLUDED.deleted, batch_id = EXCLUDED.batch_id,
                    source_line = EXCLUDED.source_line, source_path = EXCLUDED.source_path, updated_at = now()
                WHERE (t.number, t.shipped_on, t.amount, t.currency, t.counterparty_id, t.invoice_id, t.attributes,
                       t.deleted)
                      IS DISTINCT FROM
                      (EXCLUDED.number, EXCLUDED.shipped_on, EXCLUDED.amount, EXCLUDED.currency,
                       EXCLUDED.counterparty_id, EXCLUDED.invoice_id, EXCLUDED.attributes, EXCLUDED.deleted)
                RETURNING (t.xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint,
                   (SELECT count(*) FROM stage_document WHERE kind = 's' AND NOT (invoice_id IS NULL AND (target_ref IS NOT NULL OR target_number IS NOT NULL)))::bigint
            FROM upserted
            """)
    }

    /// Supplier invoices and receipts name no other document: upserted by their ref, the last version in the
    /// message winning.
    private func mergeSupplierInvoices() async throws -> OneCLoadSummary.Changes {
        try await changes("""
            WITH staged AS (
                SELECT DISTINCT ON (s.ref) s.*, p.counterparty_id, p.party_inn AS cp_inn, p.party_name AS cp_name
                FROM stage_later s LEFT JOIN stage_party_ids p ON p.party_key = s.party_key
                WHERE s.kind = 'r'
                ORDER BY s.ref, s.seq DESC
            ), upserted AS (
                INSERT INTO core.supplier_invoices AS t (source_ref, number, issued_on, document_kind, supplier_number,
                    supplier_date, counterparty_id, counterparty_inn, counterparty_name, organization_inn,
                    organization_name, amount, currency, contract, comment, attributes, deleted, batch_id,
                    source_line, source_path)
                SELECT ref, number, doc_date, doc_kind, incoming_number, incoming_date, counterparty_id, cp_inn,
                       cp_name, org_inn, org_name, amount, currency, contract, comment,
                       attributes, deleted, \(batchID), source_line, source_path
                FROM staged
                ON CONFLICT (source_ref) DO UPDATE
                SET number = EXCLUDED.number, issued_on = EXCLUDED.issued_on, document_kind = EXCLUDED.document_kind,
                    supplier_number = EXCLUDED.supplier_number, supplier_date = EXCLUDED.supplier_date,
                    counterparty_id = EXCLUDED.counterparty_id, counterparty_inn = EXCLUDED.counterparty_inn,
                    counterparty_name = EXCLUDED.counterparty_name, organization_inn = EXCLUDED.organization_inn,
                    organization_name = EXCLUDED.organization_name, amount = EXCLUDED.amount,
                    currency = EXCLUDED.currency, contract = EXCLUDED.contract, comment = EXCLUDED.comment,
                    attributes = EXCLUDED.attributes, deleted = EXCLUDED.deleted, batch_id = EXCLUDED.batch_id,
                    source_line = EXCLUDED.source_line, source_path = EXCLUDED.source_path, updated_at = now()
                WHERE (t.number, t.issued_on, t.supplier_number, t.supplier_date, t.counterparty_id, t.amount,
                       t.currency, t.contract, t.comment, t.attributes, t.deleted)
                      IS DISTINCT FROM
                      (EXCLUDED.number, EXCLUDED.issued_on, EXCLUDED.supplier_number, EXCLUDED.supplier_date,
                       EXCLUDED.counterparty_id, EXCLUDED.amount, EXCLUDED.currency, EXCLUDED.contract,
                       EXCLUDED.comment, EXCLUDED.attributes, EXCLUDED.deleted)
                RETURNING (t.xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted)::bigint, count(*) FILTER (WHERE NOT inserted)::bigint,
                   (SELECT count(*) FROM staged)::bigint
            FROM upserted
            """)
    }

    /// `УдалениеОбъекта` marks the object deleted, whatever its table (1C UUIDs are unique across types).
    /// Skipped for objects that arrived in this same message, as 1C's own reader does.
    private func applyDeletions() async throws -> (applied: Int, unknown: Int) {
        let row = try await connection.query("""
            WITH wanted AS (
                SELECT DISTINCT d.ref FROM stage_later d
                WHERE d.kind = 'd'
                  AND NOT EXISTS (SELECT 1 FROM raw.onec_objects o
                                  WHERE o.source_ref = d.ref AND o.batch_id = \(batchID) AND o.disposition = 'mapped')
            ), counterparties AS (
                -- By any UUID 1C used for it, or by our own for a client CRMHub sent to 1C.
                UPDATE core.counterparties c SET deleted = true, batch_id = \(batchID), updated_at = now()
                FROM wanted w
                WHERE NOT c.deleted
                  AND (c.source_ref = w.ref
                       OR c.id IN (SELECT r.counterparty_id FROM core.counterparty_refs r WHERE r.source_ref = w.ref))
                RETURNING w.ref
            ), invoices AS (
                UPDATE core.invoices i SET deleted = true, batch_id = \(batchID), updated_at = now()
                FROM wanted w WHERE i.source_ref = w.ref AND NOT i.deleted RETURNING w.ref
            ), payments AS (
                UPDATE core.payments_1c p SET deleted = true, batch_id = \(batchID), updated_at = now()
                FROM wanted w WHERE p.source_ref = w.ref AND NOT p.deleted RETURNING w.ref
            ), shipments AS (
                UPDATE core.shipments s SET deleted = true, batch_id = \(batchID), updated_at = now()
                FROM wanted w WHERE s.source_ref = w.ref AND NOT s.deleted RETURNING w.ref
            ), supplier_invoices AS (
                UPDATE core.supplier_invoices s SET deleted = true, batch_id = \(batchID), updated_at = now()
                FROM wanted w WHERE s.source_ref = w.ref AND NOT s.deleted RETURNING w.ref
            )
            SELECT (SELECT count(*) FROM counterparties) + (SELECT count(*) FROM invoices)
                       + (SELECT count(*) FROM payments) + (SELECT count(*) FROM shipments)
                       + (SELECT count(*) FROM supplier_invoices),
                   (SELECT count(*) FROM wanted w
                    WHERE NOT EXISTS (SELECT 1 FROM core.counterparty_refs r WHERE r.source_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.counterparties c WHERE c.source_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.invoices i WHERE i.source_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.payments_1c p WHERE p.source_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.shipments s WHERE s.source_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.supplier_invoices s WHERE s.source_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.employee_history h WHERE h.registrar_ref = w.ref)
                      AND NOT EXISTS (SELECT 1 FROM core.employees e WHERE e.source_ref = w.ref))
            """, logger: logger).collect().first!
        let (applied, unknown) = try row.decode((Int64, Int64).self)
        return (Int(applied), Int(unknown))
    }
}

/// What `OneCMerge` carries from one chunk to the next (chunks are applied one after another).
final class OneCMergeState: Sendable {
    let parties = Mutex<[Int: ResolvedParty]>([:])
    /// The oid of `core.invoices`' id sequence.
    let invoiceSequence = Mutex<Int64>(0)
    private let fallbacks = Mutex(0)

    /// Whether to try writing a chunk's invoices straight into `core`: not once two chunks of the file had
    /// an invoice the warehouse already holds (a resent message: every chunk would try, and fail, first).
    var tryDirect: Bool { fallbacks.withLock { $0 < 2 } }

    func noteFallback() { fallbacks.withLock { $0 += 1 } }
}

extension LoadConnection {
    /// Runs a merge statement that answers one row (inserted, updated, total) and reads it as changes.
    func changes(_ query: PostgresQuery, logger: Logger) async throws -> OneCLoadSummary.Changes {
        let row = try await self.query(query, logger: logger).collect().first!
        let (inserted, updated, total) = try row.decode((Int64, Int64, Int64).self)
        return .init(inserted: Int(inserted), updated: Int(updated), unchanged: Int(total - inserted - updated))
    }
}
