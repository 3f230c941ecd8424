-- Job runs and data-quality results (docs/jobs.md, docs/mappings.md, decision D14).
--
-- A run is keyed by (job, scheduled time): a tick is run once, whichever process or machine gets to it.
-- Each step records its progress; a run that was interrupted (the process killed, the server restarted) is
-- resumed by the next `crmhub run` of the same tick, from the first step that did not succeed. Steps are
-- idempotent (every file loads once, by its hash or message number), so a step cut short is simply run
-- again.

CREATE TABLE ops.job_runs (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id        text        NOT NULL,
    scheduled_for timestamptz NOT NULL,
    trigger       text        NOT NULL CHECK (trigger IN ('manual', 'schedule')),
    status        text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    -- How many times the run was started: 1, plus one per resume.
    starts        integer     NOT NULL DEFAULT 1,
    started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at   timestamptz,
    error         text,
    -- The process (host:pid) that last worked on the run.
    runner        text        NOT NULL,
    UNIQUE (job_id, scheduled_for)
);
CREATE INDEX job_runs_job_idx ON ops.job_runs (job_id, started_at DESC);

CREATE TABLE ops.job_steps (
    run_id              bigint      NOT NULL REFERENCES ops.job_runs (id),
    step_index          integer     NOT NULL CHECK (step_index >= 1),
    kind                text        NOT NULL,
    -- What the step works on, for people: the import's path pattern, the export's node.
    target              text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at         timestamptz,
    files               integer     NOT NULL DEFAULT 0,
    files_loaded        integer     NOT NULL DEFAULT 0,
    files_already       integer     NOT NULL DEFAULT 0,
    files_failed        integer     NOT NULL DEFAULT 0,
    records_loaded      bigint      NOT NULL DEFAULT 0,
    records_quarantined bigint      NOT NULL DEFAULT 0,
    -- Tries of the step in its run's last start: more than 1 when a retryable error was retried.
    attempts            integer     NOT NULL DEFAULT 1,
    error               text,
    -- Whether the error may go away by itself (a lost connection, a deadlock) rather than needing a fix.
    retryable           boolean,
    PRIMARY KEY (run_id, step_index)
);

-- Per job: failed runs in a row, and whether the job is paused because of them.
CREATE TABLE ops.job_state (
    job_id               text        PRIMARY KEY,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    paused_at            timestamptz,
    paused_reason        text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Data-quality tests (mappings/*.yaml, docs/mappings.md) run on each batch just loaded: one row per test and
-- batch, whether it passed, how many rows broke it, and whether that is a warning or an error.
CREATE TABLE ops.quality_results (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id    bigint      NOT NULL REFERENCES ops.batches (id),
    test_name   text        NOT NULL,
    table_name  text        NOT NULL,
    column_name text        NOT NULL,
    test_kind   text        NOT NULL CHECK (test_kind IN ('unique', 'not_null', 'relationships', 'accepted_values')),
    severity    text        NOT NULL CHECK (severity IN ('warn', 'error')),
    failures    bigint      NOT NULL,
    threshold   bigint      NOT NULL,
    passed      boolean     NOT NULL,
    checked_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Where the test is defined: mappings/quality.yaml:12.
    defined_at  text        NOT NULL
);
CREATE INDEX quality_results_batch_idx ON ops.quality_results (batch_id);

-- Per job and stream (an import step's source kind and path): how far its loads have got. Advanced in the
-- same transaction as the data it covers, only while every file before it in name order has loaded, so
-- `last_file` means "every file of the stream up to this one is in the warehouse".
CREATE TABLE ops.job_cursors (
    job_id        text        NOT NULL,
    stream        text        NOT NULL,
    last_file     text        NOT NULL,
    last_batch_id bigint      NOT NULL REFERENCES ops.batches (id),
    advanced_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (job_id, stream)
);
