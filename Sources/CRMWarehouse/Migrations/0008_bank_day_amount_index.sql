-- The cross-format match (BankStatementStore, the staged merge) looks each staged line up by account, booking day
-- and amount. On (account, booked_on) alone every lookup read the whole day of the account: a staged reload of
-- 200,000 1C lines took minutes. The wider index serves every (account, booked_on) query as the old one did, so
-- bulk loads still maintain one index here, not two.
DROP INDEX core.bank_transactions_account_booked_idx;
CREATE INDEX bank_transactions_account_booked_idx ON core.bank_transactions (account, booked_on, amount);
