-- The reject reasons of an ad report row's numbers, each named by the platform's own column header:
-- {{ ad_report_amount_checks('Cost', 'Impr.', 'Clicks') }} ($arg1 the cost's header, $arg2 the
-- impressions', $arg3 the clicks'), as `when ... then ...` branches of the file's reject-reason
-- CASE over the parsed cost, impressions and clicks and their text as exported (cost_text, ...).
-- Used by the Google Ads, Meta Ads and LinkedIn Ads campaign reports (docs/sources.md).
when cost_text is null then 'missing ' || $arg1
when cost is null then $arg1 || ' is not a number: ' || left(cost_text, 40)
when cost < 0 then $arg1 || ' is negative: ' || left(cost_text, 40)
when abs(cost) > 1e15 then $arg1 || ' out of range (beyond ±10^15): ' || left(cost_text, 40)
when impressions_text is not null and impressions is null
    then $arg2 || ' is not a whole number: ' || left(impressions_text, 40)
when clicks_text is not null and clicks is null
    then $arg3 || ' is not a whole number: ' || left(clicks_text, 40)
