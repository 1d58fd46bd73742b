-- The columns of a Salesforce Opportunity record ($arg: the JSON record, keyed by the API field
-- names in lower case: a Data Export CSV's normalised header, a connector table's lower-cased
-- columns), as the `renamed` CTE of its staging model lists them. Shared by the Data Export's
-- Opportunity.csv (sql/staging/salesforce_opportunities.sql) and Airbyte's Opportunity stream
-- (sql/staging/airbyte_salesforce_opportunities.sql): `select <lineage>,
-- {{ salesforce_opportunity_record(record) }} from source`.
-- ids
trim(json_extract_string($arg, '$.id')) as opportunity_id,
nullif(trim(json_extract_string($arg, '$.accountid')), '') as account_id,
nullif(trim(json_extract_string($arg, '$.contactid')), '') as own_contact_id,
-- measures
trim(json_extract_string($arg, '$.amount')) as amount_text,
nullif(upper(trim(json_extract_string($arg, '$.currencyisocode'))), '') as currency_iso_code,
-- timestamps (text as written)
json_extract_string($arg, '$.createddate') as created_text,
json_extract_string($arg, '$.closedate') as close_text,
-- attributes
nullif(trim(json_extract_string($arg, '$.stagename')), '') as stage_name,
lower(trim(json_extract_string($arg, '$.isclosed'))) as is_closed_text,
lower(trim(json_extract_string($arg, '$.iswon'))) as is_won_text,
nullif(trim(json_extract_string($arg, '$.leadsource')), '') as lead_source,
-- the recycle bin: Data Loader's "Export All", a connector's deleted rows
case when lower(trim(json_extract_string($arg, '$.isdeleted'))) in ('true', '1', 't')
    then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
