-- The typed columns of a HubSpot contact from the CTE $arg1 (its record_id, email_text and the six
-- date texts: create_date_text, lead_date_text, mql_date_text, sql_date_text, customer_date_text,
-- email_open_date_text), a zone-less date read in the zone $arg2, the email hashed, with bad_date: the
-- first given but unusable date (not a date, or outside 2000 .. tomorrow), named $arg3 .. $arg8 as
-- the file calls those six columns. Used as `typed as ({{ hubspot_contact_typed(renamed, ...) }})` by
-- the CRM export's and the Fivetran dump's contact staging.
select
    * exclude (email_text, parsed_dates),
    'hubspot:' || record_id as crm_contact_id,
    {{ hash_email(email_text) }} as email_hash,
    parsed_dates[1] as created_at,
    parsed_dates[2] as became_lead_at,
    parsed_dates[3] as became_mql_at,
    parsed_dates[4] as became_sql_at,
    parsed_dates[5] as became_customer_at,
    parsed_dates[6] as email_opened_at,
    list_filter(
        [
            {'label': $arg3, 'txt': create_date_text, 'ts': parsed_dates[1]},
            {'label': $arg4, 'txt': lead_date_text, 'ts': parsed_dates[2]},
            {'label': $arg5, 'txt': mql_date_text, 'ts': parsed_dates[3]},
            {'label': $arg6, 'txt': sql_date_text, 'ts': parsed_dates[4]},
            {'label': $arg7, 'txt': customer_date_text, 'ts': parsed_dates[5]},
            {'label': $arg8, 'txt': email_open_date_text, 'ts': parsed_dates[6]}
        ],
        lambda d: {{ unusable_timestamp(d) }}
    )[1] as bad_date
from (
    select
        *,
        -- one parser for every date column, so all accept the same formats
        list_transform(
            [create_date_text, lead_date_text, mql_date_text, sql_date_text, customer_date_text,
             email_open_date_text],
            {{ parse_export_timestamp($arg2) }}
        ) as parsed_dates
    from $arg1
)
