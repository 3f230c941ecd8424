-- The key of the payer's name (core.name_key) on the lines that give no INN or PINFL: reconciliation recognises
-- their payer by it when the account does not tell (issue 17). Computed once when the line is stored instead of
-- on every run: the function on each such line cost a second per million lines of every `crmhub reconcile`.
-- Adding the column rewrites core.bank_transactions once.
ALTER TABLE core.bank_transactions ADD COLUMN counterparty_name_key text GENERATED ALWAYS AS (
    CASE WHEN counterparty_inn IS NULL AND counterparty_pinfl IS NULL THEN core.name_key(counterparty_name) END
) STORED;
