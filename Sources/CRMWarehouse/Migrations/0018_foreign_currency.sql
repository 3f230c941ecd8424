-- Foreign currency (issue 17): a payment in another currency than the invoice is matched in the invoice's
-- currency, by the bank's conversion (camt AmtDtls/InstdAmt, kept in core.bank_transactions.attributes) or the
-- central bank's rate for the day; what the allocation took of the line, the rate and the exchange difference are
-- kept beside it, never folded into its amount. Documented for analysts in docs/warehouse.md.

-- The central bank's rates (`crmhub import fx-rates`): `rate` units of the base currency (UZS) for `nominal`
-- units of `currency`. A later file replaces the rate of the same currency and day.
CREATE TABLE core.fx_rates (
    currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    rate_date   date        NOT NULL,
    rate        numeric     NOT NULL CHECK (rate > 0),
    nominal     integer     NOT NULL DEFAULT 1 CHECK (nominal > 0),
    batch_id    bigint      NOT NULL REFERENCES ops.batches (id),
    source_line integer     NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (currency, rate_date)
);

-- Set only when the line's currency is not the invoice's: `amount` stays in the invoice's currency.
ALTER TABLE core.payment_allocations
    ADD COLUMN paid_amount         numeric,
    ADD COLUMN exchange_rate       numeric CHECK (exchange_rate > 0),
    ADD COLUMN rate_source         text CHECK (rate_source IN ('bank', 'central_bank')),
    ADD COLUMN exchange_difference numeric;
ALTER TABLE core.supplier_payment_allocations
    ADD COLUMN paid_amount         numeric,
    ADD COLUMN exchange_rate       numeric CHECK (exchange_rate > 0),
    ADD COLUMN rate_source         text CHECK (rate_source IN ('bank', 'central_bank')),
    ADD COLUMN exchange_difference numeric;

-- Every allocation that crossed currencies, both ledgers: what the line paid in its currency, what the invoice
-- received in its own, at what rate, and the exchange difference in the base currency (the line's value at the
-- payment day's central-bank rate less the invoice share's value at its issue day's rate).
CREATE VIEW mart.exchange_differences AS
SELECT 'receivables'::text AS ledger, a.id AS allocation_id, a.status, t.id AS bank_transaction_id, t.booked_on,
       t.counterparty_name, coalesce(t.counterparty_inn, t.counterparty_pinfl) AS counterparty_inn,
       t.currency AS paid_currency, a.paid_amount, i.number AS invoice_number, i.issued_on, i.currency AS invoice_currency,
       a.amount AS invoice_amount, a.exchange_rate, a.rate_source, a.exchange_difference
FROM core.payment_allocations a
JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
JOIN core.invoices i ON i.id = a.invoice_id
WHERE a.paid_amount IS NOT NULL AND a.status <> 'rejected'
UNION ALL
SELECT 'payables', a.id, a.status, t.id, t.booked_on, t.counterparty_name,
       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.currency, a.paid_amount,
       coalesce(i.supplier_number, i.number), i.issued_on, i.currency, a.amount, a.exchange_rate, a.rate_source,
       a.exchange_difference
FROM core.supplier_payment_allocations a
JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
JOIN core.supplier_invoices i ON i.id = a.invoice_id
WHERE a.paid_amount IS NOT NULL AND a.status <> 'rejected';
