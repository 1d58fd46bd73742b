-- A deal pipeline as the CRM export labels it, from its id ($arg: `default` is HubSpot's Sales
-- Pipeline; another pipeline keeps its id). Used by the connector tables' deal staging.
case when $arg = 'default' then 'Sales Pipeline' else $arg end
