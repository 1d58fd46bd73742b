-- GA4's default channel group ("[GA4] Default channel group", Analytics Help), its rules for manual
-- traffic in Google's order, the first that matches wins. Used as
-- {{ default_channel_group(source, medium, campaign, source_category) }}: source, medium and campaign
-- name as given (compared lower-cased and trimmed), source_category the source's row in
-- core.channel_sources (search, social, shopping, video or null). Nothing known: 'Unassigned';
-- 'Direct' only for source (direct) with medium (none) or (not set). docs/metrics.md.
case
    when lower(trim($arg1)) = '(direct)' and lower(trim($arg2)) in ('(none)', '(not set)') then 'Direct'
    when lower($arg3) like '%cross-network%' then 'Cross-network'
    when ($arg4 = 'shopping' or regexp_matches(lower($arg3), '^(.*(([^a-df-z]|^)shop|shopping).*)$'))
        and regexp_matches(lower(trim($arg2)), '^(.*cp.*|ppc|retargeting|paid.*)$') then 'Paid Shopping'
    when $arg4 = 'search' and regexp_matches(lower(trim($arg2)), '^(.*cp.*|ppc|retargeting|paid.*)$')
        then 'Paid Search'
    when $arg4 = 'social' and regexp_matches(lower(trim($arg2)), '^(.*cp.*|ppc|retargeting|paid.*)$')
        then 'Paid Social'
    when $arg4 = 'video' and regexp_matches(lower(trim($arg2)), '^(.*cp.*|ppc|retargeting|paid.*)$')
        then 'Paid Video'
    when lower(trim($arg2)) in ('display', 'banner', 'expandable', 'interstitial', 'cpm') then 'Display'
    when regexp_matches(lower(trim($arg2)), '^(.*cp.*|ppc|retargeting|paid.*)$') then 'Paid Other'
    when $arg4 = 'shopping' or regexp_matches(lower($arg3), '^(.*(([^a-df-z]|^)shop|shopping).*)$')
        then 'Organic Shopping'
    when $arg4 = 'social'
        or lower(trim($arg2)) in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
        then 'Organic Social'
    when $arg4 = 'video' or regexp_matches(lower(trim($arg2)), '^(.*video.*)$') then 'Organic Video'
    when $arg4 = 'search' or lower(trim($arg2)) = 'organic' then 'Organic Search'
    when lower(trim($arg2)) in ('referral', 'app', 'link') then 'Referral'
    when lower(trim($arg1)) in ('email', 'e-mail', 'e_mail', 'e mail')
        or lower(trim($arg2)) in ('email', 'e-mail', 'e_mail', 'e mail') then 'Email'
    when lower(trim($arg2)) = 'affiliate' then 'Affiliates'
    when lower(trim($arg2)) = 'audio' then 'Audio'
    when lower(trim($arg1)) = 'sms' or lower(trim($arg2)) = 'sms' then 'SMS'
    when lower(trim($arg2)) like '%push' or lower(trim($arg2)) like '%mobile%'
        or lower(trim($arg2)) like '%notification%' or lower(trim($arg1)) = 'firebase'
        then 'Mobile Push Notifications'
    else 'Unassigned'
end
