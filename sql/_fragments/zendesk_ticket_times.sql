-- The `parsed` and `typed` CTEs of a Zendesk ticket or satisfaction rating ($arg1: the CTE of its
-- renamed columns, $arg2: the zone of a time without one, $zendesk_time_zone for the API export,
-- 'UTC' for a connector's table): both carry created_at/updated_at (ISO, German or epoch), the
-- requester as support_user_id, and the first unusable time.
parsed as (
    select
        *,
        list_transform(
            [created_at_text, updated_at_text],
            {{ parse_export_timestamp($arg2) }}
        ) as parsed_times
    from $arg1
),

typed as (
    select
        * exclude (parsed_times),
        'zendesk:' || requester_id as support_user_id,
        parsed_times[1] as created_at,
        parsed_times[2] as updated_at,
        list_filter(
            [
                {'label': 'created_at', 'txt': created_at_text, 'ts': parsed_times[1]},
                {'label': 'updated_at', 'txt': updated_at_text, 'ts': parsed_times[2]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
)
