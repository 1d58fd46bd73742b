"""HubSpot engagements and Salesforce exports, end to end on hand-written files: events, the
person they belong to, the touchpoints they become, and what is rejected."""

from __future__ import annotations

from pathlib import Path

from builders import (
    CONTACT_HEADER,
    CONTACT_SF_HEADER,
    HISTORY_HEADER,
    LEAD_HEADER,
    OPPORTUNITY_HEADER,
    ROLE_HEADER,
    hubspot_contact,
    hubspot_engagement,
    sf_id,
    sf_lead,
    write_csv,
    write_hubspot_engagements,
    write_salesforce,
)
from conftest import rows

CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"

L1, L2, L3 = sf_id("00Q", 1), sf_id("00Q", 2), sf_id("00Q", 3)
C1, C2 = sf_id("003", 1), sf_id("003", 2)
A1, A2 = sf_id("001", 1), sf_id("001", 2)
O1, O2, O3, O9 = sf_id("006", 1), sf_id("006", 2), sf_id("006", 3), sf_id("006", 9)


def summary(con, table: str) -> dict[str, tuple[int, int, int, int]]:
    return {
        Path(f).name: (r, lo, rj, d)
        for f, r, lo, rj, d in rows(con, f"""
            SELECT source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate
            FROM quality.load_summary WHERE raw_table = '{table}'""")
    }


def person_of(con, identifier: str) -> str:
    return rows(con, f"SELECT person_id FROM core.identity_map WHERE identifier = '{identifier}'")[0][0]


# ---- HubSpot engagements -----------------------------------------------------------------------
def write_engagement_exports(root: Path) -> None:
    write_csv(root / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("5101", "anna@example.com", "2026-06-01 09:00", user_id="u_000001"),
        hubspot_contact("5102", "ben@example.com", "2026-06-01 10:00"),
    ])
    write_hubspot_engagements(root, "calls", [
        hubspot_engagement("701", "2026-06-02T10:00:00.000Z", ["5101"], hs_call_direction="OUTBOUND",
                           hs_call_disposition=CONNECTED, hs_call_duration="300000"),
        hubspot_engagement("702", "2026-06-02T11:00:00.000Z", ["5101"], hs_call_direction="OUTBOUND",
                           hs_call_disposition=NO_ANSWER, hs_call_duration="0"),
        # no outcome logged: a call that came in is still a conversation
        hubspot_engagement("703", "1780473600000", ["5102"], hs_call_direction="INBOUND"),
        hubspot_engagement("704", "2026-06-02T12:00:00.000Z", [], hs_call_direction="OUTBOUND"),
        hubspot_engagement("705", "2026-06-02T13:00:00.000Z", ["5101"], hs_call_duration="5 min"),
    ])
    write_hubspot_engagements(root, "meetings", [
        hubspot_engagement("801", "2026-06-05T10:00:00.000Z", ["5101", "5102"],
                           hs_meeting_outcome="COMPLETED",
                           hs_meeting_start_time="2026-06-05T10:00:00.000Z"),
        hubspot_engagement("802", "2026-06-06T10:00:00.000Z", ["5101"], hs_meeting_outcome="NO_SHOW",
                           hs_meeting_start_time="2026-06-06T10:00:00.000Z"),
        hubspot_engagement("803", "2026-06-07T10:00:00.000Z", ["5101"], archived=True,
                           hs_meeting_outcome="COMPLETED"),
    ])
    sent = hubspot_engagement("901", "2026-06-04T09:00:00.000Z", ["5101"],
                              hs_email_direction="EMAIL", hs_email_status="SENT")
    write_hubspot_engagements(root, "emails", [
        sent,
        sent,  # the same object twice (overlapping pages of the list endpoint)
        hubspot_engagement("902", "2026-06-04T15:00:00.000Z", ["5101"],
                           hs_email_direction="INCOMING_EMAIL"),
    ], name="emails_2026-06.json")
    # notes are internal memos, not contact with the customer: not read at all
    write_hubspot_engagements(root, "notes", [hubspot_engagement("990", "2026-06-04T15:00:00Z", ["5101"])])


