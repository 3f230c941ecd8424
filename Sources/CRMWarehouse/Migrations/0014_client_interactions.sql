-- Meetings linked to clients, and the clients' interactions (meetings and calls) per employee and day: the
-- CRM's KPIs "meetings" and "interactions". Documented in docs/warehouse.md ("Calendars").

-- Every occurrence, in every calendar that holds it, with each client an attendee (or the organizer) is: by
-- e-mail address (core.client_emails).
CREATE VIEW mart.meeting_clients AS
SELECT DISTINCT o.event_uid, o.starts_at, o.ends_at, o.subject, cal.calendar,
       coalesce(c.owner, cal.calendar) AS employee, ce.client_id, 'email'::text AS matched_by,
       lower(person.value ->> 'email') AS matched_value
FROM core.calendar_occurrences o
CROSS JOIN LATERAL unnest(o.calendars) AS cal(calendar)
JOIN core.calendars c ON c.calendar = cal.calendar
JOIN core.calendar_events e ON e.calendar = cal.calendar AND e.uid = o.event_uid
                           AND e.recurrence_id IN ('', o.recurrence_id) AND e.deleted_at IS NULL
CROSS JOIN LATERAL jsonb_array_elements(
    e.attendees || CASE WHEN e.organizer_email IS NULL THEN '[]'::jsonb
                        ELSE jsonb_build_array(jsonb_build_object('email', e.organizer_email)) END) AS person(value)
JOIN core.client_emails ce ON ce.email = lower(person.value ->> 'email');

-- Per client, employee and local day: meetings (an occurrence with the client, in the employee's calendar, in the
-- calendar's zone) and calls that connected (in the call centre's zone). The employee is the calendar's owner
-- (a mailbox address) for meetings, the extension's employee (or the extension) for calls.
CREATE VIEW mart.client_interactions AS
SELECT client_id, employee, day, sum(meetings)::bigint AS meetings, sum(calls)::bigint AS calls,
       (sum(meetings) + sum(calls))::bigint AS interactions
FROM (
    SELECT m.client_id, m.employee, (m.starts_at AT TIME ZONE cal.time_zone)::date AS day,
           count(DISTINCT (m.event_uid, m.starts_at)) AS meetings, 0 AS calls
    FROM mart.meeting_clients m JOIN core.calendars cal USING (calendar)
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT c.client_id, coalesce(x.employee, coalesce(c.employee_extension, c.first_extension)),
           (c.started_at AT TIME ZONE s.time_zone)::date, 0, count(*)
    FROM core.calls c
    CROSS JOIN ops.call_center_settings s
    LEFT JOIN core.phone_extensions x ON x.extension = coalesce(c.employee_extension, c.first_extension)
    WHERE c.client_id IS NOT NULL AND c.outcome IN ('answered', 'transferred', 'outgoing_answered')
    GROUP BY 1, 2, 3
) interactions
GROUP BY client_id, employee, day;
