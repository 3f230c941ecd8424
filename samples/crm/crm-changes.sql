-- Fictional sample: what the CRM application itself wrote into the warehouse, the way it always does (it
-- inserts into core.* directly; docs/warehouse.md, "How the CRM writes them"). A sales manager made a new client
-- and its invoice (the 1C export sends them to 1C), and Karimova added a contact, a task and a meeting (the
-- Exchange sync puts them into her mailbox). crmhub demo applies it before the nightly job. Every row has a
-- fixed id and ON CONFLICT DO NOTHING, so applying it again changes nothing.

INSERT INTO core.counterparties (source_ref, inn, name, full_name, is_legal_entity, phone, email, address)
VALUES ('7a1d0000-0000-4000-8000-00000000c001', '309166181', 'ООО «Бахор & Ко»',
        'Общество с ограниченной ответственностью «Бахор & Ко»', true, '+998712001122', 'info@bahor-demo.uz',
        'Ташкент, ул. Навои 12')
ON CONFLICT (source_ref) DO NOTHING;

INSERT INTO core.invoices (source_ref, number, issued_on, due_on, counterparty_id, counterparty_inn,
                           counterparty_name, amount, currency, comment)
SELECT '7a1d0000-0000-4000-8000-00000000a001', 'CRM-000017', DATE '2025-03-17', DATE '2025-03-31', id, inn, name,
       1250000.50, 'UZS', 'Внедрение CRM, этап 1'
FROM core.counterparties WHERE source_ref = '7a1d0000-0000-4000-8000-00000000c001'
ON CONFLICT (source_ref) DO NOTHING;

INSERT INTO core.invoice_lines (invoice_id, kind, line_no, item_name, unit, quantity, price, amount, vat_rate,
                                vat_amount)
SELECT id, 'services', 1, 'Внедрение CRM, этап 1', 'усл', 1, 1250000.50, 1250000.50, '12%', 133928.63
FROM core.invoices WHERE source_ref = '7a1d0000-0000-4000-8000-00000000a001'
ON CONFLICT DO NOTHING;

INSERT INTO core.calendars (calendar, time_zone, owner)
VALUES ('d.karimova@acme-demo.uz', 'Asia/Tashkent', 'd.karimova@acme-demo.uz')
ON CONFLICT DO NOTHING;

INSERT INTO core.contacts (crm_id, mailbox, display_name, given_name, surname, company, job_title, emails, phones)
VALUES ('crm-demo-contact-1', 'd.karimova@acme-demo.uz', 'Rahimov Aziz', 'Aziz', 'Rahimov',
        'ООО «Самарканд Текстиль Демо»', 'Главный бухгалтер', '{a.rahimov@stextile-demo.uz}', '{+998901112233}')
ON CONFLICT (crm_id) DO NOTHING;

INSERT INTO core.tasks (crm_id, mailbox, subject, status, importance, due_at)
VALUES ('crm-demo-task-1', 'd.karimova@acme-demo.uz', 'Выставить счёт ООО «Бахор & Ко» за этап 2', 'NotStarted',
        'Normal', '2025-03-21 18:00+05')
ON CONFLICT (crm_id) DO NOTHING;

INSERT INTO core.calendar_events (calendar, uid, origin, summary, location, starts_at, ends_at, time_zone, attendees)
VALUES ('d.karimova@acme-demo.uz', 'crm-demo-meeting-1', 'crm', 'Встреча: кредитная линия для ООО «Бахор & Ко»',
        'Офис банка, ул. Амира Темура 1', '2025-03-19 10:00+05', '2025-03-19 11:00+05', 'Asia/Tashkent',
        '[{"email": "info@bahor-demo.uz", "name": "Бахор & Ко"}]')
ON CONFLICT DO NOTHING;
