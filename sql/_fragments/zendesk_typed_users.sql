-- The typed Zendesk users (email hashed, the id as support_user_id) and their reject reasons, from
-- the CTE $arg with the reader's column list (zendesk_user_id, email_text, user_id, role,
-- deleted_reason, lineage). Shared by the Users API export and Fivetran's `user` table:
-- `with source as (...), renamed as (...) {{ zendesk_typed_users(renamed) }}` as the file's last select.
select
    * exclude (email_text, deleted_reason),
    {{ hash_email(email_text) }} as email_hash,
    'zendesk:' || zendesk_user_id as support_user_id,
    case
        when zendesk_user_id is null then 'missing id'
        when deleted_reason is not null then deleted_reason
    end as _reject_reason
from $arg