def test_engagements_become_touchpoints_of_their_contacts(tmp_path: Path, build) -> None:
    write_engagement_exports(tmp_path / "input")
    # notes.json is not an export we read: the run stops on it unless ignore_inputs names it
    con = build(ignore_inputs=["hubspot/notes.json"])
    not_read = "SELECT source_file, outcome, note FROM quality.load_summary WHERE raw_table IS NULL"
    assert rows(con, not_read) == [
        ("hubspot/notes.json", "not read",
         "ignored (ignore_inputs: hubspot/notes.json): no hubspot reader takes this file name (closest: "
         "emails*.json); hubspot/ reads contacts*.csv, hubspot-crm-exports-*contacts*.csv, deals*.csv, "
         "hubspot-crm-exports-*deals*.csv, calls*.json, meetings*.json, emails*.json")]
    # calls: 5 read, 704 (no contact) and 705 (duration "5 min") rejected; meetings: 803 is
    # archived; emails: 901 twice, the copy is a duplicate
    assert summary(con, "raw.hubspot_engagements") == {
        "calls.json": (5, 3, 2, 0), "meetings.json": (3, 2, 1, 0),
        "emails_2026-06.json": (3, 2, 0, 1),
    }
    reasons = dict(rows(con, """SELECT row_number, reason FROM quality.rejected_rows
                                WHERE raw_table = 'raw.hubspot_engagements' ORDER BY source_file"""))
    texts = rows(con, """SELECT raw_text FROM quality.rejected_rows
                         WHERE raw_table = 'raw.hubspot_engagements'""")
    assert len(texts) == 3 and all('"hs_timestamp"' in t for (t,) in texts)
    assert reasons == {
        4: "no associated contact (associations.contacts.results is empty or missing)",
        5: "hs_call_duration is not a number of milliseconds: 5 min",
        3: "archived (deleted in HubSpot)",
    }
    events = rows(con, """
        SELECT source_record_id, crm_contact_id, event_name, origin, strftime(occurred_at, '%m-%d %H:%M')
        FROM staging.events WHERE source_table = 'raw.hubspot_engagements'
        ORDER BY occurred_at, crm_contact_id""")
    assert events == [
        ("701", "hubspot:5101", "call_outbound", "connected", "06-02 10:00"),
        ("702", "hubspot:5101", "call_not_reached", "no_answer", "06-02 11:00"),
        ("703", "hubspot:5102", "call_inbound", None, "06-03 08:00"),  # 1780473600000 ms
        ("901", "hubspot:5101", "sales_email_sent", "email", "06-04 09:00"),
        ("902", "hubspot:5101", "sales_email_received", "incoming_email", "06-04 15:00"),
        # one meeting with two contacts is a touchpoint of each
        ("801", "hubspot:5101", "meeting_held", "completed", "06-05 10:00"),
        ("801", "hubspot:5102", "meeting_held", "completed", "06-05 10:00"),
        ("802", "hubspot:5101", "meeting_no_show", "no_show", "06-06 10:00"),
    ]
    assert rows(con, """SELECT properties->>'call_duration_seconds' FROM staging.events
                        WHERE source_record_id = '701'""") == [("300.0",)]
    # the unreached call and the no-show are no contact with the customer: ignored by the taxonomy
    touchpoints = rows(con, """
        SELECT t.person_id, t.touchpoint, t.channel, t.phase
        FROM core.touchpoints AS t JOIN staging.events AS e USING (event_id)
        WHERE e.source_table = 'raw.hubspot_engagements'
        ORDER BY t.person_id, t.occurred_at, t.event_id""")
    anna, ben = person_of(con, "hubspot:5101"), person_of(con, "hubspot:5102")
    assert anna == person_of(con, "user:u_000001") and anna != ben
    assert [t for t in touchpoints if t[0] == anna] == [
        (anna, "sales_call", "phone", "consideration"),
        (anna, "sales_email", "email", "consideration"),
        (anna, "sales_email_reply", "email", "consideration"),
        (anna, "sales_meeting", "sales", "consideration"),
    ]
    assert [t for t in touchpoints if t[0] == ben] == [
        (ben, "inbound_sales_call", "phone", "consideration"),
        (ben, "sales_meeting", "sales", "consideration"),
    ]
    assert rows(con, "SELECT count(*) FROM marts.unmapped_events") == [(0,)]


