-- HR and attendance: employees, their shifts and absences (HR's own files), which device person is which
-- employee, punches from terminals and turnstiles, and the attendance days built from them.
-- Documented for analysts in docs/warehouse.md, for HR in docs/attendance.md.

-- Everyone attendance is kept for. Personnel numbers (1C:ZUP's ТабельныйНомер) are the key HR uses.
CREATE TABLE core.employees (
    personnel_number text PRIMARY KEY CHECK (personnel_number <> ''),
    full_name        text,
    pinfl            text,
    inn              text,
    department       text,
    position         text,
    hired_on         date,
    dismissed_on     date,
    batch_id         bigint NOT NULL REFERENCES ops.batches (id),
    source_line      integer NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Hire, transfer and dismissal, each with its date: which department someone was in on a given day.
CREATE TABLE core.employee_history (
    personnel_number text NOT NULL,
    effective_on     date NOT NULL,
    event            text NOT NULL CHECK (event IN ('hire', 'transfer', 'dismissal')),
    department       text,
    position         text,
    batch_id         bigint NOT NULL REFERENCES ops.batches (id),
    source_line      integer NOT NULL,
    PRIMARY KEY (personnel_number, effective_on, event)
);

-- One shift pattern per employee (hr-shifts): the latest file's line for that employee wins.
CREATE TABLE core.work_shifts (
    personnel_number      text PRIMARY KEY,
    shift_start           text NOT NULL CHECK (shift_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
    shift_end             text NOT NULL CHECK (shift_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
    workdays              text NOT NULL,
    -- ISO weekdays, 1 = Monday … 7 = Sunday, from `workdays`.
    weekdays              smallint[] NOT NULL,
    late_grace_minutes    integer NOT NULL CHECK (late_grace_minutes >= 0),
    window_before_minutes integer NOT NULL CHECK (window_before_minutes >= 0),
    window_after_minutes  integer NOT NULL CHECK (window_after_minutes >= 0),
    batch_id              bigint NOT NULL REFERENCES ops.batches (id),
    source_line           integer NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Absences per employee and day (hr-absences, later from 1C:ZUP): a later file replaces what an earlier one
-- said for the same employee and dates, day by day.
CREATE TABLE core.absence_days (
    personnel_number text NOT NULL,
    day              date NOT NULL,
    kind             text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
    batch_id         bigint NOT NULL REFERENCES ops.batches (id),
    source_line      integer NOT NULL,
    PRIMARY KEY (personnel_number, day)
);

-- Which device person (a ZKTeco PIN, a card number) is which employee (skud-person-map).
CREATE TABLE core.person_keys (
    source           text NOT NULL,
    person_key       text NOT NULL,
    personnel_number text NOT NULL,
    batch_id         bigint NOT NULL REFERENCES ops.batches (id),
    source_line      integer NOT NULL,
    PRIMARY KEY (source, person_key)
);

-- Every punch as the device or export recorded it, resolved to an employee only when attendance is built (so
-- that a person map loaded later applies to punches loaded before). Denied and other events are kept, never
-- counted.
CREATE TABLE core.punches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL,
    device      text NOT NULL,
    person_key  text NOT NULL,
    person_name text,
    punched_at  timestamptz NOT NULL,
    local_time  text NOT NULL,
    time_zone   text NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('in', 'out', 'break_out', 'break_in', 'ot_in', 'ot_out', 'unknown')),
    event_kind  text NOT NULL CHECK (event_kind IN ('pass', 'denied', 'other')),
    event_text  text,
    batch_id    bigint NOT NULL REFERENCES ops.batches (id),
    source_line integer NOT NULL,
    raw         text NOT NULL,
    -- Two files that overlap add each punch once.
    CONSTRAINT punches_natural_key UNIQUE (source, device, person_key, punched_at, direction, event_kind)
);
CREATE INDEX punches_time_idx ON core.punches (punched_at);

-- The attendance day of each employee, as the rules of mappings/attendance.yaml decide it.
CREATE TABLE core.attendance_days (
    personnel_number text NOT NULL,
    work_date        date NOT NULL,
    department       text,
    first_in         timestamptz,
    last_out         timestamptz,
    worked_minutes   integer NOT NULL CHECK (worked_minutes >= 0),
    status           text NOT NULL CHECK (status IN ('present', 'late', 'incomplete', 'absent', 'leave', 'weekend')),
    absence_kind     text,
    shift_start      timestamptz,
    shift_end        timestamptz,
    -- Not final while a device of the employee has not yet sent punches past the end of the day's window.
    provisional      boolean NOT NULL,
    punch_ids        bigint[] NOT NULL,
    explanation      text[] NOT NULL,
    build_id         bigint NOT NULL,
    built_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (personnel_number, work_date)
);
CREATE INDEX attendance_days_date_idx ON core.attendance_days (work_date);

-- One row per `crmhub attendance build`.
CREATE TABLE ops.attendance_builds (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month         date NOT NULL,
    rules_sha256  text NOT NULL,
    employees     integer NOT NULL DEFAULT 0,
    days          integer NOT NULL DEFAULT 0,
    days_changed  integer NOT NULL DEFAULT 0,
    started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at   timestamptz
);

-- How far each device has reported: a day is final once every device of its employee is past its window.
CREATE VIEW ops.device_high_water AS
SELECT source, device, max(punched_at) AS last_punch_at, count(*) AS punches
FROM core.punches
GROUP BY source, device;

-- Passages whose person no employee stands for (no person-map line, and not a personnel number of its own):
-- HR's review list, never dropped, never counted.
CREATE VIEW mart.unmapped_person_keys AS
SELECT p.source, p.person_key, min(p.person_name) AS person_name, count(*) AS punches,
       min(p.punched_at) AS first_punch_at, max(p.punched_at) AS last_punch_at
FROM core.punches p
LEFT JOIN core.person_keys k ON k.source = p.source AND k.person_key = p.person_key
WHERE p.event_kind = 'pass'
  AND NOT EXISTS (SELECT 1 FROM core.employees e
                  WHERE e.personnel_number = coalesce(k.personnel_number,
                                                      CASE WHEN p.source = 'personnel_number' THEN p.person_key END))
  AND NOT EXISTS (SELECT 1 FROM core.work_shifts s
                  WHERE s.personnel_number = coalesce(k.personnel_number,
                                                      CASE WHEN p.source = 'personnel_number' THEN p.person_key END))
GROUP BY p.source, p.person_key;

-- Per employee and month: the days of each status and the minutes worked, by department.
CREATE VIEW mart.attendance_month AS
SELECT date_trunc('month', d.work_date)::date AS month, d.personnel_number, e.full_name,
       coalesce(d.department, e.department) AS department,
       count(*) FILTER (WHERE d.status = 'present') AS days_present,
       count(*) FILTER (WHERE d.status = 'late') AS days_late,
       count(*) FILTER (WHERE d.status = 'incomplete') AS days_incomplete,
       count(*) FILTER (WHERE d.status = 'absent') AS days_absent,
       count(*) FILTER (WHERE d.status = 'leave') AS days_leave,
       sum(d.worked_minutes) AS minutes_worked,
       bool_or(d.provisional) AS provisional
FROM core.attendance_days d
LEFT JOIN core.employees e ON e.personnel_number = d.personnel_number
GROUP BY 1, 2, 3, 4;
