"""Social lead forms: Meta (Facebook/Instagram) Lead Ads and LinkedIn Lead Gen Forms downloads, hand-made
files with the vendors' columns, every expected event worked out by hand in the comments
(T0 = 2026-06-01 09:00 UTC)."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from builders import CONTACT_HEADER, hubspot_contact, write_csv
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from journeyflow.sources.landing import readable_text
from test_incremental import assert_equals_full_rebuild

# The leads download's columns in Meta's order (Instant Forms > Download > CSV): the lead's and
# its ad's ids and names, then the form's questions keyed by their field names
META_LEADS_HEADER = [
    "id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id",
    "campaign_name", "form_id", "form_name", "is_organic", "platform", "email", "full_name",
    "phone_number",
]


def lead(lead_id: str, created: str, email: str, *, organic: str = "0", platform: str = "fb",
         campaign: str = "spring_leads", name: str = "Anna Schmidt",
         phone: str = "p:+4915112345678") -> list[str]:
    ad = ["", "", "", "", "", ""] if organic == "1" else [
        "ag:120200000001", "Carousel A", "as:120200000002", "DE 25-45", "c:120200000003", campaign]
    return [lead_id, created, *ad, "f:900001", "Demo request", organic, platform, email, name, phone]


def write_leads_tsv_utf16(path: Path, rows_: list[list[str]]) -> None:
    """As Meta's TSV download writes it: UTF-16 with a byte-order mark, tab-separated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(META_LEADS_HEADER), *("\t".join(r) for r in rows_)]
    path.write_bytes("\r\n".join(lines).encode("utf-16") + "\r\n".encode("utf-16-le"))


def write_leads_input(folder: Path) -> None:
    write_csv(folder / "meta_leads" / "Demo_request_leads_2026-06-05.csv", META_LEADS_HEADER, [
        # 1: Anna from a Facebook ad: 11:00 +02:00 = T0; a paid social lead form
        lead("l:5001", "2026-06-01T11:00:00+02:00", "Anna@Example.com"),
        # 2: Ben, organic on Instagram (no ad, no campaign): 2026-06-02 10:00 UTC; shared
        lead("l:5002", "2026-06-02T10:00:00+0000", "ben@example.com", organic="1", platform="ig",
             name="Ben Ober"),
        # 3-6: bad leads
        lead("l:5003", "2026-06-02T10:00:00+0000", ""),
        lead("l:5004", "yesterday", "carl@example.com"),
        lead("l:5005", "2026-06-02T10:00:00+0000", "carl@example.com", organic="maybe"),
        lead("l:5006", "2026-06-02T10:00:00+0000", "carl@example.com", platform="tiktok"),
    ])
    # the form's TSV download (UTF-16): Dora from an Instagram ad, 2026-06-03 12:00 -04:00 = 16:00 UTC
    write_leads_tsv_utf16(folder / "meta_leads" / "form_900001.tsv", [
        lead("l:5007", "2026-06-03T12:00:00-04:00", "dora@example.com", platform="ig",
             campaign="summer_reels", name="Dóra Ürge"),
    ])
    # Anna is a HubSpot contact: her lead stitches to the CRM by email
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("101", "anna@example.com", "2026-05-30T09:00:00Z"),
    ])


