-- 1C:ZUP's staff from EnterpriseData messages (zup-enterprisedata): persons, departments and positions by
-- their 1C references, employees with their 1C reference and organisation, and the HR history as 1C records
-- it: each record belongs to its registrar (the КадроваяИсторияСотрудников object), whose records are
-- replaced together when 1C sends it again. Documented for analysts in docs/warehouse.md.

-- Справочник.ФизическиеЛица: a person, whatever their employments.
CREATE TABLE core.individuals (
    source_ref  text PRIMARY KEY,
    full_name   text NOT NULL,
    last_name   text,
    first_name  text,
    middle_name text,
    birth_date  date,
    inn         text,
    pinfl       text,
    batch_id    bigint NOT NULL REFERENCES ops.batches (id),
    source_line integer NOT NULL,
    source_path text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Справочник.Подразделения and Справочник.Должности: names by reference, for records that name a department
-- or position by reference only.
CREATE TABLE core.staff_units (
    kind        text NOT NULL CHECK (kind IN ('department', 'position')),
    source_ref  text NOT NULL,
    name        text NOT NULL,
    batch_id    bigint NOT NULL REFERENCES ops.batches (id),
    source_line integer NOT NULL,
    source_path text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, source_ref)
);

ALTER TABLE core.employees
    ADD COLUMN source_ref     text,
    ADD COLUMN individual_ref text,
    ADD COLUMN organization   text,
    ADD COLUMN archived       boolean NOT NULL DEFAULT false,
    -- An employee deleted in 1C (УдалениеОбъекта) is marked, never removed; attendance leaves them out.
    ADD COLUMN deleted        boolean NOT NULL DEFAULT false,
    ADD COLUMN source_path    text;
CREATE INDEX employees_source_ref_idx ON core.employees (source_ref);

-- Nothing wrote the history before this migration: its key becomes the record's place in its registrar.
ALTER TABLE core.employee_history
    DROP CONSTRAINT employee_history_pkey,
    ADD COLUMN registrar_ref  text NOT NULL,
    ADD COLUMN record_no      integer NOT NULL,
    ADD COLUMN event_text     text,
    ADD COLUMN employee_ref   text,
    ADD COLUMN department_ref text,
    ADD COLUMN position_ref   text,
    ADD COLUMN contract_kind  text,
    ADD COLUMN rate           numeric(10, 3),
    ADD COLUMN valid_until    date,
    -- The registrar was deleted in 1C: its records no longer count.
    ADD COLUMN deleted        boolean NOT NULL DEFAULT false,
    ADD COLUMN source_path    text,
    ADD PRIMARY KEY (registrar_ref, record_no);
CREATE INDEX employee_history_employee_idx ON core.employee_history (personnel_number, effective_on);
