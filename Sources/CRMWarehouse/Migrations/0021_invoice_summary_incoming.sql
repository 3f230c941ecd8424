-- mart.invoice_summary's "paid in 1C" counts what clients paid: since issue 17, core.payments_1c also holds our
-- outgoing payments (1C's СБДС documents, direction 'out'), which are no client's payment.
CREATE OR REPLACE VIEW mart.invoice_summary AS
WITH documents AS (
    SELECT counterparty_id, currency, 1 AS invoices, amount AS invoiced, 0::numeric AS paid_in_1c,
           0::numeric AS shipped
    FROM core.invoices WHERE NOT deleted AND counterparty_id IS NOT NULL
    UNION ALL
    SELECT counterparty_id, currency, 0, 0, amount, 0
    FROM core.payments_1c WHERE NOT deleted AND counterparty_id IS NOT NULL AND direction = 'in'
    UNION ALL
    SELECT counterparty_id, currency, 0, 0, 0, amount
    FROM core.shipments WHERE NOT deleted AND counterparty_id IS NOT NULL
)
SELECT c.id AS counterparty_id,
       c.inn,
       c.name,
       d.currency,
       coalesce(sum(d.invoices), 0)::bigint AS invoices,
       coalesce(sum(d.invoiced), 0)         AS invoiced,
       coalesce(sum(d.paid_in_1c), 0)       AS paid_in_1c,
       coalesce(sum(d.shipped), 0)          AS shipped
FROM core.counterparties c
LEFT JOIN documents d ON d.counterparty_id = c.id
WHERE NOT c.deleted
GROUP BY c.id, c.inn, c.name, d.currency;
