-- A deal stage of HubSpot's default Sales Pipeline as the CRM export labels it, from its internal id
-- ($arg, lower-cased: closedwon → Closed Won); a custom stage keeps its id. Used as
-- {{ hubspot_stage_label(x) }} by the connector tables' deal staging (Fivetran, Airbyte).
case $arg
    when 'appointmentscheduled' then 'Appointment Scheduled'
    when 'qualifiedtobuy' then 'Qualified To Buy'
    when 'presentationscheduled' then 'Presentation Scheduled'
    when 'decisionmakerboughtin' then 'Decision Maker Bought-In'
    when 'contractsent' then 'Contract Sent'
    when 'closedwon' then 'Closed Won'
    when 'closedlost' then 'Closed Lost'
    else $arg
end
