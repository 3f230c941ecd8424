-- A 1C client-bank file loaded after camt.053 or MT940 lines of the same day looks each of its payments up among
-- them (BankStatementStore, the staged merge): by account, booking day and amount. Partial, so that the bulk
-- loads of 1C files, which never need it, do not maintain it. The other direction uses the
-- (account, booked_on) index of 0001.
CREATE INDEX bank_transactions_iso_swift_day_idx ON core.bank_transactions (account, booked_on, amount)
    WHERE doc_kind IN ('camt.053', 'MT940');
