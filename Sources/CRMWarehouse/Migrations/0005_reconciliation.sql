-- camt.053 / MT940 statements and invoice↔payment reconciliation (docs/reconciliation.md, decision D15).
--
-- Statement lines from every format land in core.bank_transactions. The reconciliation engine
-- (`crmhub reconcile`) proposes or makes allocations of incoming payments to invoices; the accountant's
-- decisions (confirmed, rejected) are never undone by a rerun or a re-import.

-- One header table for every statement format; the 1C-only name stays as a view for existing queries.
ALTER TABLE raw.bank_1c_files RENAME TO bank_statement_files;
ALTER TABLE raw.bank_statement_files ADD COLUMN format text NOT NULL DEFAULT '1c'
    CHECK (format IN ('1c', 'camt053', 'mt940'));
CREATE VIEW raw.bank_1c_files AS
SELECT batch_id, format_version, declared_encoding, detected_encoding, encoding_mismatch, sender, receiver,
       created_on, created_at_time, period_start, period_end, accounts, document_kinds, header
FROM raw.bank_statement_files WHERE format = '1c';

-- What camt.053 and MT940 say that 1CClientBankExchange does not.
ALTER TABLE core.bank_transactions
    -- The bank's own unique reference (camt AcctSvcrRef, MT940 `//` reference): the dedupe key when present.
    ADD COLUMN bank_reference        text,
    -- The booking's reference: shared by the lines of one camt batch entry.
    ADD COLUMN entry_reference       text,
    -- The payment order's number: camt EndToEndId, MT940 reference for the account owner.
    ADD COLUMN end_to_end_id         text,
    -- camt Domain/Family/SubFamily (`PMNT/RCDT/DMCT`) or MT940 transaction type (`NTRF`, `NCHG`).
    ADD COLUMN bank_transaction_code text,
    ADD COLUMN entry_kind            text NOT NULL DEFAULT 'payment'
        CHECK (entry_kind IN ('payment', 'return', 'reversal')),
    ADD COLUMN return_reason         text,
    ADD COLUMN value_date            date,
    -- camt RmtInf/Strd: [{"number": "SF-2025/0155", "type": "CINV", "reference": null, "amount": "4300000.00"}].
    ADD COLUMN structured_references jsonb;
CREATE INDEX bank_transactions_end_to_end_idx ON core.bank_transactions (end_to_end_id)
    WHERE end_to_end_id IS NOT NULL;

-- One row per `crmhub reconcile`.
CREATE TABLE ops.reconciliation_runs (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    period_from     date,
    period_to       date,
    -- SHA-256 of the rules file the run used.
    rules_sha256    text        NOT NULL,
    payments        integer,
    auto            integer,
    suggested       integer,
    unmatched       integer,
    -- {"R3": 120, "R5": 7, …}: how many payments each rule decided.
    rule_counts     jsonb       NOT NULL DEFAULT '{}',
    status          text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed'))
);

