-- A HubSpot contact's Original Source as the CRM export labels it, from the property's internal
-- value ($arg: the hs_analytics_source text of a connector's table, ORGANIC_SEARCH → Organic Search),
-- so a contact synced by Fivetran or Airbyte has the export's origin. An unknown value is kept.
-- Used as {{ hubspot_source_label(x) }} by fivetran_hubspot_contact.sql and airbyte_hubspot_contacts.sql.
case upper(trim($arg))
    when 'ORGANIC_SEARCH' then 'Organic Search'
    when 'PAID_SEARCH' then 'Paid Search'
    when 'EMAIL_MARKETING' then 'Email Marketing'
    when 'SOCIAL_MEDIA' then 'Organic Social'
    when 'PAID_SOCIAL' then 'Paid Social'
    when 'REFERRALS' then 'Referrals'
    when 'OTHER_CAMPAIGNS' then 'Other Campaigns'
    when 'DIRECT_TRAFFIC' then 'Direct Traffic'
    when 'OFFLINE' then 'Offline Sources'
    else nullif(trim($arg), '')
end
