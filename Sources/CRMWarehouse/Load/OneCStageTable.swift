/// The tables a 1C chunk is copied into, one per kind of row, each with only the columns its rows carry.
///
/// One narrow table per kind instead of one wide table for all: the server parses and stores a third of
/// the fields it did (most of a wide row was `\N`), and no `INSERT … SELECT` is needed to sort the rows by
/// kind afterwards. Raw objects go straight into `raw.onec_objects`: they need no merge at all.
enum OneCStageTable: Int, CaseIterable, Sendable {
    /// Counterparties new or changed since the last chunk (`PartyRegistry`); matched by `mergeCounterparties`.
    case party
    /// Buyer invoices of a chunk that cannot go straight into `core` (`OneCInvoiceCopy`), upserted from here.
    case invoice
    /// Their lines, pointing at the invoice row's `seq`.
    case line
    /// Payments, shipments and deletions: kept for the whole load and applied once every chunk is in.
    case later
    /// Every object's raw version, written to the warehouse table directly.
    case raw
    /// Objects the mapper rejected, with the reason; their XML is taken from the stored message bytes.
    case quarantine
    /// 1C:ZUP's staff objects (persons, departments, positions, employees, HR history records): kept for the
    /// whole load and merged once every chunk is in (`OneCStaffMerge`).
    case staff

    var tableName: String {
        switch self {
        case .party: "stage_party"
        case .invoice: "stage_invoice"
        case .line: "stage_line"
        case .later: "stage_later"
        // postgres-nio quotes COPY's table name as one identifier: `raw` comes from the search path that
        // `OneCMerge.prepare` sets.
        case .raw: "onec_objects"
        case .quarantine: "stage_quarantine"
        case .staff: "stage_staff"
        }
    }

    /// Column names and types, in the order the writer encodes each row.
    var columns: [(name: String, type: String)] {
        switch self {
        case .party:
            [("party_key", "integer"), ("source_line", "integer"), ("source_path", "text"), ("party_refs", "text[]"),
             ("party_inn", "text"), ("party_kpp", "text"), ("party_name", "text"), ("party_full_name", "text"),
             ("party_legal", "boolean"), ("bank_account", "text"), ("bank_code", "text"), ("bank_name", "text"),
             ("phone", "text"), ("email", "text"), ("address", "text"), ("contacts", "jsonb"),
             ("explicit", "boolean")]
        case .invoice:
            Self.document + [("org_inn", "text"), ("org_name", "text"), ("due_on", "date"),
                             ("includes_vat", "boolean"), ("contract", "text"), ("lines_digest", "text"),
                             ("cp_inn", "text"), ("cp_name", "text")]
        case .line:
            [("parent_seq", "bigint"), ("line_kind", "text"), ("line_no", "integer"), ("item_ref", "text"),
             ("item_name", "text"), ("sku", "text"), ("unit", "text"), ("quantity", "numeric"), ("price", "numeric"),
             ("amount", "numeric"), ("vat_rate", "text"), ("vat_amount", "numeric")]
        case .later:
            [("kind", "\"char\"")] + Self.document
                + [("contract", "text"), ("lines_digest", "text"), ("target_ref", "text"), ("target_number", "text"),
                   ("target_date", "date"), ("purpose", "text"), ("incoming_number", "text"),
                   ("incoming_date", "date"), ("our_account", "text"), ("org_inn", "text"), ("org_name", "text")]
        case .raw:
            [("batch_id", "bigint"), ("source_line", "integer"), ("source_path", "text"), ("object_type", "text"),
             ("source_ref", "text"), ("disposition", "text"), ("properties", "json"), ("byte_offset", "bigint"),
             ("byte_length", "integer")]
        case .quarantine:
            [("source_line", "integer"), ("source_path", "text"), ("object_type", "text"), ("reason", "text"),
             ("field", "text"), ("raw", "text"), ("byte_offset", "bigint"), ("byte_length", "integer")]
        case .staff:
            // kind: i person, d department, j position, e employee, h history record, c a history object
            // with no records (1C cleared it); `ref` is the registrar's for h and c.
            [("seq", "bigint"), ("source_line", "integer"), ("source_path", "text"), ("kind", "\"char\""),
             ("ref", "text"), ("name", "text"), ("personnel_number", "text"), ("employee_ref", "text"),
             ("individual_ref", "text"), ("organization", "text"), ("archived", "boolean"), ("last_name", "text"),
             ("first_name", "text"), ("middle_name", "text"), ("birth_date", "date"), ("inn", "text"),
             ("pinfl", "text"), ("record_no", "integer"), ("event", "text"), ("event_text", "text"),
             ("effective_on", "date"), ("department_ref", "text"), ("department", "text"), ("position_ref", "text"),
             ("job_title", "text"), ("contract_kind", "text"), ("rate", "numeric"), ("valid_until", "date")]
        }
    }

    /// What every staged document carries: its place in the file, identity, header and counterparty.
    private static let document: [(name: String, type: String)] = [
        ("seq", "bigint"), ("source_line", "integer"), ("source_path", "text"), ("ref", "text"), ("number", "text"),
        ("doc_date", "date"), ("doc_kind", "text"), ("amount", "numeric"), ("currency", "text"), ("comment", "text"),
        ("attributes", "jsonb"), ("deleted", "boolean"), ("party_key", "integer"),
    ]

    /// Tables the writer fills, emptied before each chunk; `later` keeps its rows to the end and `raw` is the
    /// warehouse's own. (`invoice` and `line` are filled, and emptied, only when a chunk needs them.)
    static let perChunk: [OneCStageTable] = [.party, .quarantine]

    /// `CREATE TEMP TABLE` for a staging table (nil for `raw`, which is not one). The party table has the
    /// two columns its merge fills in.
    var definition: String? {
        guard self != .raw else { return nil }
        var columns = self.columns.map { "\($0.name) \($0.type)" }
        if self == .party { columns += ["counterparty_id bigint", "is_new boolean NOT NULL DEFAULT false"] }
        return "CREATE TEMP TABLE \(tableName) (\(columns.joined(separator: ", "))) ON COMMIT DROP"
    }

    /// Bytes reserved for a chunk's rows of this kind (most of a chunk is invoices, their lines and raw rows).
    var initialCapacity: Int {
        switch self {
        case .raw: OneCStageWriter.defaultChunkBytes / 4
        case .invoice, .line, .party, .later, .quarantine: 1 << 16
        case .staff: 1 << 12
        }
    }
}
