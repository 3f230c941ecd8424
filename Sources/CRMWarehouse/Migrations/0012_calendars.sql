-- Outlook and Exchange calendars: the events as each calendar holds them, and their occurrences over the
-- imported window. One meeting in two people's calendars is one occurrence (UID + start) with both calendars.
-- Documented for analysts in docs/warehouse.md ("Calendars"), for users in docs/connectors/calendar-ics.md.

-- A calendar (a mailbox or a folder) as CRMHub knows it: its zone is where its all-day events start and its
-- floating times are read.
CREATE TABLE core.calendars (
    calendar   text PRIMARY KEY,
    time_zone  text NOT NULL,
    -- Whose calendar it is (a mailbox address), when known: the employee of mart.client_interactions.
    owner      text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every VEVENT as a calendar holds it: the series (or single event) with recurrence_id '', and each override
-- with the instant (or date, for all-day series) of the slot it replaces. Rows with origin 'crm' are meetings
-- made in the CRM, for Outlook (crmhub export calendar-ics, the Exchange push).
CREATE TABLE core.calendar_events (
    calendar        text NOT NULL REFERENCES core.calendars (calendar),
    uid             text NOT NULL,
    recurrence_id   text NOT NULL DEFAULT '',
    origin          text NOT NULL DEFAULT 'ics' CHECK (origin IN ('ics', 'exchange', 'crm')),
    summary         text,
    location        text,
    -- The first 1000 characters of DESCRIPTION (the body as text).
    body_summary    text,
    organizer_email text,
    organizer_name  text,
    -- [{"email", "name", "role", "status"}] from ATTENDEE (or Exchange's attendees).
    attendees       jsonb NOT NULL DEFAULT '[]',
    starts_at       timestamptz,
    ends_at         timestamptz,
    all_day         boolean NOT NULL DEFAULT false,
    -- The IANA zone the series is expanded in, and the TZID as written (a Windows name, often).
    time_zone       text,
    source_tzid     text,
    rrule           text,
    status          text,
    sequence        integer NOT NULL DEFAULT 0,
    stamped_at      timestamptz,
    -- The VEVENT as received (unfolded), for lineage and review; null for rows made in the CRM.
    vevent          text,
    -- Exchange's identity of the item, and the CRM's bookkeeping for the two-way sync (docs/connectors/exchange-ews.md).
    ews_item_id     text,
    ews_change_key  text,
    crm_version     integer NOT NULL DEFAULT 1,
    synced_version  integer,
    modified_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    batch_id        bigint REFERENCES ops.batches (id),
    source_line     integer,
    PRIMARY KEY (calendar, uid, recurrence_id)
);
CREATE INDEX calendar_events_uid_idx ON core.calendar_events (uid);
CREATE UNIQUE INDEX calendar_events_ews_idx ON core.calendar_events (ews_item_id) WHERE ews_item_id IS NOT NULL;

-- Each calendar's view of its occurrences: what its last import over a window held. Re-importing a calendar
-- replaces its rows in the window; the rest of the calendar and the other calendars are untouched.
CREATE TABLE core.calendar_occurrence_views (
    calendar        text NOT NULL REFERENCES core.calendars (calendar),
    event_uid       text NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    subject         text,
    location        text,
    all_day         boolean NOT NULL,
    status          text,
    organizer_email text,
    -- The slot of the series it fills ('' for a single event), as core.calendar_events.recurrence_id.
    recurrence_id   text NOT NULL DEFAULT '',
    sequence        integer NOT NULL DEFAULT 0,
    stamped_at      timestamptz,
    batch_id        bigint NOT NULL REFERENCES ops.batches (id),
    source_line     integer,
    PRIMARY KEY (calendar, event_uid, starts_at)
);
CREATE INDEX calendar_occurrence_views_key_idx ON core.calendar_occurrence_views (event_uid, starts_at);

-- One row per meeting occurrence (UID + start), whichever calendars hold it (calendars, sorted). Its subject and
-- the rest are those of the calendar with the highest SEQUENCE, then the latest DTSTAMP, then the first by name.
CREATE TABLE core.calendar_occurrences (
    event_uid       text NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    subject         text,
    location        text,
    all_day         boolean NOT NULL,
    status          text,
    organizer_email text,
    recurrence_id   text NOT NULL DEFAULT '',
    calendars       text[] NOT NULL,
    batch_id        bigint NOT NULL REFERENCES ops.batches (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_uid, starts_at)
);
CREATE INDEX calendar_occurrences_start_idx ON core.calendar_occurrences (starts_at);

-- The windows each calendar was imported over (the last per calendar and source kind).
CREATE TABLE ops.calendar_imports (
    calendar    text NOT NULL REFERENCES core.calendars (calendar),
    source_kind text NOT NULL,
    window_from timestamptz NOT NULL,
    window_to   timestamptz NOT NULL,
    batch_id    bigint NOT NULL REFERENCES ops.batches (id),
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (calendar, source_kind)
);

-- E-mail addresses CRMHub knows clients by (from Exchange contacts linked by phone, or set in the CRM).
CREATE TABLE core.client_emails (
    email     text NOT NULL,
    client_id bigint NOT NULL REFERENCES core.clients (client_id),
    source    text NOT NULL DEFAULT 'crm',
    PRIMARY KEY (email, client_id)
);
