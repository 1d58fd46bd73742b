-- The `parsed` and `timed` CTEs of a Freshdesk ticket, from the API pages or the CSV export ($arg1:
-- the CTE of its renamed columns; $arg2, $arg3, $arg4: how the export names created, updated and
-- resolved time, shown in reject reasons). Both carry created_at/updated_at/resolved_at (ISO,
-- German or epoch; local time of $freshdesk_time_zone without a zone), the hashed email, the
-- requester as support_user_id and the first unusable time (bad_time); each file then maps its own
-- status, priority and source codes.
parsed as (
    select
        *,
        list_transform(
            [created_at_text, updated_at_text, resolved_at_text],
            {{ parse_export_timestamp($freshdesk_time_zone) }}
        ) as parsed_times,
        {{ hash_email(email_text) }} as email_hash
    from $arg1
),

timed as (
    select
        * exclude (parsed_times, email_text),
        'freshdesk:' || requester_id as support_user_id,
        parsed_times[1] as created_at,
        parsed_times[2] as updated_at,
        parsed_times[3] as resolved_at,
        list_filter(
            [
                {'label': $arg2, 'txt': created_at_text, 'ts': parsed_times[1]},
                {'label': $arg3, 'txt': updated_at_text, 'ts': parsed_times[2]},
                {'label': $arg4, 'txt': resolved_at_text, 'ts': parsed_times[3]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
)