# ---- Salesforce --------------------------------------------------------------------------------
def write_salesforce_exports(root: Path) -> None:
    # the person as the web shop and HubSpot know her
    write_csv(root / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("5101", "anna@example.com", "2026-06-01 09:00", user_id="u_000001")])
    write_salesforce(root, "Lead", LEAD_HEADER, [
        # converted on its creation day: ConvertedDate is a date (midnight, before CreatedDate)
        sf_lead(L1, "anna@example.com", "2026-06-03T09:15:00.000+0000", "2026-06-03", C1, O1),
        sf_lead(L2, " Carl@Example.com", "2026-06-10T08:00:00.000Z"),
        sf_lead(L3, "dora@example.com", "2026-06-11T08:00:00.000Z", "2026-06-12", "", ""),
    ])
    write_salesforce(root, "Contact", CONTACT_SF_HEADER, [
        # Anna's contact has a newer email than her lead had
        [C1, A1, "Anna", "Schmidt", "anna.new@example.com", "Web", "2026-06-03T15:00:00.000+0000"],
        # entered by hand, from no lead
        [C2, A2, "Dora", "Klein", "dora@example.com", "Trade Show", "2026-06-20T10:00:00.000+0000"],
    ])
    write_salesforce(root, "Opportunity", OPPORTUNITY_HEADER, [
        [O1, A1, "Rollout", "Closed Won", "25000", "2026-06-20", "true", "true", "Web",
         "2026-06-03T15:00:00.000+0000"],
        # open: its CloseDate is the expected close, next year
        [O2, A2, "Pilot", "Negotiation/Review", "1000", "2027-03-31", "false", "false",
         "Trade Show", "2026-06-20T10:05:00.000+0000"],
        [O3, A2, "No role", "Prospecting", "500", "2027-03-31", "false", "false", "Web",
         "2026-06-21T10:05:00.000+0000"],
    ])
    write_salesforce(root, "OpportunityContactRole", ROLE_HEADER, [
        # O1: the primary contact wins over an earlier, non-primary role
        [sf_id("00K", 1), O1, C2, "Technical Buyer", "false", "2026-06-03T14:00:00.000+0000"],
        [sf_id("00K", 2), O1, C1, "Decision Maker", "true", "2026-06-03T15:00:00.000+0000"],
        # O2: no primary (lead conversion leaves it unset): the earliest role
        [sf_id("00K", 3), O2, C2, "Decision Maker", "false", "2026-06-20T10:05:00.000+0000"],
    ])
    write_salesforce(root, "OpportunityHistory", HISTORY_HEADER, [
        [sf_id("008", 1), O1, "Prospecting", "20000", "2026-06-30", "2026-06-03T15:00:00.000+0000"],
        [sf_id("008", 2), O1, "Value Proposition", "20000", "2026-06-30", "2026-06-08T15:00:00.000+0000"],
        # amount changed, stage did not: no event
        [sf_id("008", 3), O1, "Value Proposition", "25000", "2026-06-30", "2026-06-09T15:00:00.000+0000"],
        [sf_id("008", 4), O1, "Closed Won", "25000", "2026-06-20", "2026-06-19T15:00:00.000+0000"],
        [sf_id("008", 5), O2, "Prospecting", "1000", "2027-03-31", "2026-06-20T10:05:00.000+0000"],
        [sf_id("008", 6), O2, "Negotiation/Review", "1000", "2027-03-31", "2026-06-25T10:00:00.000+0000"],
        [sf_id("008", 7), O9, "Prospecting", "1", "2027-03-31", "2026-06-25T10:00:00.000+0000"],
    ])


