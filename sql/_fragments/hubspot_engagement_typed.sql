-- The typed columns of a HubSpot engagement (call, meeting, email) from the CTE $arg1 (its
-- contact_ids, parsed_times = [hs_timestamp, meeting start] and call_disposition_id), with bad_time:
-- the first given but unusable time, named $arg2 (hs_timestamp) or $arg3 (meeting start) as the
-- file calls them. Used as `typed as ({{ hubspot_engagement_typed(parsed, 'hs_timestamp', ...) }})`
-- by the CRM v3 export's and the Fivetran dump's engagement staging.
select
    * exclude (parsed_times),
    list_transform(contact_ids, lambda c: 'hubspot:' || c) as crm_contact_ids,
    parsed_times[1] as engagement_at,
    parsed_times[2] as meeting_start_at,
    {{ hubspot_call_outcome(call_disposition_id) }} as call_outcome,
    list_filter(
        [
            {'label': $arg2, 'txt': hs_timestamp_text, 'ts': parsed_times[1]},
            {'label': $arg3, 'txt': meeting_start_text, 'ts': parsed_times[2]}
        ],
        lambda d: {{ unusable_timestamp(d) }}
    )[1] as bad_time
from $arg1
