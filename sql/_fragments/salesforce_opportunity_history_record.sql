-- The columns of a Salesforce OpportunityHistory record ($arg: the JSON record, keyed by the API
-- field names in lower case: a Data Export CSV's normalised header, a connector table's lower-cased
-- columns), as the `renamed` CTE of its staging model lists them. Shared by the Data Export's
-- OpportunityHistory.csv (sql/staging/salesforce_opportunity_history.sql) and Airbyte's
-- OpportunityHistory stream (sql/staging/airbyte_salesforce_opportunity_history.sql): `select
-- <lineage>, {{ salesforce_opportunity_history_record(record) }} from source`.
-- ids
trim(json_extract_string($arg, '$.id')) as history_id,
nullif(trim(json_extract_string($arg, '$.opportunityid')), '') as opportunity_id,
-- measures
trim(json_extract_string($arg, '$.amount')) as amount_text,
-- timestamps (text as written)
json_extract_string($arg, '$.createddate') as created_text,
json_extract_string($arg, '$.closedate') as close_text,
-- attributes
nullif(trim(json_extract_string($arg, '$.stagename')), '') as stage_name,
-- the recycle bin: Data Loader's "Export All", a connector's deleted rows
case when lower(trim(json_extract_string($arg, '$.isdeleted'))) in ('true', '1', 't')
    then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
