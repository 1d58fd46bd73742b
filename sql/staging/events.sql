-- model: kind=by_event key=event_id writes=staging.event_inputs
-- grain: one row per canonical event (all sources), deduplicated by event_id
-- The latest version of each event (sql/staging/event_versions.sql): a record exported again in a
-- later file, or a CRM snapshot's newer row, replaces the earlier one.
select * exclude (version_rank, events_sql)
from staging.event_versions
where version_rank = 1
