-- The web-visit columns of a canonical event row: {{ event_visit(page_path, utm_source, utm_medium,
-- utm_campaign) }}, each a column of the file's rows or `null`: an event that is no visit (an order,
-- a CRM stage, a ticket, a survey answer) has none (a typed NULL, as every branch of staging.events'
-- union has the same varchar columns).
cast($arg1 as varchar) as page_path,
cast($arg2 as varchar) as utm_source,
cast($arg3 as varchar) as utm_medium,
cast($arg4 as varchar) as utm_campaign
