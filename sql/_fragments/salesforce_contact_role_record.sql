-- The columns of a Salesforce OpportunityContactRole record ($arg: the JSON record, keyed by the
-- API field names in lower case: a Data Export CSV's normalised header, a connector table's
-- lower-cased columns), as the `renamed` CTE of its staging model lists them. Shared by the Data
-- Export's OpportunityContactRole.csv (sql/staging/salesforce_opportunity_contact_roles.sql) and
-- Airbyte's OpportunityContactRole stream
-- (sql/staging/airbyte_salesforce_opportunity_contact_roles.sql): `select <lineage>,
-- {{ salesforce_contact_role_record(record) }} from source`.
-- ids
trim(json_extract_string($arg, '$.id')) as role_id,
nullif(trim(json_extract_string($arg, '$.opportunityid')), '') as opportunity_id,
nullif(trim(json_extract_string($arg, '$.contactid')), '') as contact_id,
-- timestamps (text as written)
json_extract_string($arg, '$.createddate') as created_text,
-- attributes
lower(trim(json_extract_string($arg, '$.isprimary'))) as is_primary_text,
nullif(trim(json_extract_string($arg, '$.role')), '') as contact_role,
-- the recycle bin: Data Loader's "Export All", a connector's deleted rows
case when lower(trim(json_extract_string($arg, '$.isdeleted'))) in ('true', '1', 't')
    then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
