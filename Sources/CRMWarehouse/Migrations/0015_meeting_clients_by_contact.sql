-- Meetings linked to clients through Exchange contacts too: a contact linked to a client by phone makes its
-- e-mail addresses the client's (core.client_emails, source 'exchange'), and mart.meeting_clients says so in
-- matched_by ('contact' rather than 'email').
CREATE OR REPLACE VIEW mart.meeting_clients AS
SELECT DISTINCT o.event_uid, o.starts_at, o.ends_at, o.subject, cal.calendar,
       coalesce(c.owner, cal.calendar) AS employee, ce.client_id,
       CASE WHEN ce.source = 'exchange' THEN 'contact'::text ELSE 'email'::text END AS matched_by,
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