@pytest.fixture(scope="module")
def leads_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    base = tmp_path_factory.mktemp("leads")
    write_leads_input(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_one_event_per_lead_with_form_ad_campaign_and_platform(leads_built):
    events = rows(leads_built, """
        SELECT source_record_id, event_name, strftime(occurred_at, '%Y-%m-%d %H:%M'), utm_source,
               utm_medium, utm_campaign, origin, json_extract_string(properties, '$.form_name'),
               json_extract_string(properties, '$.ad_name')
        FROM staging.events WHERE source = 'meta_leads' ORDER BY occurred_at
    """)
    assert events == [
        # Anna: Facebook ad of spring_leads, 11:00 +02:00 = 09:00 UTC
        ("l:5001", "lead_form_submitted", "2026-06-01 09:00", "facebook", "paid_social",
         "spring_leads", "fb", "Demo request", "Carousel A"),
        # Ben: organic on Instagram, no campaign, no ad
        ("l:5002", "lead_form_submitted", "2026-06-02 10:00", "instagram", "social", None, "ig",
         "Demo request", None),
        # Dora, from the UTF-16 TSV: 12:00 -04:00 = 16:00 UTC
        ("l:5007", "lead_form_submitted", "2026-06-03 16:00", "instagram", "paid_social",
         "summer_reels", "ig", "Demo request", "Carousel A"),
    ]


def test_leads_are_paid_or_shared_social_and_stitch_by_email(leads_built):
    touchpoints = rows(leads_built, """
        SELECT t.touchpoint, t.channel, t.category, t.phase, t.is_conversion, m.has_contact
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'hubspot') AS has_contact
              FROM core.touchpoints GROUP BY person_id) AS m ON m.person_id = t.person_id
        WHERE t.source = 'meta_leads' ORDER BY t.occurred_at
    """)
    assert touchpoints == [
        # Anna's lead is on the person of her HubSpot contact (same email, other case)
        ("paid_social_lead_form", "social", "paid", "consideration", False, True),
        ("social_lead_form", "social", "shared", "consideration", False, False),
        ("paid_social_lead_form", "social", "paid", "consideration", False, False),
    ]


def test_names_and_phone_numbers_do_not_leave_raw(leads_built):
    staged = [c[0] for c in rows(leads_built, "DESCRIBE staging.meta_leads")]
    assert not {"full_name", "phone_number", "email", "email_text"} & set(staged)
    leaked = rows(leads_built, """
        SELECT count(*) FROM staging.events
        WHERE source = 'meta_leads' AND (properties LIKE '%Schmidt%' OR properties LIKE '%4915112345678%'
              OR properties LIKE '%@%')
    """)
    assert leaked == [(0,)]


def test_utf16_download_is_read_through_a_utf8_copy(tmp_path):
    path = tmp_path / "form.tsv"
    write_leads_tsv_utf16(path, [lead("l:1", "2026-06-03T12:00:00-04:00", "d@example.com",
                                      name="Dóra Ürge")])
    with readable_text(path, tmp_path) as text:
        # the byte scan reads the decoded text: no NUL taken for a control byte, CRLF lines plain
        assert (text.encoding, text.control_bytes, text.plain_lines, text.undecodable) == (
            "utf-16", False, True, 0)
        copied = text.path.read_text(encoding="utf-8")
    assert copied.startswith("id\tcreated_time\t") and "Dóra Ürge" in copied


def test_bad_leads_land_in_quarantine_with_a_reason(leads_built):
    assert rows(leads_built, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.meta_leads' ORDER BY row_number
    """) == [
        (3, "missing email (a lead of no known person: nobody to attach it to)"),
        (4, "created_time is not a timestamp: yesterday"),
        (5, "is_organic is neither 1 nor 0: maybe"),
        (6, "platform is not one Meta writes (fb, ig): tiktok"),
    ]
    # read = loaded + rejected: 6 + 1 rows in two files, 4 rejected
    assert rows(leads_built, """
        SELECT sum(rows_read), sum(rows_loaded), sum(rows_rejected) FROM quality.load_summary
        WHERE raw_table = 'raw.meta_leads'
    """) == [(7, 3, 4)]


def test_incremental_runs_with_lead_downloads_equal_a_full_rebuild(tmp_path):
    """A later download repeats Anna's lead (Download by Date Range overlaps Download New Leads)
    and adds one: the lead is one event, from its latest download."""
    folder = tmp_path / "input"
    write_leads_input(folder)
    write_csv(folder / "linkedin_leads" / "leads_1.csv", LINKEDIN_LEADS_HEADER, [
        li_lead("li-1", "anna@example.com", "2026-06-01T09:00:00Z"),
        li_lead("li-2", "ben@example.com", "2026-06-02T09:00:00Z")])
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    # LinkedIn: a later download repeats li-1 under another campaign and adds li-7
    write_csv(folder / "linkedin_leads" / "leads_2.csv", LINKEDIN_LEADS_HEADER, [
        li_lead("li-1", "anna@example.com", "2026-06-01T09:00:00Z", campaign="webinar_q3"),
        li_lead("li-7", "erik@example.com", "2026-06-04T09:00:00Z")])
    write_csv(folder / "meta_leads" / "Demo_request_leads_2026-06-06.csv", META_LEADS_HEADER, [
        lead("l:5001", "2026-06-01T11:00:00+02:00", "anna@example.com", campaign="spring_leads_v2"),
        lead("l:5008", "2026-06-04T08:00:00+00:00", "erik@example.com"),
    ])
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    try:
        # l:5001 once, with the later file's campaign; l:5002, l:5007 and the new l:5008: 4 leads
        assert rows(con, "SELECT count(*), count(*) FILTER (WHERE utm_campaign = 'spring_leads_v2') "
                         "FROM staging.events WHERE source = 'meta_leads'") == [(4, 1)]
        # LinkedIn: li-1 (webinar_q3, the later file), li-2, li-7
        assert rows(con, "SELECT source_record_id, utm_campaign FROM staging.events "
                         "WHERE source = 'linkedin_leads' ORDER BY 1") == [
            ("li-1", "webinar_q3"), ("li-2", "webinar_q2"), ("li-7", "webinar_q2")]
    finally:
        con.close()


# ---- LinkedIn Lead Gen Forms ---------------------------------------------------------------------
# The column names commonly seen in Campaign Manager's leads download; LinkedIn's docs do not list
# them (docs/sources.md), so the reader also takes the alternatives the second file uses
LINKEDIN_LEADS_HEADER = [
    "Lead ID", "First Name", "Last Name", "Email Address", "Company Name", "Job Title",
    "Campaign Name", "Campaign ID", "Form Name", "Form ID", "Lead Type", "Lead Submitted At",
]


def li_lead(lead_id: str, email: str, submitted: str, *, campaign: str = "webinar_q2",
            lead_type: str = "SPONSORED") -> list[str]:
    return [lead_id, "Anna", "Schmidt", email, "Acme GmbH", "CTO", campaign, "cm-77",
            "Webinar sign-up", "lf-5", lead_type, submitted]


def test_linkedin_leads_make_social_lead_form_touchpoints(build, tmp_path):
    folder = tmp_path / "input"
    write_csv(folder / "linkedin_leads" / "leads_webinar.csv", LINKEDIN_LEADS_HEADER, [
        # 1: Anna, sponsored: 2026-06-01 09:00 UTC; stitches to her HubSpot contact
        li_lead("li-1", "ANNA@example.com", "2026-06-01T09:00:00Z"),
        # 2: Ben from a LinkedIn event page (organic): 06-02 10:30 UTC, no campaign needed
        li_lead("li-2", "ben@example.com", "2026-06-02 10:30:00+00:00", campaign="", lead_type="EVENT"),
        # 3-6: bad leads
        li_lead("li-3", "", "2026-06-02T10:00:00Z"),
        li_lead("li-4", "carl@example.com", "31.02.2026 10:00"),
        li_lead("li-5", "carl@example.com", "2026-06-02T10:00:00Z", lead_type="NEWSLETTER"),
        li_lead("li-6", "carl@example.com", "2026-06-02T10:00:00Z", campaign=""),
    ])
    # a download with the other column names and no Lead ID: Dora, sponsored, 06-03 08:00 UTC
    write_csv(folder / "linkedin_leads" / "leads_demo.csv",
              ["First Name", "Last Name", "Email", "Campaign Name", "Form Name", "Submitted At"],
              [["Dora", "Berg", "dora@example.com", "demo_q2", "Demo", "2026-06-03T08:00:00Z"]])
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("101", "anna@example.com", "2026-05-30T09:00:00Z"),
    ])
    con = build()
    assert rows(con, """
        SELECT strftime(t.occurred_at, '%Y-%m-%d %H:%M'), t.touchpoint, t.category, t.phase,
               e.utm_source, e.utm_medium, e.utm_campaign, e.origin,
               bool_or(o.source = 'hubspot') AS has_contact
        FROM core.touchpoints AS t
        JOIN staging.events AS e ON e.source = t.source AND e.occurred_at = t.occurred_at
        JOIN core.touchpoints AS o ON o.person_id = t.person_id
        WHERE t.source = 'linkedin_leads'
        GROUP BY ALL ORDER BY 1
    """) == [
        ("2026-06-01 09:00", "paid_social_lead_form", "paid", "consideration", "linkedin",
         "paid_social", "webinar_q2", "sponsored", True),
        ("2026-06-02 10:30", "social_lead_form", "shared", "consideration", "linkedin", "social",
         None, "event", False),
        ("2026-06-03 08:00", "paid_social_lead_form", "paid", "consideration", "linkedin",
         "paid_social", "demo_q2", "sponsored", False),
    ]
    assert rows(con, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.linkedin_leads' ORDER BY source_file, row_number
    """) == [
        (3, "missing Email Address (a lead of no known person: nobody to attach it to)"),
        (4, "Lead Submitted At is not a timestamp: 31.02.2026 10:00"),
        (5, "Lead Type is not one LinkedIn names (SPONSORED, EVENT, COMPANY, ORGANIZATION_PRODUCT): "
            "NEWSLETTER"),
        (6, "missing Campaign Name (a sponsored lead comes from a campaign)"),
    ]
    staged = {c[0] for c in rows(con, "DESCRIBE staging.linkedin_leads")}
    assert not {"first_name", "last_name", "company_name", "job_title", "email_address"} & staged
