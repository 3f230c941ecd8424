-- Exchange Web Services, both ways: contacts and tasks of each mailbox, the sync state (cursor) of each folder,
-- what was sent to Exchange, and the conflicts kept for review. Calendar items live in core.calendar_events
-- (0012). Documented for analysts in docs/warehouse.md ("Exchange"), for users in docs/connectors/exchange-ews.md.
--
-- The CRM writes these tables directly: it inserts rows with origin 'crm', updates them, and deletes by setting
-- deleted_at. A trigger counts each such change in crm_version (and stamps modified_at); the sync pushes every
-- row whose crm_version is past synced_version. The sync's own writes set the transaction-local setting
-- crmhub.sync = 'on', so they are not counted as the CRM's.

-- Bumps crm_version and modified_at when a row's content changes outside a sync. The trigger's arguments name
-- the columns that are bookkeeping, not content.
CREATE FUNCTION core.count_crm_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('crmhub.sync', true), '') = 'on' THEN
        RETURN NEW;
    END IF;
    IF (to_jsonb(NEW) - TG_ARGV::text[]) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV::text[]) THEN
        NEW.crm_version := OLD.crm_version + 1;
        NEW.modified_at := now();
    END IF;
    RETURN NEW;
END
$$;

ALTER TABLE core.calendar_events ADD COLUMN exchange_modified_at timestamptz;
CREATE TRIGGER calendar_events_crm_edit BEFORE UPDATE ON core.calendar_events FOR EACH ROW
    EXECUTE FUNCTION core.count_crm_edit('ews_item_id', 'ews_change_key', 'crm_version', 'synced_version',
        'modified_at', 'exchange_modified_at', 'batch_id', 'source_line');

-- A contact of a mailbox's Contacts folder, or one made in the CRM for it.
CREATE TABLE core.contacts (
    contact_id           bigserial PRIMARY KEY,
    -- The CRM's id of the contact; Exchange keeps it in the item's extended property CRMHubId.
    crm_id               text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
    mailbox              text NOT NULL,
    origin               text NOT NULL DEFAULT 'crm' CHECK (origin IN ('exchange', 'crm')),
    display_name         text,
    given_name           text,
    surname              text,
    company              text,
    job_title            text,
    -- Lower-cased addresses, and numbers in E.164 (+998…); phones_raw keeps them as written.
    emails               text[] NOT NULL DEFAULT '{}',
    phones               text[] NOT NULL DEFAULT '{}',
    phones_raw           text[] NOT NULL DEFAULT '{}',
    -- The client it is linked to, by e-mail (core.client_emails) or phone (core.client_phones).
    client_id            bigint REFERENCES core.clients (client_id),
    ews_item_id          text,
    ews_change_key       text,
    crm_version          integer NOT NULL DEFAULT 1,
    synced_version       integer,
    modified_at          timestamptz NOT NULL DEFAULT now(),
    exchange_modified_at timestamptz,
    deleted_at           timestamptz,
    batch_id             bigint REFERENCES ops.batches (id),
    -- The item's position in the answer that brought it.
    source_line          integer
);
CREATE UNIQUE INDEX contacts_ews_idx ON core.contacts (mailbox, ews_item_id) WHERE ews_item_id IS NOT NULL;
CREATE INDEX contacts_client_idx ON core.contacts (client_id);
CREATE TRIGGER contacts_crm_edit BEFORE UPDATE ON core.contacts FOR EACH ROW
    EXECUTE FUNCTION core.count_crm_edit('ews_item_id', 'ews_change_key', 'crm_version', 'synced_version',
        'modified_at', 'exchange_modified_at', 'batch_id', 'source_line', 'client_id');

-- A task of a mailbox's Tasks folder, or one made in the CRM for it.
CREATE TABLE core.tasks (
    task_id              bigserial PRIMARY KEY,
    crm_id               text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
    mailbox              text NOT NULL,
    origin               text NOT NULL DEFAULT 'crm' CHECK (origin IN ('exchange', 'crm')),
    subject              text,
    body_summary         text,
    -- NotStarted, InProgress, Completed, WaitingOnOthers, Deferred (Exchange's TaskStatusType).
    status               text,
    percent_complete     numeric(5, 2),
    importance           text,
    starts_at            timestamptz,
    due_at               timestamptz,
    completed_at         timestamptz,
    ews_item_id          text,
    ews_change_key       text,
    crm_version          integer NOT NULL DEFAULT 1,
    synced_version       integer,
    modified_at          timestamptz NOT NULL DEFAULT now(),
    exchange_modified_at timestamptz,
    deleted_at           timestamptz,
    batch_id             bigint REFERENCES ops.batches (id),
    source_line          integer
);
CREATE UNIQUE INDEX tasks_ews_idx ON core.tasks (mailbox, ews_item_id) WHERE ews_item_id IS NOT NULL;
CREATE TRIGGER tasks_crm_edit BEFORE UPDATE ON core.tasks FOR EACH ROW
    EXECUTE FUNCTION core.count_crm_edit('ews_item_id', 'ews_change_key', 'crm_version', 'synced_version',
        'modified_at', 'exchange_modified_at', 'batch_id', 'source_line');

-- Where SyncFolderItems stopped for each mailbox and folder: the next sync asks for what changed since.
CREATE TABLE ops.exchange_sync_state (
    mailbox    text NOT NULL,
    folder     text NOT NULL CHECK (folder IN ('calendar', 'contacts', 'tasks')),
    sync_state text NOT NULL,
    synced_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, folder)
);

-- An item changed on both sides since the last sync: the later change was kept, the other is here for review.
CREATE TABLE ops.exchange_conflicts (
    conflict_id          bigserial PRIMARY KEY,
    mailbox              text NOT NULL,
    folder               text NOT NULL,
    crm_id               text NOT NULL,
    ews_item_id          text,
    -- 'crm' or 'exchange': whose version is in the core table now.
    kept                 text NOT NULL CHECK (kept IN ('crm', 'exchange')),
    crm_version          jsonb NOT NULL,
    -- null when Exchange's change was a deletion.
    exchange_version     jsonb,
    crm_modified_at      timestamptz,
    exchange_modified_at timestamptz,
    batch_id             bigint REFERENCES ops.batches (id),
    detected_at          timestamptz NOT NULL DEFAULT now(),
    reviewed_at          timestamptz
);

-- Every CreateItem, UpdateItem and DeleteItem the sync sent, and what came of it.
CREATE TABLE ops.exchange_pushes (
    push_id     bigserial PRIMARY KEY,
    mailbox     text NOT NULL,
    folder      text NOT NULL,
    crm_id      text NOT NULL,
    operation   text NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    crm_version integer NOT NULL,
    ews_item_id text,
    -- NoError, or Exchange's response code (ErrorIrresolvableConflict, ErrorItemNotFound, …).
    result      text NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now()
);
