-- 1C messages at volume (docs/decisions.md, D11).
--
-- 1. The raw layer keeps each message's own bytes, whole, instead of a JSON copy of every object: a
--    500,000-invoice message is 1.5 GB of XML, and a per-object copy cost more than loading the core rows.
--    `raw.onec_objects` keeps one small row per object (type, UUID, line, path, byte range), and
--    `raw.onec_object_xml()` returns any object's exact text from the stored message.
-- 2. The tables every message fills row by row (invoices, their lines, raw objects) drop their per-row
--    foreign-key triggers: on 1M invoice lines the checks cost three times the insert itself. The loader
--    takes every id it writes from the warehouse inside the load's own transaction (counterparties and
--    invoices it has just matched or inserted), so the references hold by construction; payments and
--    shipments, fewer and merged after the whole message, keep theirs.

ALTER TABLE core.invoices DROP CONSTRAINT invoices_counterparty_id_fkey;
ALTER TABLE core.invoices DROP CONSTRAINT invoices_batch_id_fkey;
ALTER TABLE core.invoice_lines DROP CONSTRAINT invoice_lines_invoice_id_fkey;
ALTER TABLE core.invoice_lines DROP CONSTRAINT invoice_lines_batch_id_fkey;
ALTER TABLE raw.onec_objects DROP CONSTRAINT onec_objects_batch_id_fkey;

-- The message file, in the pieces it was read in (about 1 MiB each), compressed by the server.
CREATE TABLE raw.onec_message_chunks (
    batch_id    bigint  NOT NULL REFERENCES ops.batches (id),
    byte_offset bigint  NOT NULL CHECK (byte_offset >= 0),
    byte_length integer NOT NULL CHECK (byte_length > 0),
    bytes       bytea   NOT NULL,
    PRIMARY KEY (batch_id, byte_offset)
);
-- lz4 compresses XML about 25:1 at several hundred MB/s; a server built without it keeps pglz.
DO $$
BEGIN
    ALTER TABLE raw.onec_message_chunks ALTER COLUMN bytes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; raw 1C messages are compressed with pglz';
END
$$;

-- How to decode the stored bytes (PostgreSQL's name for the encoding the XML declaration gave).
ALTER TABLE raw.onec_messages ADD COLUMN encoding text;

-- Objects loaded from now on point into the stored message; `properties` stays for versions loaded before.
ALTER TABLE raw.onec_objects ALTER COLUMN properties DROP NOT NULL;
ALTER TABLE raw.onec_objects ADD COLUMN byte_offset bigint;
ALTER TABLE raw.onec_objects ADD COLUMN byte_length integer;
-- Rows arrive in batch order: a block-range index finds a batch's rows at almost no cost per insert.
DROP INDEX raw.onec_objects_batch_idx;
CREATE INDEX onec_objects_batch_brin ON raw.onec_objects USING brin (batch_id);

-- The exact text of one object of a stored message (white space before its start tag trimmed), or NULL
-- when the message's encoding cannot be decoded by PostgreSQL.
CREATE FUNCTION raw.onec_object_xml(p_batch_id bigint, p_offset bigint, p_length bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT ltrim(convert_from(substring(string_agg(c.bytes, ''::bytea ORDER BY c.byte_offset)
                                        FROM (p_offset - min(c.byte_offset) + 1)::integer
                                        FOR p_length::integer),
                              m.encoding),
                 E' \t\r\n')
    FROM raw.onec_message_chunks c
    JOIN raw.onec_messages m ON m.batch_id = c.batch_id
    WHERE c.batch_id = p_batch_id AND m.encoding IS NOT NULL AND p_length > 0
      AND c.byte_offset < p_offset + p_length AND c.byte_offset + c.byte_length > p_offset
    GROUP BY m.encoding
$$;

-- Every version of every object 1C sent, with its text: filter by source_ref for one object's history.
CREATE VIEW raw.onec_object_versions AS
SELECT o.id, o.batch_id, b.source_name, b.started_at AS received_at, m.from_node, m.message_no,
       o.object_type, o.source_ref, o.disposition, o.source_line, o.source_path,
       coalesce(raw.onec_object_xml(o.batch_id, o.byte_offset, o.byte_length), o.properties::text) AS content
FROM raw.onec_objects o
JOIN ops.batches b ON b.id = o.batch_id
LEFT JOIN raw.onec_messages m ON m.batch_id = o.batch_id;
