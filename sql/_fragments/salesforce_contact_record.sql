-- The columns of a Salesforce Contact record ($arg: the JSON record, keyed by the API field names
-- in lower case: a Data Export CSV's normalised header, a connector table's lower-cased columns),
-- as the `renamed` CTE of its staging model lists them. Shared by the Data Export's Contact.csv
-- (sql/staging/salesforce_contacts.sql) and Airbyte's Contact stream
-- (sql/staging/airbyte_salesforce_contacts.sql): `select <lineage>,
-- {{ salesforce_contact_record(record) }} from source`.
-- ids
trim(json_extract_string($arg, '$.id')) as contact_id,
nullif(trim(json_extract_string($arg, '$.accountid')), '') as account_id,
json_extract_string($arg, '$.email') as email_text,
-- timestamps (text as written)
json_extract_string($arg, '$.createddate') as created_text,
-- attributes
nullif(trim(json_extract_string($arg, '$.leadsource')), '') as lead_source,
-- the recycle bin: Data Loader's "Export All", a connector's deleted rows
case when lower(trim(json_extract_string($arg, '$.isdeleted'))) in ('true', '1', 't')
    then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
