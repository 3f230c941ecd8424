-- Payment agents' registries (issue 17): the file an agent sends beside a statement line that pays for several
-- payers (`crmhub import payment-registry`). Reconciliation splits the line whose purpose or end-to-end id names
-- the registry and whose amount equals its total. Documented for analysts in docs/warehouse.md.
CREATE TABLE core.payment_registry_entries (
    -- The registry's reference as the agent writes it on the line (`20250315-02`).
    registry      text        NOT NULL,
    registry_date date        NOT NULL,
    position      integer     NOT NULL CHECK (position > 0),
    payer_tax_id  text        NOT NULL CHECK (payer_tax_id ~ '^([0-9]{9}|[0-9]{14})$'),
    payer_name    text        NOT NULL,
    amount        numeric     NOT NULL CHECK (amount > 0),
    purpose       text        NOT NULL DEFAULT '',
    batch_id      bigint      NOT NULL REFERENCES ops.batches (id),
    source_line   integer     NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (registry, position)
);