def test_salesforce_events_people_and_rejects(tmp_path: Path, build) -> None:
    write_salesforce_exports(tmp_path / "input")
    con = build()
    events = rows(con, """
        SELECT source_record_id, crm_contact_id, event_name, strftime(occurred_at, '%m-%d %H:%M'),
               value, currency
        FROM staging.events WHERE source = 'salesforce' ORDER BY occurred_at, event_name""")
    sf = "salesforce:"
    assert events == [
        # lead_converted: greatest(ConvertedDate 06-03 00:00, CreatedDate 06-03 09:15); a converted
        # lead is its contact (C1), so both of its events carry the contact id
        (L1, sf + C1, "lead_converted", "06-03 09:15", None, None),
        (L1, sf + C1, "lead_created", "06-03 09:15", None, None),
        (O1, sf + C1, "opportunity_created", "06-03 15:00", None, None),
        # history: 1 (creation stage) and 3 (amount only) are no stage change
        (sf_id("008", 2), sf + C1, "opportunity_stage_value_proposition", "06-08 15:00", None, None),
        (L2, sf + L2, "lead_created", "06-10 08:00", None, None),
        # won when it entered Closed Won (history row 4), not at CloseDate 06-20
        (O1, sf + C1, "opportunity_won", "06-19 15:00", 25000.0, "EUR"),
        # C1 was created by the conversion (no contact_created); C2 by hand
        (C2, sf + C2, "contact_created", "06-20 10:00", None, None),
        (O2, sf + C2, "opportunity_created", "06-20 10:05", None, None),
        (sf_id("008", 6), sf + C2, "opportunity_stage_negotiation_review", "06-25 10:00", None, None),
    ]
    rejected = sorted(rows(con, """SELECT raw_table, reason FROM quality.rejected_rows
                                   WHERE raw_table LIKE 'raw.salesforce%'"""))
    assert rejected == [
        ("raw.salesforce_leads", "IsConverted is true but ConvertedContactId is empty"),
        ("raw.salesforce_opportunities",
         "no contact: no OpportunityContactRole names this opportunity (and no ContactId column)"),
        ("raw.salesforce_opportunity_history",
         f"OpportunityId {O9} is not a usable row of the Opportunity export"),
    ]
    # the rejected lead's text is kept for the analyst, without its name and email
    (lead_text,) = rows(con, """SELECT raw_text FROM quality.rejected_rows
                                WHERE raw_table = 'raw.salesforce_leads'""")[0]
    assert L3 in lead_text and '"lastname":"[redacted]"' in lead_text and "[email]" in lead_text
    assert "Schmidt" not in lead_text and "dora@" not in lead_text
    # Anna: HubSpot contact + web login + lead (same email) + contact (new email) = one person
    anna = person_of(con, "hubspot:5101")
    assert person_of(con, sf + C1) == anna == person_of(con, "user:u_000001")
    kinds = rows(con, f"""SELECT identifier_kind, count(*) FROM core.identity_map
                          WHERE person_id = '{anna}' GROUP BY 1 ORDER BY 1""")
    assert kinds == [("email", 2), ("hubspot", 1), ("salesforce", 1), ("user", 1)]
    assert person_of(con, sf + L2) != anna and person_of(con, sf + C2) != anna
    journey = rows(con, f"""
        SELECT touchpoint, phase, is_conversion, value FROM core.touchpoints
        WHERE person_id = '{anna}' AND source = 'salesforce' ORDER BY occurred_at, event_id""")
    assert journey[2:] == [
        ("sales_opportunity", "consideration", False, None),
        ("sales_meeting", "consideration", False, None),
        ("deal_won", "acquisition", True, 25000.0),
    ]
    assert sorted(journey[:2]) == [("lead_qualified", "consideration", False, None),
                                   ("sales_lead_created", "consideration", False, None)]
    dora = person_of(con, sf + C2)
    assert rows(con, f"""SELECT touchpoint FROM core.touchpoints WHERE person_id = '{dora}'
                         ORDER BY occurred_at""") == [
        ("crm_contact_created",), ("sales_opportunity",), ("contract_sent",)]
    assert rows(con, "SELECT count(*) FROM marts.unmapped_events") == [(0,)]


