-- Reconciliation writes hundreds of thousands of allocations and advances per run. PostgreSQL 15 checks a
-- foreign key row by row, with a locking lookup of the row referred to: 11 of the 19 seconds the merge's insert
-- of half a million allocations took at a million lines (docs/decisions.md, D15 as amended for issue 17). The
-- keys from the engine's rows to bank lines, invoices and counterparties are dropped; what they guaranteed is
-- kept another way:
-- - the rows referred to are never deleted (a deletion in 1C is a mark, bank lines are never removed): a
--   statement trigger refuses DELETE on those tables, so no reference can ever dangle;
-- - the engine writes only ids it read in the same transaction, under the reconcile lock, and the accountant's
--   hand allocation checks both ids before writing (ReconciliationDecisions.allocate).
-- The relationships stay documented for analysts and BI tools in docs/warehouse.md and in column comments.
ALTER TABLE core.payment_allocations
    DROP CONSTRAINT payment_allocations_bank_transaction_id_fkey,
    DROP CONSTRAINT payment_allocations_invoice_id_fkey;
ALTER TABLE core.customer_advances
    DROP CONSTRAINT customer_advances_bank_transaction_id_fkey,
    DROP CONSTRAINT customer_advances_counterparty_id_fkey;
ALTER TABLE core.supplier_payment_allocations
    DROP CONSTRAINT supplier_payment_allocations_bank_transaction_id_fkey,
    DROP CONSTRAINT supplier_payment_allocations_invoice_id_fkey;
ALTER TABLE core.supplier_advances
    DROP CONSTRAINT supplier_advances_bank_transaction_id_fkey,
    DROP CONSTRAINT supplier_advances_counterparty_id_fkey;

COMMENT ON COLUMN core.payment_allocations.bank_transaction_id IS 'references core.bank_transactions (id)';
COMMENT ON COLUMN core.payment_allocations.invoice_id IS 'references core.invoices (id)';
COMMENT ON COLUMN core.customer_advances.bank_transaction_id IS 'references core.bank_transactions (id)';
COMMENT ON COLUMN core.customer_advances.counterparty_id IS 'references core.counterparties (id)';
COMMENT ON COLUMN core.supplier_payment_allocations.bank_transaction_id IS 'references core.bank_transactions (id)';
COMMENT ON COLUMN core.supplier_payment_allocations.invoice_id IS 'references core.supplier_invoices (id)';
COMMENT ON COLUMN core.supplier_advances.bank_transaction_id IS 'references core.bank_transactions (id)';
COMMENT ON COLUMN core.supplier_advances.counterparty_id IS 'references core.counterparties (id)';

CREATE FUNCTION core.refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are never deleted: reconciliation refers to them (mark them deleted instead)',
        TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER bank_transactions_never_deleted BEFORE DELETE ON core.bank_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION core.refuse_delete();
CREATE TRIGGER invoices_never_deleted BEFORE DELETE ON core.invoices
    FOR EACH STATEMENT EXECUTE FUNCTION core.refuse_delete();
CREATE TRIGGER supplier_invoices_never_deleted BEFORE DELETE ON core.supplier_invoices
    FOR EACH STATEMENT EXECUTE FUNCTION core.refuse_delete();
CREATE TRIGGER counterparties_never_deleted BEFORE DELETE ON core.counterparties
    FOR EACH STATEMENT EXECUTE FUNCTION core.refuse_delete();
