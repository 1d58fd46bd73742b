-- The columns of a Salesforce Lead record ($arg: the JSON record, keyed by the API field names in
-- lower case: a Data Export CSV's normalised header, a connector table's lower-cased columns), as
-- the `renamed` CTE of its staging model lists them. Shared by the Data Export's Lead.csv
-- (sql/staging/salesforce_leads.sql) and Airbyte's Lead stream
-- (sql/staging/airbyte_salesforce_leads.sql): `select <lineage>,
-- {{ salesforce_lead_record(record) }} from source`.
-- ids
trim(json_extract_string($arg, '$.id')) as lead_id,
json_extract_string($arg, '$.email') as email_text,
nullif(trim(json_extract_string($arg, '$.convertedcontactid')), '') as converted_contact_id,
nullif(trim(json_extract_string($arg, '$.convertedopportunityid')), '')
    as converted_opportunity_id,
-- timestamps (text as written)
json_extract_string($arg, '$.createddate') as created_text,
json_extract_string($arg, '$.converteddate') as converted_text,
-- attributes
lower(trim(json_extract_string($arg, '$.isconverted'))) as is_converted_text,
nullif(trim(json_extract_string($arg, '$.leadsource')), '') as lead_source,
nullif(trim(json_extract_string($arg, '$.status')), '') as lead_status,
-- the recycle bin: Data Loader's "Export All", a connector's deleted rows
case when lower(trim(json_extract_string($arg, '$.isdeleted'))) in ('true', '1', 't')
    then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