def test_german_export_deleted_rows_and_a_later_snapshot(tmp_path: Path, build) -> None:
    root = tmp_path / "input"
    write_salesforce(root, "OpportunityContactRole", ROLE_HEADER, [
        [sf_id("00K", 1), O1, C1, "Decision Maker", "1", "03.06.2026 17:00"]])
    # Data Loader on a German PC: `;`, decimal comma, German dates (zone-less: UTC here)
    folder = root / "salesforce"
    (folder / "Opportunity.csv").write_text(
        ";".join(OPPORTUNITY_HEADER) + "\n"
        + f"{O1};{A1};Rollout;Proposal/Price Quote;25.000,50;30.06.2026;0;0;Web;03.06.2026 17:00\n",
        encoding="cp1252")
    # a week later the opportunity is lost; no OpportunityHistory export at all
    write_salesforce(root, "Opportunity_2026-07-01", OPPORTUNITY_HEADER, [
        [O1, A1, "Rollout", "Closed Lost", "25000.50", "2026-06-30", "true", "false", "Web",
         "2026-06-03T17:00:00.000+0000"]])
    # Data Loader's "Export All" also writes the recycle bin (IsDeleted true): not a contact
    write_salesforce(root, "Contact", [*CONTACT_SF_HEADER, "IsDeleted"], [
        [C1, A1, "Anna", "Schmidt", "anna@example.com", "Web", "03.06.2026 16:00", "false"],
        [C2, A1, "Old", "Entry", "old@example.com", "Web", "01.06.2026 16:00", "true"],
    ])
    con = build()
    assert rows(con, "SELECT raw_table, reason FROM quality.rejected_rows") == [
        ("raw.salesforce_contacts", "IsDeleted is true (deleted in Salesforce)")]
    assert rows(con, """SELECT regexp_extract(_source_file, '[^/]+$') AS file, amount, is_closed
                        FROM staging.salesforce_opportunities ORDER BY file""") == [
        ("Opportunity.csv", 25000.5, False), ("Opportunity_2026-07-01.csv", 25000.5, True)]
    # the latest export alone makes events: created once, lost at CloseDate (a date: midnight),
    # no stage events without the history export
    assert rows(con, """SELECT event_name, strftime(occurred_at, '%m-%d %H:%M'), crm_contact_id
                        FROM staging.events ORDER BY occurred_at""") == [
        ("contact_created", "06-03 16:00", "salesforce:" + C1),  # no lead became this contact
        ("opportunity_created", "06-03 17:00", "salesforce:" + C1),
        ("opportunity_lost", "06-30 00:00", "salesforce:" + C1),
    ]
    assert rows(con, "SELECT touchpoint, phase FROM core.touchpoints ORDER BY occurred_at") == [
        ("crm_contact_created", "consideration"), ("sales_opportunity", "consideration"),
        ("deal_lost", "churn")]


def test_a_record_deleted_in_a_later_snapshot_is_gone(tmp_path: Path, build) -> None:
    """Monday's export has the record, Tuesday's has it deleted: no events (Salesforce IsDeleted,
    HubSpot archived); a record deleted Monday and restored Tuesday is back."""
    root = tmp_path / "input"
    header = [*LEAD_HEADER, "IsDeleted"]
    write_salesforce(root, "Lead", header, [
        [*sf_lead(L1, "anna@example.com", "2026-06-01T10:00:00.000+0000"), "false"],
        [*sf_lead(L2, "ben@example.com", "2026-06-01T11:00:00.000+0000"), "true"],
    ])
    write_salesforce(root, "Lead_2026-06-09", header, [
        [*sf_lead(L1, "anna@example.com", "2026-06-01T10:00:00.000+0000"), "true"],
        [*sf_lead(L2, "ben@example.com", "2026-06-01T11:00:00.000+0000"), "false"],
    ])
    write_hubspot_engagements(root, "meetings", [
        hubspot_engagement("801", "2026-06-05T10:00:00.000Z", ["5101"], hs_meeting_outcome="COMPLETED"),
    ], name="meetings_2026-06-08.json")
    write_hubspot_engagements(root, "meetings", [
        hubspot_engagement("801", "2026-06-05T10:00:00.000Z", ["5101"], archived=True,
                           hs_meeting_outcome="COMPLETED"),
    ], name="meetings_2026-06-09.json")
    con = build()
    assert rows(con, "SELECT source, source_record_id, event_name FROM staging.events") == [
        ("salesforce", L2, "lead_created")]
    assert rows(con, "SELECT touchpoint FROM core.touchpoints") == [("sales_lead_created",)]
