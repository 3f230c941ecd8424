-- Advances used up (issue 17): a customer advance (a prepayment, an overpayment's surplus) offset against the
-- client's later invoices is an allocation of the advance's bank line to the invoice, marked with the advance.
-- mart.invoice_status, the aging and the residuals count it like any payment; the report's line split does not
-- count it twice (the line's money is already the advance).
ALTER TABLE core.payment_allocations ADD COLUMN advance_id bigint REFERENCES core.customer_advances (id);
CREATE INDEX payment_allocations_advance_idx ON core.payment_allocations (advance_id) WHERE advance_id IS NOT NULL;

-- One row per kept advance (auto, confirmed): what it brought, what its offsets paid (decided and proposed),
-- and what is left.
CREATE VIEW mart.customer_advance_balances AS
SELECT v.id                                                            AS advance_id,
       v.bank_transaction_id,
       t.booked_on,
       v.counterparty_inn,
       coalesce(c.name, t.counterparty_name)                           AS counterparty_name,
       v.contract,
       t.currency,
       v.amount,
       coalesce(sum(a.amount) FILTER (WHERE a.status IN ('auto', 'confirmed')), 0)::numeric(18, 2) AS used,
       coalesce(sum(a.amount) FILTER (WHERE a.status = 'suggested'), 0)::numeric(18, 2)             AS proposed,
       (v.amount - coalesce(sum(a.amount) FILTER (WHERE a.status IN ('auto', 'confirmed')), 0))::numeric(18, 2)
                                                                       AS remaining,
       string_agg(i.number, ', ' ORDER BY i.issued_on, i.number)
           FILTER (WHERE a.status IN ('auto', 'confirmed'))            AS invoices_paid,
       v.status
FROM core.customer_advances v
JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
LEFT JOIN core.counterparties c ON c.id = v.counterparty_id
LEFT JOIN core.payment_allocations a ON a.advance_id = v.id AND a.status <> 'rejected'
LEFT JOIN core.invoices i ON i.id = a.invoice_id
WHERE v.status IN ('auto', 'confirmed')
GROUP BY v.id, t.id, c.name;
