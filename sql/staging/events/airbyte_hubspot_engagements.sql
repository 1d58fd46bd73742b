-- grain: one row per engagement (call, meeting, email) of Airbyte's engagements_* streams and
-- associated contact, as the CRM v3 export's (source_table raw.hubspot_engagements)
-- an Append-mode stream holds several rows of an engagement: its newest by Airbyte's extraction
-- time first, as sql/_fragments/airbyte_latest_version.sql orders them (an engagement's id is
-- unique within its type only, so the key is both)
with newest_engagements as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (
                partition by engagement_type, engagement_id
                order by _extracted_at desc nulls last, _cursor_at desc nulls last,
                    _source_file desc, _row_number desc
            ) as version_rank
        from staging.airbyte_hubspot_engagements
        where (_reject_reason is null or _is_deleted) and not _is_duplicate
    )
    where version_rank = 1
)

select * from (
    {{ hubspot_engagement_events(newest_engagements) }}
)
