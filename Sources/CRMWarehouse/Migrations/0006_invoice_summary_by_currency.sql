-- mart.invoice_summary, one row per counterparty and currency: amounts of different currencies are never added
-- together. A counterparty with no documents keeps one row, its currency null and its sums 0.
DROP VIEW mart.invoice_summary;
CREATE VIEW mart.invoice_summary AS
WITH documents AS (
    SELECT counterparty_id, currency, 1 AS invoices, amount AS invoiced, 0::numeric AS paid_in_1c,
           0::numeric AS shipped
    FROM core.invoices WHERE NOT deleted AND counterparty_id IS NOT NULL
    UNION ALL
    SELECT counterparty_id, currency, 0, 0, amount, 0
    FROM core.payments_1c WHERE NOT deleted AND counterparty_id IS NOT NULL
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
