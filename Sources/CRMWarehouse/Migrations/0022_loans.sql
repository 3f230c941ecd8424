-- Loans from the core banking system (issue 18): contracts, the schedule in force with the earlier ones, the
-- money that moved, and the daily arrears snapshot collectors work from. Documented in docs/warehouse.md and
-- docs/loans.md.
CREATE TABLE core.loans (
    loan_id            bigserial   PRIMARY KEY,
    -- The contract's number in the core banking system: the natural key.
    contract_number    text        NOT NULL UNIQUE,
    -- The borrower's INN (9 digits, a company or an entrepreneur) or PINFL (14 digits, a person).
    borrower_id        text        NOT NULL CHECK (borrower_id ~ '^([0-9]{9}|[0-9]{14})$'),
    borrower_name      text        NOT NULL,
    borrower_phone     text,
    product            text        NOT NULL,
    branch             text,
    -- The loan officer responsible for the contract.
    manager            text,
    currency           char(3)     NOT NULL,
    principal          numeric     NOT NULL CHECK (principal > 0),
    annual_rate        numeric     NOT NULL CHECK (annual_rate >= 0),
    months             integer     NOT NULL CHECK (months BETWEEN 1 AND 600),
    method             text        NOT NULL CHECK (method IN ('annuity', 'differentiated')),
    day_count          text        NOT NULL CHECK (day_count IN ('30/360', 'act/365', 'act/act', 'act/360')),
    -- The product's rounding unit when the contract was loaded (mappings/loans.yaml): 0.01 or 1.
    rounding           text        NOT NULL CHECK (rounding IN ('0.01', '1')),
    disbursed_on       date        NOT NULL,
    first_due_on       date,
    written_off_on     date,
    written_off_amount numeric,
    batch_id           bigint      NOT NULL REFERENCES ops.batches (id),
    source_line        integer     NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loans_borrower ON core.loans (borrower_id);

-- Each schedule a contract has had: the contract's own (from its disbursement) and one per restructuring (from
-- its date). The one in force on a day is the latest that starts on or before it.
CREATE TABLE core.loan_schedule_versions (
    loan_id        bigint      NOT NULL REFERENCES core.loans (loan_id),
    effective_from date        NOT NULL,
    reason         text        NOT NULL CHECK (reason IN ('contract', 'restructuring')),
    principal      numeric     NOT NULL CHECK (principal > 0),
    annual_rate    numeric     NOT NULL CHECK (annual_rate >= 0),
    months         integer     NOT NULL CHECK (months BETWEEN 1 AND 600),
    method         text        NOT NULL,
    day_count      text        NOT NULL,
    rounding       text        NOT NULL,
    first_due_on   date,
    -- The restructuring's reference in the core banking system (null for the contract's own schedule).
    reference      text,
    batch_id       bigint      NOT NULL REFERENCES ops.batches (id),
    source_line    integer     NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (loan_id, effective_from)
);

-- The instalments of every schedule version, computed by the credit calculator from the version's terms.
-- Written set-wise by the loan loads (no row-by-row foreign key, D15): a version's rows are replaced whole.
CREATE TABLE core.loan_schedule (
    loan_id        bigint  NOT NULL,
    effective_from date    NOT NULL,
    number         integer NOT NULL CHECK (number > 0),
    due_on         date    NOT NULL,
    days           integer NOT NULL,
    payment        numeric NOT NULL,
    principal      numeric NOT NULL,
    interest       numeric NOT NULL,
    balance        numeric NOT NULL,
    PRIMARY KEY (loan_id, effective_from, number)
);

-- Money that moved on a contract, as the core banking system reports it: disbursements, repayments (with the
-- bank's split into principal, interest and penalty when it gives one) and write-offs.
CREATE TABLE core.loan_payments (
    loan_id     bigint      NOT NULL REFERENCES core.loans (loan_id),
    -- The operation's reference in the core banking system: with the contract, the natural key.
    reference   text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('disbursement', 'repayment', 'write_off')),
    paid_on     date        NOT NULL,
    amount      numeric     NOT NULL CHECK (amount > 0),
    principal   numeric,
    interest    numeric,
    penalty     numeric,
    batch_id    bigint      NOT NULL REFERENCES ops.batches (id),
    source_line integer     NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (loan_id, reference),
    CHECK (kind = 'repayment' OR (principal IS NULL AND interest IS NULL AND penalty IS NULL))
);
CREATE INDEX loan_payments_by_day ON core.loan_payments (loan_id, paid_on);

-- The schedule in force today, one row per instalment.
CREATE VIEW core.loan_schedule_in_force AS
SELECT s.*
FROM core.loan_schedule s
JOIN (SELECT loan_id, max(effective_from) AS effective_from FROM core.loan_schedule_versions
      WHERE effective_from <= current_date GROUP BY loan_id) v USING (loan_id, effective_from);

-- One row per arrears snapshot: the business date, when it was taken and with which settings. A day's snapshot
-- is written once; taking it again for the same day changes nothing unless --replace is given.
CREATE TABLE ops.loan_arrears_snapshots (
    snapshot_date   date        PRIMARY KEY,
    contracts       integer     NOT NULL,
    settings_sha256 text        NOT NULL,
    taken_at        timestamptz NOT NULL DEFAULT now()
);

-- The daily arrears snapshot (a table, not a view, so that yesterday's picture never changes).
CREATE TABLE mart.loan_arrears (
    snapshot_date         date    NOT NULL REFERENCES ops.loan_arrears_snapshots (snapshot_date),
    loan_id               bigint  NOT NULL,
    contract_number       text    NOT NULL,
    borrower_id           text    NOT NULL,
    borrower_name         text    NOT NULL,
    product               text    NOT NULL,
    branch                text,
    manager               text,
    currency              char(3) NOT NULL,
    -- active, closed (nothing left to repay) or written_off.
    status                text    NOT NULL,
    days_past_due         integer NOT NULL,
    bucket                text    NOT NULL,
    classification        text    NOT NULL,
    reserve_percent       numeric,
    oldest_unpaid_due_on  date,
    overdue_instalments   integer NOT NULL,
    overdue_principal     numeric NOT NULL,
    overdue_interest      numeric NOT NULL,
    overdue_amount        numeric NOT NULL,
    outstanding_principal numeric NOT NULL,
    paid_principal        numeric NOT NULL,
    paid_interest         numeric NOT NULL,
    paid_penalty          numeric NOT NULL,
    last_payment_on       date,
    last_payment_amount   numeric,
    -- The schedule version the day was measured against.
    schedule_from         date    NOT NULL,
    PRIMARY KEY (snapshot_date, loan_id)
);

-- The portfolio by snapshot day, product, currency, bucket and branch.
CREATE VIEW mart.loan_portfolio AS
SELECT snapshot_date, product, currency, bucket, branch, status,
       count(*)                   AS contracts,
       -- For ordering the buckets: the fewest days past due in the group.
       min(days_past_due)         AS min_days_past_due,
       sum(outstanding_principal) AS outstanding_principal,
       sum(overdue_amount)        AS overdue_amount,
       sum(overdue_principal)     AS overdue_principal,
       round(sum(outstanding_principal * coalesce(reserve_percent, 0) / 100), 2) AS reserve_required
FROM mart.loan_arrears
GROUP BY snapshot_date, product, currency, bucket, branch, status;