-- A payment (or part of it) tied to an invoice. `auto` and `confirmed` rows count as paid; `suggested` rows
-- wait for the accountant; `rejected` rows are kept so that the pair is never proposed again.
CREATE TABLE core.payment_allocations (
    id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_transaction_id   bigint      NOT NULL REFERENCES core.bank_transactions (id),
    invoice_id            bigint      NOT NULL REFERENCES core.invoices (id),
    -- Negative only for a returned payment taking back what it paid (rule R2): the invoice reopens.
    amount                numeric     NOT NULL CHECK (amount <> 0),
    -- An underpayment within tolerance, closed without payment.
    written_off           numeric     NOT NULL DEFAULT 0 CHECK (written_off >= 0),
    rule                  text        NOT NULL,
    confidence            numeric(3, 2) NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    status                text        NOT NULL CHECK (status IN ('auto', 'suggested', 'confirmed', 'rejected')),
    explanation           text        NOT NULL,
    -- The run that made the row (lineage; no foreign key: every row of a run would check the same one).
    reconciliation_run_id bigint,
    decided_by            text,
    decided_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- At most one live allocation per payment and invoice; rejected ones may pile up beside it.
CREATE UNIQUE INDEX payment_allocations_live_pair ON core.payment_allocations (bank_transaction_id, invoice_id)
    WHERE status <> 'rejected';
CREATE INDEX payment_allocations_invoice_idx ON core.payment_allocations (invoice_id);
-- The rejected pairs of a line (the live-pair index serves every other lookup by line).
CREATE INDEX payment_allocations_rejected_idx ON core.payment_allocations (bank_transaction_id)
    WHERE status = 'rejected';
CREATE INDEX payment_allocations_status_idx ON core.payment_allocations (status) WHERE status = 'suggested';

-- Money received with no invoice to pay yet (a prepayment, an overpayment's surplus), for the accountant to
-- offset when the invoice comes (CRMHub does not offset advances by itself).
CREATE TABLE core.customer_advances (
    id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_transaction_id   bigint      NOT NULL REFERENCES core.bank_transactions (id),
    counterparty_id       bigint      REFERENCES core.counterparties (id),
    counterparty_inn      text,
    amount                numeric     NOT NULL CHECK (amount > 0),
    -- The contract the payer named (`К-77`), when one.
    contract              text,
    rule                  text        NOT NULL,
    confidence            numeric(3, 2) NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    status                text        NOT NULL CHECK (status IN ('auto', 'suggested', 'confirmed', 'rejected')),
    explanation           text        NOT NULL,
    -- The run that made the row (lineage; no foreign key: every row of a run would check the same one).
    reconciliation_run_id bigint,
    decided_by            text,
    decided_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customer_advances_live ON core.customer_advances (bank_transaction_id)
    WHERE status <> 'rejected';

-- What the last reconcile concluded for each bank line it looked at, with its reasons: the Unmatched sheet's
-- hints, the bank's own lines (fees, interest), our own payment orders and their returns. Derived and rewritten
-- by every run from ids it read in the same transaction (bank lines are never deleted), so it carries no
-- foreign keys: checking a million of them would double a run's merge (docs/decisions.md, D15).
CREATE TABLE core.payment_reconciliation (
    bank_transaction_id   bigint      PRIMARY KEY,
    outcome               text        NOT NULL
        CHECK (outcome IN ('matched', 'review', 'unmatched', 'bank', 'own_payment')),
    rule                  text,
    confidence            numeric(3, 2),
    explanation           text        NOT NULL,
    -- Who paid, as resolved: by INN/PINFL, account + MFO, or name.
    counterparty_inn      text,
    resolved_by           text        CHECK (resolved_by IN ('inn', 'account', 'name')),
    -- For returns and reversals: the bank line they undo (R2).
    linked_transaction_id bigint,
    reconciliation_run_id bigint      NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Every decision an accountant made, in order: the audit trail behind `confirmed` and `rejected`.
CREATE TABLE ops.reconciliation_decisions (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    allocation_id bigint      REFERENCES core.payment_allocations (id),
    advance_id    bigint      REFERENCES core.customer_advances (id),
    action        text        NOT NULL CHECK (action IN ('confirm', 'reject', 'allocate')),
    decided_by    text        NOT NULL,
    decided_at    timestamptz NOT NULL DEFAULT now(),
    -- `cli`, or the reviewed report file it came from.
    source        text        NOT NULL,
    note          text,
    CHECK (allocation_id IS NOT NULL OR advance_id IS NOT NULL)
);

-- A name reduced for comparison: case, quotes, legal forms (MChJ, OOO, AJ, XK, YaTT, LLC…) and punctuation
-- dropped, Cyrillic letters spelled in Latin. `"ORZU SAVDO" MChJ` and `ООО «Орзу Савдо»` both give `orzusavdo`.
CREATE FUNCTION core.name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT nullif(regexp_replace(
        regexp_replace(
            replace(replace(replace(replace(replace(replace(
                translate(lower(name), 'абвгдеёзийклмнопрстуфхцыэўқғҳ', 'abvgdeezijklmnoprstufxcyeoqgh'),
                'ж', 'zh'), 'ч', 'ch'), 'ш', 'sh'), 'щ', 'sh'), 'ю', 'yu'), 'я', 'ya'),
            '(^|[^a-z0-9])(mchj|ooo|oao|zao|pao|ao|aj|xk|chp|yatt|ip|llc|ltd|ojsc|jsc|qk|mchzh)([^a-z0-9]|$)', ' ', 'g'),
        '[^a-z0-9]', '', 'g'), '')
$$;
CREATE INDEX counterparties_name_key_idx ON core.counterparties (core.name_key(name));
CREATE INDEX counterparties_bank_account_idx ON core.counterparties (bank_account) WHERE bank_account IS NOT NULL;

-- One row per invoice that is not deleted: what was paid (auto and confirmed allocations only) and what is left.
CREATE VIEW mart.invoice_status AS
SELECT i.id                                                     AS invoice_id,
       i.number                                                 AS invoice_number,
       i.issued_on,
       i.due_on,
       i.counterparty_id,
       i.counterparty_inn,
       i.counterparty_name,
       i.currency,
       i.amount,
       coalesce(p.paid, 0.00)                                   AS paid,
       coalesce(p.written_off, 0.00)                            AS written_off,
       i.amount - coalesce(p.paid, 0) - coalesce(p.written_off, 0) AS outstanding,
       CASE
           WHEN coalesce(p.paid, 0) + coalesce(p.written_off, 0) = 0 THEN 'unpaid'
           WHEN coalesce(p.paid, 0) + coalesce(p.written_off, 0) < i.amount THEN 'partial'
           WHEN coalesce(p.paid, 0) + coalesce(p.written_off, 0) = i.amount THEN 'paid'
           ELSE 'overpaid'
       END                                                      AS status,
       p.last_paid_on
FROM core.invoices i
LEFT JOIN (
    SELECT a.invoice_id, sum(a.amount) AS paid, sum(a.written_off) AS written_off, max(t.booked_on) AS last_paid_on
    FROM core.payment_allocations a
    JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
    WHERE a.status IN ('auto', 'confirmed')
    GROUP BY a.invoice_id
) p ON p.invoice_id = i.id
WHERE NOT i.deleted;

-- Receivables by counterparty and currency, bucketed by days past the due date (the invoice date when no due
-- date), as they stood at the end of a given day: invoices issued by then, less what payments booked by then
-- paid (auto and confirmed allocations). `mart.receivables_aging` is the same as of today.
CREATE FUNCTION mart.receivables_aging_at(as_of date)
RETURNS TABLE (
    counterparty_inn text, counterparty_name text, currency text, invoices bigint,
    current numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric, days_over_90 numeric,
    total numeric, oldest_due_on date
)
LANGUAGE sql STABLE AS $$
    WITH open AS (
        SELECT i.counterparty_inn, i.counterparty_name, i.currency, coalesce(i.due_on, i.issued_on) AS due,
               i.amount - coalesce((
                   SELECT sum(a.amount + a.written_off) FROM core.payment_allocations a
                   JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                   WHERE a.invoice_id = i.id AND a.status IN ('auto', 'confirmed') AND t.booked_on <= as_of), 0)
                   AS outstanding
        FROM core.invoices i
        WHERE NOT i.deleted AND i.issued_on <= as_of
    )
    SELECT o.counterparty_inn,
           max(o.counterparty_name),
           o.currency,
           count(*),
           coalesce(sum(o.outstanding) FILTER (WHERE as_of - o.due <= 0), 0),
           coalesce(sum(o.outstanding) FILTER (WHERE as_of - o.due BETWEEN 1 AND 30), 0),
           coalesce(sum(o.outstanding) FILTER (WHERE as_of - o.due BETWEEN 31 AND 60), 0),
           coalesce(sum(o.outstanding) FILTER (WHERE as_of - o.due BETWEEN 61 AND 90), 0),
           coalesce(sum(o.outstanding) FILTER (WHERE as_of - o.due > 90), 0),
           sum(o.outstanding),
           min(o.due)
    FROM open o
    WHERE o.outstanding > 0
    GROUP BY o.counterparty_inn, o.currency
$$;

CREATE VIEW mart.receivables_aging AS
SELECT * FROM mart.receivables_aging_at(current_date);
