-- CRMHub warehouse, version 1: the four layers, batch lineage, quarantine, and the first source
-- (1CClientBankExchange bank statements). Documented for analysts in docs/warehouse.md.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS ops;

COMMENT ON SCHEMA raw IS 'Landed source units as parsed, one table per stream';
COMMENT ON SCHEMA core IS 'Reconciled business entities; every row traces to ops.batches and a source position';
COMMENT ON SCHEMA mart IS 'Views for BI and KPI dashboards';
COMMENT ON SCHEMA ops IS 'How data got here: batches, quarantine, migrations';

-- One row per source unit (file) loaded or attempted.
CREATE TABLE ops.batches (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_kind         text        NOT NULL,
    source_name         text        NOT NULL,
    content_sha256      text        NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    content_bytes       bigint      NOT NULL CHECK (content_bytes >= 0),
    encoding            text,
    status              text        NOT NULL CHECK (status IN ('loading', 'loaded', 'failed')),
    records_read        integer     NOT NULL DEFAULT 0,
    records_loaded      integer     NOT NULL DEFAULT 0,
    records_duplicate   integer     NOT NULL DEFAULT 0,
    records_quarantined integer     NOT NULL DEFAULT 0,
    started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at         timestamptz,
    error               text,
    loaded_by           text        NOT NULL DEFAULT current_user
);
-- The same content is loaded once per source kind; failed attempts may repeat.
CREATE UNIQUE INDEX batches_loaded_content_key ON ops.batches (source_kind, content_sha256) WHERE status = 'loaded';
CREATE INDEX batches_started_at_idx ON ops.batches (started_at);

-- Every rejected record, whole, with where it stood and why.
CREATE TABLE ops.quarantine (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id    bigint      NOT NULL REFERENCES ops.batches (id),
    source_kind text        NOT NULL,
    source_name text        NOT NULL,
    position    integer     NOT NULL,
    record_kind text        NOT NULL,
    reason      text        NOT NULL,
    field       text,
    raw         text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_batch_idx ON ops.quarantine (batch_id);

-- The header of each 1CClientBankExchange file, as the bank sent it.
CREATE TABLE raw.bank_1c_files (
    batch_id          bigint  PRIMARY KEY REFERENCES ops.batches (id),
    format_version    text,
    declared_encoding text,
    detected_encoding text    NOT NULL,
    encoding_mismatch boolean NOT NULL,
    sender            text,
    receiver          text,
    created_on        date,
    created_at_time   text,
    period_start      date,
    period_end        date,
    accounts          text[]  NOT NULL,
    document_kinds    text[]  NOT NULL,
    header            jsonb   NOT NULL
);

-- One movement on one of our accounts.
CREATE TABLE core.bank_transactions (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account                 text        NOT NULL,
    direction               text        NOT NULL CHECK (direction IN ('in', 'out')),
    doc_kind                text        NOT NULL,
    doc_number              text        NOT NULL,
    doc_date                date        NOT NULL,
    amount                  numeric     NOT NULL CHECK (amount >= 0),
    currency                text CHECK (currency ~ '^[A-Z]{3}$'),
    counterparty_inn        text,
    counterparty_pinfl      text,
    counterparty_name       text,
    counterparty_account    text,
    counterparty_bank_code  text,
    counterparty_bank_name  text,
    purpose                 text,
    payment_code            text,
    booked_on               date        NOT NULL,
    payer_account           text,
    payer_inn               text,
    payer_name              text,
    payer_bank_code         text,
    payee_account           text,
    payee_inn               text,
    payee_name              text,
    payee_bank_code         text,
    written_off_on          date,
    credited_on             date,
    operation_kind          text,
    priority                text,
    payment_id              text,
    supplier_invoice_number text,
    attributes              jsonb       NOT NULL DEFAULT '{}',
    natural_key             uuid        NOT NULL,
    occurrence              integer     NOT NULL CHECK (occurrence >= 1),
    batch_id                bigint      NOT NULL REFERENCES ops.batches (id),
    source_line             integer     NOT NULL,
    loaded_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_transactions_natural_key UNIQUE (natural_key, occurrence)
);
CREATE INDEX bank_transactions_account_booked_idx ON core.bank_transactions (account, booked_on);
CREATE INDEX bank_transactions_counterparty_inn_idx ON core.bank_transactions (counterparty_inn);

-- Balances per account and statement period (banks send one section per account per day).
CREATE TABLE core.bank_balances (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account     text        NOT NULL,
    date        date        NOT NULL,
    period_end  date        NOT NULL,
    opening     numeric     NOT NULL,
    credited    numeric     NOT NULL,
    debited     numeric     NOT NULL,
    closing     numeric     NOT NULL,
    currency    text,
    batch_id    bigint      NOT NULL REFERENCES ops.batches (id),
    source_line integer     NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_balances_adds_up CHECK (opening + credited - debited = closing),
    CONSTRAINT bank_balances_period_key UNIQUE (account, date, period_end)
);

-- Per account and booking day: what came in, what went out, next to the bank's stated balance.
CREATE VIEW mart.bank_daily_turnover AS
SELECT t.account,
       t.booked_on,
       t.currency,
       sum(t.amount) FILTER (WHERE t.direction = 'in')  AS credited,
       sum(t.amount) FILTER (WHERE t.direction = 'out') AS debited,
       count(*)                                         AS transactions,
       b.opening,
       b.closing,
       b.credited IS NOT DISTINCT FROM coalesce(sum(t.amount) FILTER (WHERE t.direction = 'in'), 0)
           AND b.debited IS NOT DISTINCT FROM coalesce(sum(t.amount) FILTER (WHERE t.direction = 'out'), 0)
                                                        AS matches_bank_totals
FROM core.bank_transactions t
LEFT JOIN core.bank_balances b
       ON b.account = t.account AND b.date = t.booked_on AND b.period_end = t.booked_on
GROUP BY t.account, t.booked_on, t.currency, b.opening, b.closing, b.credited, b.debited;
