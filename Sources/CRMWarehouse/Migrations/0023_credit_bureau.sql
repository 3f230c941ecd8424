-- The credit bureau (issue 18): each file CRMHub wrote for the bureau (KATM) for a reporting date, and the
-- bureau's answers per record. Documented in docs/warehouse.md and docs/connectors/katm-bureau.md.
CREATE TABLE ops.bureau_submissions (
    id              bigserial   PRIMARY KEY,
    reporting_date  date        NOT NULL,
    -- The layout definition's name and version (mappings/bureau-katm.yaml), and the file's own id in its header.
    layout          text        NOT NULL,
    layout_version  text        NOT NULL,
    submission      text        NOT NULL UNIQUE,
    file_name       text        NOT NULL,
    sha256          text,
    -- Records written per record code ({"C": 7, "S": 84, …}) and the control totals of the trailer.
    records         jsonb,
    contracts       integer,
    outstanding_total numeric,
    overdue_total   numeric,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The bureau's answers (`crmhub import bureau-response`): each record accepted or rejected with its reason.
CREATE TABLE core.bureau_responses (
    submission      text        NOT NULL,
    contract_number text        NOT NULL,
    -- The record's code in the layout (C contract, S schedule, P repayment, O overdue, R restructuring, W write-off).
    record          text        NOT NULL,
    -- The line of our file the answer is about (0 when the bureau does not say).
    file_line       integer     NOT NULL DEFAULT 0,
    status          text        NOT NULL CHECK (status IN ('accepted', 'rejected')),
    reason_code     text,
    message         text,
    batch_id        bigint      NOT NULL REFERENCES ops.batches (id),
    source_line     integer     NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (submission, contract_number, record, file_line)
);

-- Per contract, the bureau's answers to the latest submission that has any: how many records were accepted,
-- how many rejected and why.
CREATE VIEW mart.bureau_contract_status AS
WITH latest AS (
    SELECT DISTINCT ON (r.contract_number) r.contract_number, r.submission, s.reporting_date
    FROM core.bureau_responses r LEFT JOIN ops.bureau_submissions s USING (submission)
    ORDER BY r.contract_number, s.reporting_date DESC NULLS LAST, r.submission DESC
)
SELECT l.contract_number, l.submission, l.reporting_date,
       count(*) FILTER (WHERE r.status = 'accepted') AS accepted,
       count(*) FILTER (WHERE r.status = 'rejected') AS rejected,
       string_agg(r.record || coalesce(' line ' || nullif(r.file_line, 0), '') || ': '
                  || coalesce(r.reason_code || ' ', '') || coalesce(r.message, ''), '; ' ORDER BY r.record, r.file_line)
           FILTER (WHERE r.status = 'rejected') AS rejections
FROM latest l JOIN core.bureau_responses r USING (contract_number, submission)
GROUP BY l.contract_number, l.submission, l.reporting_date;
