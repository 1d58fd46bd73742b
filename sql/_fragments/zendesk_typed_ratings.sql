-- The typed Zendesk satisfaction ratings and their reject reasons, after a `renamed` CTE with the
-- reader's column list (rating_id, ticket_id, requester_id, assignee_id, created_at_text,
-- updated_at_text, score_text, score, reason, has_comment, deleted_reason, lineage). Shared by the
-- Satisfaction Ratings API export and Fivetran's `satisfaction_rating` table:
-- `{{ zendesk_typed_ratings(renamed, $tz) }}`, $arg2 the zone of a time without one.
{{ zendesk_ticket_times($arg1, $arg2) }}

select
    * exclude (bad_time, score_text, deleted_reason),
    deleted_reason is not null as _is_deleted,
    case
        when rating_id is null then 'missing id'
        when ticket_id is null then 'missing ticket_id'
        when requester_id is null then 'missing requester_id'
        when score is null or score = '' then 'missing score'
        when score not in ('good', 'bad', 'offered', 'unoffered')
            then 'score must be good, bad, offered or unoffered, got ' || left(score_text, 20)
        when created_at_text is null or trim(created_at_text) = '' then 'missing created_at'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when deleted_reason is not null then deleted_reason
    end as _reject_reason
from typed
