-- The call centre: call legs as MANGO OFFICE (stats, webhooks) and Asterisk (Master.csv) report them, the calls
-- classified from them, the clients the customer's rules create from calls, and the marts behind the weekly
-- and missed-calls reports. Documented for analysts in docs/warehouse.md, for the call centre in docs/calls.md.

-- One leg per row, as the PBX reported it. A call's legs share (pbx, entry_id); leg_key tells them apart
-- (a hash of the row, or of MANGO's call_id for webhook legs), so that a re-import adds nothing.
CREATE TABLE core.call_legs (
    pbx               text NOT NULL CHECK (pbx IN ('mango', 'asterisk')),
    entry_id          text NOT NULL,
    leg_source        text NOT NULL CHECK (leg_source IN ('stats', 'webhook', 'cdr')),
    leg_key           bigint NOT NULL,
    started_at        timestamptz NOT NULL,
    answered_at       timestamptz,
    ended_at          timestamptz NOT NULL,
    from_extension    text,
    from_number       text,
    to_extension      text,
    to_number         text,
    disconnect_reason integer,
    disposition       text,
    location          text,
    line_number       text,
    application       text,
    recordings        text[] NOT NULL DEFAULT '{}',
    transferred       boolean NOT NULL DEFAULT false,
    raw               text NOT NULL,
    batch_id          bigint NOT NULL REFERENCES ops.batches (id),
    source_line       integer NOT NULL,
    PRIMARY KEY (pbx, entry_id, leg_source, leg_key)
);
CREATE INDEX call_legs_batch_idx ON core.call_legs (batch_id);

-- The clients CRMHub knows by phone: those the rules created from calls. A client may have several numbers
-- (core.client_phones); a number known never creates another client.
CREATE TABLE core.clients (
    client_id             bigserial PRIMARY KEY,
    name                  text NOT NULL,
    phone                 text NOT NULL,
    responsible_extension text,
    -- The rule that made it (incoming, missed, queue_missed, ivr_missed, outgoing) and the call it came from.
    created_by            text NOT NULL,
    created_from_pbx      text,
    created_from_entry    text,
    created_at            timestamptz NOT NULL,
    source_line_number    text,
    source_line_name      text,
    -- Dynamic call tracking, for clients created from a tracking number only; never updated by later calls.
    tracking_client_id    text,
    google_cid            text,
    city                  text,
    country_code          text,
    utm_source            text,
    utm_medium            text,
    utm_campaign          text,
    utm_content           text,
    utm_term              text,
    seconds_on_site       integer,
    page                  text,
    context_id            text,
    batch_id              bigint NOT NULL REFERENCES ops.batches (id),
    inserted_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE core.client_phones (
    phone     text NOT NULL,
    client_id bigint NOT NULL REFERENCES core.clients (client_id),
    raw       text,
    PRIMARY KEY (phone, client_id)
);

-- One row per customer call, classified from its legs (docs/calls.md). The PBX's entry id is the key.
CREATE TABLE core.calls (
    pbx                 text NOT NULL,
    entry_id            text NOT NULL,
    started_at          timestamptz NOT NULL,
    ended_at            timestamptz NOT NULL,
    direction           text NOT NULL CHECK (direction IN ('in', 'out', 'internal')),
    outcome             text NOT NULL CHECK (outcome IN ('answered', 'transferred', 'missed', 'queue_missed',
                                                         'ivr_missed', 'outgoing_answered', 'outgoing_unanswered')),
    after_hours         boolean NOT NULL DEFAULT false,
    client_phone        text,
    client_phone_raw    text,
    line_number         text,
    line_name           text,
    employee_extension  text,
    first_extension     text,
    answered_extensions text[] NOT NULL DEFAULT '{}',
    rang_extensions     text[] NOT NULL DEFAULT '{}',
    client_id           bigint REFERENCES core.clients (client_id),
    talk_seconds        integer NOT NULL,
    wait_seconds        integer NOT NULL,
    recordings          text[] NOT NULL DEFAULT '{}',
    legs                integer NOT NULL,
    leg_source          text NOT NULL,
    batch_id            bigint NOT NULL REFERENCES ops.batches (id),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pbx, entry_id)
);
CREATE INDEX calls_phone_idx ON core.calls (client_phone, started_at);
CREATE INDEX calls_started_idx ON core.calls (started_at);

-- Who each extension is (mango/asterisk extensions in mappings/calls.yaml), kept by every calls import.
CREATE TABLE core.phone_extensions (
    extension        text PRIMARY KEY,
    personnel_number text,
    employee         text,
    mango_login      text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- What MANGO OFFICE's call-tracking service said of a call's visitor, asked for when the call appeared.
CREATE TABLE core.call_tracking (
    pbx                text NOT NULL,
    entry_id           text NOT NULL,
    tracking_number    text NOT NULL,
    tracking_client_id text,
    google_cid         text,
    city               text,
    country_code       text,
    utm_source         text,
    utm_medium         text,
    utm_campaign       text,
    utm_content        text,
    utm_term           text,
    seconds_on_site    integer,
    page               text,
    context_id         text,
    answer             text NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pbx, entry_id)
);

-- Every MANGO OFFICE notification received with a valid signature, once (a repeat is recognised by its key).
CREATE TABLE ops.mango_events (
    event_kind  text NOT NULL CHECK (event_kind IN ('call', 'summary')),
    entry_id    text NOT NULL,
    call_id     text NOT NULL DEFAULT '',
    seq         integer NOT NULL DEFAULT 0,
    json        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (event_kind, entry_id, call_id, seq)
);

-- The settings the marts read (written from mappings/calls.yaml by every calls import and report).
CREATE TABLE ops.call_center_settings (
    singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    time_zone             text NOT NULL DEFAULT 'Asia/Tashkent',
    callback_within_hours integer NOT NULL DEFAULT 24,
    short_talk_seconds    integer NOT NULL DEFAULT 5
);
INSERT INTO ops.call_center_settings DEFAULT VALUES;

-- Every missed incoming call with the first call back: an answered call to, or from, the same number after it.
CREATE VIEW mart.call_callbacks AS
SELECT m.pbx, m.entry_id, m.started_at, m.outcome, m.after_hours, m.client_phone, m.line_number, m.line_name,
       m.employee_extension, m.first_extension, m.client_id,
       (SELECT min(c.started_at) FROM core.calls c
        WHERE c.client_phone = m.client_phone AND c.started_at > m.started_at
          AND c.outcome IN ('answered', 'transferred', 'outgoing_answered')) AS called_back_at
FROM core.calls m
WHERE m.direction = 'in' AND m.outcome IN ('missed', 'queue_missed', 'ivr_missed');

-- Missed incoming calls not called back within callback_within_hours (the missed-calls report).
CREATE VIEW mart.missed_calls AS
SELECT b.pbx, b.entry_id, b.started_at,
       (b.started_at AT TIME ZONE s.time_zone) AS started_local, b.outcome, b.after_hours, b.client_phone,
       b.line_number, b.line_name, coalesce(b.employee_extension, b.first_extension) AS employee_extension,
       e.employee, b.client_id, cl.name AS client_name, b.called_back_at
FROM mart.call_callbacks b
CROSS JOIN ops.call_center_settings s
LEFT JOIN core.phone_extensions e ON e.extension = coalesce(b.employee_extension, b.first_extension)
LEFT JOIN core.clients cl ON cl.client_id = b.client_id
WHERE b.called_back_at IS NULL OR b.called_back_at > b.started_at + make_interval(hours => s.callback_within_hours);

-- Per ISO week (in the settings' zone), employee and line: the weekly report.
CREATE VIEW mart.calls_weekly AS
SELECT date_trunc('week', c.started_at AT TIME ZONE s.time_zone)::date AS week_start,
       coalesce(c.employee_extension, c.first_extension) AS employee_extension, e.employee,
       c.line_number, c.line_name,
       count(*) FILTER (WHERE c.direction = 'in') AS incoming,
       count(*) FILTER (WHERE c.direction = 'in' AND c.outcome IN ('answered', 'transferred')) AS answered,
       count(*) FILTER (WHERE c.direction = 'in' AND c.outcome IN ('missed', 'queue_missed', 'ivr_missed')) AS missed,
       count(*) FILTER (WHERE c.direction = 'out') AS outgoing,
       count(*) FILTER (WHERE c.direction = 'out' AND c.outcome = 'outgoing_answered') AS outgoing_answered,
       count(*) FILTER (WHERE c.direction = 'internal') AS internal,
       round(avg(c.talk_seconds) FILTER (WHERE c.talk_seconds > 0), 1) AS average_talk_seconds,
       count(*) FILTER (WHERE c.outcome IN ('answered', 'transferred') AND c.talk_seconds < s.short_talk_seconds)
           AS short_answered
FROM core.calls c
CROSS JOIN ops.call_center_settings s
LEFT JOIN core.phone_extensions e ON e.extension = coalesce(c.employee_extension, c.first_extension)
GROUP BY 1, 2, 3, 4, 5;
