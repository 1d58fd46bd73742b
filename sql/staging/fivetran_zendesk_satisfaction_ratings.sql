-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Zendesk `satisfaction_rating` table, typed into the
-- columns of staging.zendesk_satisfaction_ratings (the API export's), with its reject reason
-- (NULL = usable)
-- Times are UTC instants (a time without a zone is UTC). The free-text comment stays in raw. A
-- soft-deleted row (`_fivetran_deleted`, when the table has the column) is a deletion row: the
-- rating makes no event. Typed and checked by sql/_fragments/zendesk_typed_ratings.sql.
with source as (
    select * from raw.fivetran_zendesk_satisfaction_ratings
),

renamed as (
    select
        {{ zendesk_connector_rating_columns(record) }},
        {{ fivetran_zendesk_deleted(record) }} as deleted_reason
    from source
),

{{ zendesk_typed_ratings(renamed, 'UTC') }}
