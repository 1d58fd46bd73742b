-- The typed columns of a HubSpot deal whose stage dates are texts on its row, from the CTE $arg1 (its
-- associated_contact_id, create_date_text and the texts of the seven stages of HubSpot's default
-- pipeline: appointment_scheduled_text, qualified_to_buy_text, presentation_scheduled_text,
-- decision_maker_bought_in_text, contract_sent_text, closed_won_text, closed_lost_text), a zone-less
-- date read in the zone $arg2, with bad_date: the first given but unusable date (not a date, or
-- outside 2000 .. tomorrow), named $arg3 .. $arg10 as the file calls those eight columns. Used as
-- `typed as ({{ hubspot_deal_typed(parsed, ...) }})` by the CRM export's deal staging
-- (`Date entered "<stage> (Sales Pipeline)"` columns) and Airbyte's (properties_hs_date_entered_<stage>).
select
    * exclude (parsed_dates),
    'hubspot:' || associated_contact_id as crm_contact_id,
    parsed_dates[1] as created_at,
    parsed_dates[2] as appointment_scheduled_at,
    parsed_dates[3] as qualified_to_buy_at,
    parsed_dates[4] as presentation_scheduled_at,
    parsed_dates[5] as decision_maker_bought_in_at,
    parsed_dates[6] as contract_sent_at,
    parsed_dates[7] as closed_won_at,
    parsed_dates[8] as closed_lost_at,
    list_filter(
        [
            {'label': $arg3, 'txt': create_date_text, 'ts': parsed_dates[1]},
            {'label': $arg4, 'txt': appointment_scheduled_text, 'ts': parsed_dates[2]},
            {'label': $arg5, 'txt': qualified_to_buy_text, 'ts': parsed_dates[3]},
            {'label': $arg6, 'txt': presentation_scheduled_text, 'ts': parsed_dates[4]},
            {'label': $arg7, 'txt': decision_maker_bought_in_text, 'ts': parsed_dates[5]},
            {'label': $arg8, 'txt': contract_sent_text, 'ts': parsed_dates[6]},
            {'label': $arg9, 'txt': closed_won_text, 'ts': parsed_dates[7]},
            {'label': $arg10, 'txt': closed_lost_text, 'ts': parsed_dates[8]}
        ],
        lambda d: {{ unusable_timestamp(d) }}
    )[1] as bad_date
from (
    select
        *,
        -- one parser for every date column, so all accept the same formats
        list_transform(
            [create_date_text, appointment_scheduled_text, qualified_to_buy_text,
             presentation_scheduled_text, decision_maker_bought_in_text, contract_sent_text,
             closed_won_text, closed_lost_text],
            {{ parse_export_timestamp($arg2) }}
        ) as parsed_dates
    from $arg1
)
