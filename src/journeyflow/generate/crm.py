"""Sample exports of the sales CRMs: HubSpot engagements and Salesforce (see docs/sources.md).

Called once by ``generate.generate`` after its HubSpot contacts and deals exist, with its own RNG
stream, so every file ``generate`` wrote before stays byte-identical for the same seed.

Story: HubSpot is the marketing and inside-sales CRM; its sales reps email, call and meet the
contacts that have a deal, around the deal's stage dates (and call a few marketing-qualified
contacts without one). Salesforce is the enterprise sales team's CRM: qualified HubSpot contacts
without a HubSpot deal and without a web purchase are synced to Salesforce as Leads (same email),
and most are converted into a Contact, an Account and an Opportunity whose stage changes are in
OpportunityHistory. So a person's purchase is either a HubSpot deal, a web purchase or a Salesforce
opportunity, never two of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from journeyflow.generate.core import (
    _COMPANY_SUFFIX,
    _FIRST,
    _LAST,
    DAY_US,
    HOUR_US,
    MINUTE_US,
    _email,
    _fmt,
    _lognormal,
    _sequential_ids,
)

__all__ = ["CRM_DEFECTS", "CRM_DEFECT_ROWS", "write_crm"]

CRM_DEFECTS: dict[str, str] = {
    "hubspot_call_without_contact": "HubSpot calls: one call with no associated contact",
    "hubspot_meeting_in_2099": "HubSpot meetings: one meeting whose hs_timestamp is in 2099",
    "hubspot_email_duplicate": "HubSpot emails: one email object repeated right after itself",
    "salesforce_lead_converted_without_contact":
        "Salesforce Lead: one lead with IsConverted true and no ConvertedContactId",
    "salesforce_lead_bad_created_date": "Salesforce Lead: one lead with CreatedDate 31.02.2026 10:00",
    "salesforce_contact_duplicate": "Salesforce Contact: one row repeated right after itself",
    "salesforce_contact_created_2099": "Salesforce Contact: one contact created in 2099",
    "salesforce_opportunity_amount_na": "Salesforce Opportunity: one row with Amount n/a",
    "salesforce_opportunity_without_contact_role":
        "Salesforce Opportunity: one opportunity no OpportunityContactRole names",
    "salesforce_history_unknown_opportunity":
        "Salesforce OpportunityHistory: one row of an opportunity not in the Opportunity export",
    "salesforce_history_missing_created_date":
        "Salesforce OpportunityHistory: one row with an empty CreatedDate",
    "salesforce_role_missing_contact": "Salesforce OpportunityContactRole: one row without ContactId",
    "salesforce_role_duplicate": "Salesforce OpportunityContactRole: one row repeated after itself",
}
"""Injected CRM defects; every one is exactly one extra record."""

CRM_DEFECT_ROWS: dict[str, int] = {
    "hubspot_engagements": 3,
    "salesforce_leads": 2,
    "salesforce_contacts": 2,
    "salesforce_opportunities": 2,
    "salesforce_opportunity_history": 2,
    "salesforce_opportunity_contact_roles": 2,
}
"""Extra (defective) records per file kind that ``write_crm`` adds with ``defects=True``."""

HUBSPOT_API_FMT = "%Y-%m-%dT%H:%M:%S%.3fZ"
SALESFORCE_FMT = "%Y-%m-%dT%H:%M:%S%.3f+0000"
DATE_FMT = "%Y-%m-%d"

# HubSpot's default call outcome GUIDs (hs_call_disposition)
CALL_CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
CALL_NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"
CALL_VOICEMAIL = "b2cf5968-551e-4856-9783-52b3da59a7d0"
_CALL_OUTCOMES = (CALL_CONNECTED, CALL_NO_ANSWER, CALL_VOICEMAIL)
_MEETING_OUTCOMES = ("COMPLETED", "NO_SHOW", "RESCHEDULED")
_CALL_TITLES = ("Intro call", "Follow-up call", "Pricing questions", "Check-in")
_MEETING_TITLES = ("Product demo", "Solution presentation", "Site visit", "Kick-off")
_EMAIL_SUBJECTS = ("Your quote", "Following up on our call", "Next steps", "Re: Offer")

# Salesforce standard sales process; the path every opportunity walks (up to where it stops)
_SF_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
              "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost")
SF_WON, SF_LOST = 6, 7
_LEAD_SOURCES = ("Web", "Partner Referral", "Trade Show", "Phone Inquiry")
_LEAD_OPEN_STATUS = ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")
_ROLES = ("Decision Maker", "Economic Buyer", "Technical Buyer")


def sf_id_suffix(head: str) -> str:
    """The 3-character case checksum Salesforce appends to a 15-character id.

    Our ids are ``head`` (5 characters) + 10 digits, so only the first chunk has letters.
    """
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    bits = sum(1 << i for i, ch in enumerate(head) if "A" <= ch <= "Z")
    return alphabet[bits] + "AA"


def _sf_ids(head: str, numbers: pl.Expr) -> pl.Expr:
    """18-character ids: key prefix + pod (``head``), a 10-digit number, the checksum."""
    return pl.concat_str(pl.lit(head), numbers.cast(pl.String).str.zfill(10),
                         pl.lit(sf_id_suffix(head)))


def write_crm(out_dir: Path, people: pl.DataFrame, deals: pl.DataFrame, seed: int, end_us: int,
              defects: bool = True) -> dict[str, int]:
    """Write hubspot/{calls,meetings,emails}.json and salesforce/*.csv; rows per file kind."""
    rng = np.random.default_rng([seed, 2 << 40, 2])
    hubspot, salesforce = out_dir / "hubspot", out_dir / "salesforce"
    hubspot.mkdir(parents=True, exist_ok=True)
    salesforce.mkdir(parents=True, exist_ok=True)
    counts = _write_engagements(rng, people, deals, hubspot, end_us, defects)
    counts.update(_write_salesforce(rng, people, deals, salesforce, end_us, defects))
    return counts


# --------------------------------------------------------------------------------------------
# HubSpot engagements
# --------------------------------------------------------------------------------------------
def _write_engagements(rng: np.random.Generator, people: pl.DataFrame, deals: pl.DataFrame,
                       out: Path, end_us: int, defects: bool) -> dict[str, int]:
    """calls.json, meetings.json, emails.json: CRM v3 list responses with contact associations."""
    limit = end_us - HOUR_US
    d = deals.join(people.select("pid", "record_id"), on="pid", how="inner", maintain_order="left")
    n = d.height
    e0, e2 = d["e0"].to_numpy(), d["e2"].to_numpy()
    contact = d["record_id"].to_numpy()

    def hours(lo: float, hi: float, size: int) -> np.ndarray:
        return np.round(rng.uniform(lo, hi, size) * HOUR_US).astype(np.int64)

    # emails: the rep writes after the deal is created; half of the contacts answer
    sent = e0 + hours(1, 24, n)
    reply = np.where(rng.random(n) < 0.5, sent + hours(2, 48, n), -1)
    # calls: one around the deal start, plus a call to some qualified contacts without a deal
    call_t = e0 + hours(24, 72, n)
    u = rng.random(n)
    call_outcome = np.where(u < 0.65, 0, np.where(u < 0.85, 1, 2))
    inbound = (call_outcome == 0) & (rng.random(n) < 0.15)
    nodeal = people.filter((pl.col("mql") >= 0) & ~pl.col("pid").is_in(deals["pid"].implode()))
    m = nodeal.height
    extra_call = np.where(rng.random(m) < 0.35, nodeal["mql"].to_numpy() + hours(1, 72, m), -1)
    extra_outcome = np.where(rng.random(m) < 0.5, 0, 1)
    # meetings: the presentation stage, else sometimes a demo a few days into the deal
    has_pres = e2 >= 0
    meet_t = np.where(has_pres, e2 + hours(2, 24, n),
                      np.where(rng.random(n) < 0.4, e0 + hours(48, 144, n), -1))
    u = rng.random(n)
    meet_outcome = np.where(u < 0.85, 0, np.where(u < 0.95, 1, 2))

    calls = pl.DataFrame({
        "t": np.concatenate([call_t, extra_call]),
        "contact": np.concatenate([contact, nodeal["record_id"].to_numpy()]),
        "outcome": np.concatenate([call_outcome, extra_outcome]),
        "inbound": np.concatenate([inbound, np.zeros(m, bool)]),
    }).filter((pl.col("t") >= 0) & (pl.col("t") < limit))
    calls = calls.with_columns(
        pl.Series("duration_s", np.round(np.clip(
            _lognormal(rng, 360.0, 0.7, calls.height), 60, 3600)).astype(np.int64)),
        pl.Series("title", rng.integers(len(_CALL_TITLES), size=calls.height)),
    )
    meetings = pl.DataFrame({"t": meet_t, "contact": contact, "outcome": meet_outcome}).filter(
        (pl.col("t") >= 0) & (pl.col("t") < limit))
    meetings = meetings.with_columns(
        pl.Series("minutes", rng.choice([30, 45, 60], size=meetings.height)),
        pl.Series("title", rng.integers(len(_MEETING_TITLES), size=meetings.height)),
    )
    emails = pl.DataFrame({
        "t": np.concatenate([sent, reply]),
        "contact": np.concatenate([contact, contact]),
        "incoming": np.concatenate([np.zeros(n, bool), np.ones(n, bool)]),
        "subject": rng.integers(len(_EMAIL_SUBJECTS), size=2 * n),
    }).filter((pl.col("t") >= 0) & (pl.col("t") < limit))

    call_rows = _engagement_rows(rng, calls.sort("t", "contact"), 40_210_000_001, "call", {
        "hs_call_title": pl.lit(pl.Series(_CALL_TITLES)).gather(pl.col("title")),
        "hs_call_direction": pl.when(pl.col("inbound")).then(pl.lit("INBOUND"))
        .otherwise(pl.lit("OUTBOUND")),
        "hs_call_disposition": pl.lit(pl.Series(_CALL_OUTCOMES)).gather(pl.col("outcome")),
        "hs_call_status": pl.lit("COMPLETED"),
        "hs_call_duration": pl.when(pl.col("outcome") == 0)
        .then((pl.col("duration_s") * 1000).cast(pl.String)).otherwise(pl.lit("0")),
    })
    meeting_rows = _engagement_rows(rng, meetings.sort("t", "contact"), 40_310_000_001, "meeting", {
        "hs_meeting_title": pl.lit(pl.Series(_MEETING_TITLES)).gather(pl.col("title")),
        "hs_meeting_start_time": pl.from_epoch("t", time_unit="us").dt.strftime(HUBSPOT_API_FMT),
        "hs_meeting_end_time": (pl.from_epoch("t", time_unit="us")
                                + pl.duration(minutes=pl.col("minutes")))
        .dt.strftime(HUBSPOT_API_FMT),
        "hs_meeting_outcome": pl.lit(pl.Series(_MEETING_OUTCOMES)).gather(pl.col("outcome")),
    })
    email_rows = _engagement_rows(rng, emails.sort("t", "contact"), 40_410_000_001, "email", {
        "hs_email_subject": pl.lit(pl.Series(_EMAIL_SUBJECTS)).gather(pl.col("subject")),
        "hs_email_direction": pl.when(pl.col("incoming")).then(pl.lit("INCOMING_EMAIL"))
        .otherwise(pl.lit("EMAIL")),
        "hs_email_status": pl.lit("SENT"),
    })
    if defects:
        call_rows = _with_extra(call_rows, call_rows.height // 2, lambda r: r.with_columns(
            pl.lit(str(40_219_999_001)).alias("id"),
            pl.lit(None).cast(r.schema["associations"]).alias("associations")))
        meeting_rows = _with_extra(meeting_rows, meeting_rows.height // 3, lambda r: r.with_columns(
            pl.lit(str(40_319_999_001)).alias("id"),
            pl.col("properties").struct.with_fields(
                pl.lit("2099-03-01T10:00:00.000Z").alias("hs_timestamp"),
                pl.lit("2099-03-01T10:00:00.000Z").alias("hs_meeting_start_time"))))
        email_rows = _with_extra(email_rows, email_rows.height // 4, lambda r: r)
    for name, rows in (("calls", call_rows), ("meetings", meeting_rows), ("emails", email_rows)):
        (out / f"{name}.json").write_text(
            '{"results": ' + rows.write_json() + ', "paging": null}\n', encoding="utf-8")
    return {"hubspot_engagements": call_rows.height + meeting_rows.height + email_rows.height}


def _engagement_rows(rng: np.random.Generator, df: pl.DataFrame, first_id: int, kind: str,
                     properties: dict[str, pl.Expr]) -> pl.DataFrame:
    """One CRM v3 object per row: id, properties (strings), timestamps, contact associations."""
    ids = _sequential_ids(rng, df.height, first_id, 40)
    ts = pl.from_epoch("t", time_unit="us").dt.strftime(HUBSPOT_API_FMT)
    return df.with_columns(pl.Series("eid", ids)).select(
        pl.col("eid").cast(pl.String).alias("id"),
        pl.struct(
            ts.alias("hs_timestamp"),
            pl.col("eid").cast(pl.String).alias("hs_object_id"),
            *[expr.alias(key) for key, expr in properties.items()],
            ts.alias("hs_createdate"),
        ).alias("properties"),
        ts.alias("createdAt"),
        ts.alias("updatedAt"),
        pl.lit(False).alias("archived"),
        pl.struct(pl.struct(pl.concat_list(pl.struct(
            pl.col("contact").cast(pl.String).alias("id"),
            pl.lit(f"{kind}_to_contact").alias("type"))).alias("results")).alias("contacts"))
        .alias("associations"),
    )


def _with_extra(rows: pl.DataFrame, at: int, change: object) -> pl.DataFrame:
    """Insert one changed copy of row ``at`` right after it (a defect record)."""
    if rows.height == 0:
        return rows
    extra = change(rows.slice(at, 1))  # type: ignore[operator]
    return pl.concat([rows.slice(0, at + 1), extra.select(rows.columns), rows.slice(at + 1)])


# --------------------------------------------------------------------------------------------
# Salesforce
# --------------------------------------------------------------------------------------------
def _write_salesforce(rng: np.random.Generator, people: pl.DataFrame, deals: pl.DataFrame,
                      out: Path, end_us: int, defects: bool) -> dict[str, int]:
    """Lead, Contact, Opportunity, OpportunityHistory, OpportunityContactRole as Data Export CSVs."""
    limit = end_us - HOUR_US
    # HubSpot leads without a HubSpot deal: those who never bought, and some web-shop customers
    # whom the enterprise team approaches for a company-wide contract after their purchase
    pool = people.filter((pl.col("lead") >= 0) & ~pl.col("pid").is_in(deals["pid"].implode()))
    leads = pool.filter(
        (pl.col("customer") < 0) | pl.Series(rng.random(pool.height) < 0.3)
    ).with_columns(
        # synced to Salesforce a week after a purchase, else when marketing qualified them (or
        # two days after they became a lead)
        pl.when(pl.col("customer") >= 0).then(pl.col("customer") + 7 * DAY_US)
        .when(pl.col("mql") >= 0).then(pl.col("mql"))
        .otherwise(pl.col("lead") + 2 * DAY_US).alias("synced")
    ).sort("synced", "pid")
    n = leads.height
    created = (leads["synced"].to_numpy()
               + np.round(rng.uniform(5, 60, n) * MINUTE_US).astype(np.int64))
    converted = np.where(rng.random(n) < 0.7,
                         created + np.round(rng.uniform(1, 8, n) * DAY_US).astype(np.int64), -1)
    converted = np.where((created < limit) & (converted < limit), converted, -1)
    keep = created < limit
    leads = leads.with_columns(
        pl.Series("created", created), pl.Series("converted", converted),
        pl.Series("source", rng.choice(len(_LEAD_SOURCES), size=n, p=[0.6, 0.15, 0.15, 0.1])),
        pl.Series("open_status", rng.integers(len(_LEAD_OPEN_STATUS), size=n)),
        pl.Series("suffix", rng.integers(len(_COMPANY_SUFFIX), size=n)),
        pl.int_range(1, n + 1).alias("num"),
    ).filter(pl.Series(keep))

    # opportunities of the converted leads: walk the stages until won, lost or still open
    opps = leads.filter(pl.col("converted") >= 0)
    k = opps.height
    start = opps["converted"].to_numpy()
    gaps = np.round(np.clip(_lognormal(rng, 5.0, 0.6, (k, 6)), 1, 20) * DAY_US).astype(np.int64)
    gaps[:, 0] = 0
    stage_t = start[:, None] + np.cumsum(gaps, axis=1)
    u = rng.random(k)
    outcome = np.where(u < 0.5, SF_WON, np.where(u < 0.85, SF_LOST, -1))
    last = np.where(outcome == SF_WON, 5, rng.integers(1, 6, size=k))  # last open stage reached
    close_t = stage_t[np.arange(k), last] + np.round(rng.uniform(1, 6, k) * DAY_US).astype(np.int64)
    reached = (np.arange(6)[None, :] <= last[:, None]) & (stage_t < limit)
    closed = (outcome >= 0) & (close_t < limit)
    final = np.where(closed, outcome, np.where(reached, np.arange(6)[None, :], 0).max(axis=1))
    amount = np.round(_lognormal(rng, 40_000.0, 0.6, k) / 100).astype(np.int64) * 100
    opps = opps.with_columns(
        pl.Series("stage", final), pl.Series("closed", closed),
        pl.Series("close_t", np.where(closed, close_t,
                                      np.maximum(stage_t[np.arange(k), last], start) + 30 * DAY_US)),
        pl.Series("amount", amount),
        pl.Series("primary", rng.random(k) < 0.7),
        pl.Series("role", rng.integers(len(_ROLES), size=k)),
        pl.int_range(1, k + 1).alias("onum"),
    )
    # history: one row per stage reached, the close, and some amount-only changes
    rows_i, rows_s = np.nonzero(reached)
    hist = pl.DataFrame({"o": rows_i, "stage": rows_s, "t": stage_t[rows_i, rows_s],
                         "amount": amount[rows_i]})
    ci = np.flatnonzero(closed)
    hist = pl.concat([hist, pl.DataFrame({"o": ci, "stage": outcome[ci], "t": close_t[ci],
                                          "amount": amount[ci]})])
    bump = np.flatnonzero(reached[:, 1] & (rng.random(k) < 0.4))  # re-quoted in Qualification
    hist = pl.concat([hist, pl.DataFrame({
        "o": bump, "stage": np.ones(len(bump), np.int64),
        "t": stage_t[bump, 1] + np.round(rng.uniform(0.2, 0.8, len(bump)) * gaps[bump, 2]
                                         ).astype(np.int64),
        "amount": np.round(amount[bump] * 0.9 / 100).astype(np.int64) * 100})])
    hist = hist.filter(pl.col("t") < limit).sort("t", "o", "stage").with_columns(
        pl.int_range(1, pl.len() + 1).alias("hnum"))
    hist = hist.join(opps.select(pl.int_range(0, pl.len()).alias("o"), "onum", "close_t"),
                     on="o", how="left", maintain_order="left")

    lead_id = _sf_ids("00Q7Q", pl.col("num"))
    contact_id = _sf_ids("0037Q", pl.col("num"))
    account_id = _sf_ids("0017Q", pl.col("num"))
    opp_id = _sf_ids("0067Q", pl.col("onum"))
    first = pl.lit(pl.Series(list(_FIRST))).gather(pl.col("first"))
    last_name = pl.lit(pl.Series(list(_LAST))).gather(pl.col("last"))
    company = pl.concat_str(last_name, pl.lit(" "),
                            pl.lit(pl.Series(list(_COMPANY_SUFFIX))).gather(pl.col("suffix")))
    is_conv = pl.col("converted") >= 0
    lead_rows = leads.with_columns(pl.lit(0).alias("v")).select(
        lead_id.alias("Id"), first.alias("FirstName"), last_name.alias("LastName"),
        _email("v").alias("Email"), company.alias("Company"),
        pl.lit(pl.Series(_LEAD_SOURCES)).gather(pl.col("source")).alias("LeadSource"),
        pl.when(is_conv).then(pl.lit("Closed - Converted"))
        .otherwise(pl.lit(pl.Series(_LEAD_OPEN_STATUS)).gather(pl.col("open_status")))
        .alias("Status"),
        _fmt("created", SALESFORCE_FMT).alias("CreatedDate"),
        pl.when(is_conv).then(pl.lit("true")).otherwise(pl.lit("false")).alias("IsConverted"),
        _fmt("converted", DATE_FMT).alias("ConvertedDate"),
        pl.when(is_conv).then(contact_id).alias("ConvertedContactId"),
        pl.when(is_conv).then(account_id).alias("ConvertedAccountId"),
        pl.when(is_conv).then(_sf_ids("0067Q", pl.col("num"))).alias("ConvertedOpportunityId"),
    )
    # the opportunity id a lead converted into is its position among converted leads
    lead_rows = lead_rows.with_columns(pl.when(pl.col("IsConverted") == "true").then(
        _sf_ids("0067Q", (pl.col("IsConverted") == "true").cum_sum()))
        .alias("ConvertedOpportunityId"))
    contact_rows = opps.with_columns(pl.lit(0).alias("v")).select(
        contact_id.alias("Id"), account_id.alias("AccountId"), first.alias("FirstName"),
        last_name.alias("LastName"), _email("v").alias("Email"),
        pl.lit(pl.Series(_LEAD_SOURCES)).gather(pl.col("source")).alias("LeadSource"),
        _fmt("converted", SALESFORCE_FMT).alias("CreatedDate"),
    )
    closed_c = pl.col("closed")
    opp_rows = opps.select(
        opp_id.alias("Id"), account_id.alias("AccountId"),
        pl.concat_str(company, pl.lit(" - Enterprise rollout")).alias("Name"),
        pl.lit(pl.Series(_SF_STAGES)).gather(pl.col("stage")).alias("StageName"),
        pl.col("amount").cast(pl.String).alias("Amount"),
        pl.lit("EUR").alias("CurrencyIsoCode"),
        _fmt("close_t", DATE_FMT).alias("CloseDate"),
        pl.when(closed_c).then(pl.lit("true")).otherwise(pl.lit("false")).alias("IsClosed"),
        pl.when(closed_c & (pl.col("stage") == SF_WON)).then(pl.lit("true"))
        .otherwise(pl.lit("false")).alias("IsWon"),
        pl.lit(pl.Series(_LEAD_SOURCES)).gather(pl.col("source")).alias("LeadSource"),
        _fmt("converted", SALESFORCE_FMT).alias("CreatedDate"),
    )
    history_rows = hist.select(
        _sf_ids("0087Q", pl.col("hnum")).alias("Id"), opp_id.alias("OpportunityId"),
        pl.lit(pl.Series(_SF_STAGES)).gather(pl.col("stage")).alias("StageName"),
        pl.col("amount").cast(pl.String).alias("Amount"),
        _fmt("close_t", DATE_FMT).alias("CloseDate"),
        _fmt("t", SALESFORCE_FMT).alias("CreatedDate"),
    )
    role_rows = opps.select(
        _sf_ids("00K7Q", pl.col("onum")).alias("Id"), opp_id.alias("OpportunityId"),
        contact_id.alias("ContactId"),
        pl.lit(pl.Series(_ROLES)).gather(pl.col("role")).alias("Role"),
        pl.when(pl.col("primary")).then(pl.lit("true")).otherwise(pl.lit("false"))
        .alias("IsPrimary"),
        _fmt("converted", SALESFORCE_FMT).alias("CreatedDate"),
    )
    if defects:
        lead_rows, contact_rows, opp_rows, history_rows, role_rows = _salesforce_defects(
            lead_rows, contact_rows, opp_rows, history_rows, role_rows)
    files = {"Lead": lead_rows, "Contact": contact_rows, "Opportunity": opp_rows,
             "OpportunityHistory": history_rows, "OpportunityContactRole": role_rows}
    for name, rows in files.items():
        rows.write_csv(out / f"{name}.csv")
    return {"salesforce_leads": lead_rows.height, "salesforce_contacts": contact_rows.height,
            "salesforce_opportunities": opp_rows.height,
            "salesforce_opportunity_history": history_rows.height,
            "salesforce_opportunity_contact_roles": role_rows.height}


def _salesforce_defects(
    leads: pl.DataFrame, contacts: pl.DataFrame, opps: pl.DataFrame, history: pl.DataFrame,
    roles: pl.DataFrame,
) -> tuple[pl.DataFrame, ...]:
    """Two extra records per file (see CRM_DEFECTS); real records stay as they are."""
    def extra(rows: pl.DataFrame, values: dict[str, str | None]) -> pl.DataFrame:
        base = rows.slice(rows.height // 2, 1) if rows.height else pl.DataFrame(
            [{c: None for c in rows.columns}], schema=rows.schema)
        return base.with_columns(*[pl.lit(v, pl.String).alias(c) for c, v in values.items()])

    def insert(rows: pl.DataFrame, *new: pl.DataFrame) -> pl.DataFrame:
        mid = rows.height // 2
        return pl.concat([rows.slice(0, mid), *new, rows.slice(mid)])

    def duplicate(rows: pl.DataFrame) -> pl.DataFrame:
        return _with_extra(rows, rows.height // 3, lambda r: r)

    leads = insert(
        leads,
        extra(leads, {"Id": _sf_ids_text("00Q7Q", 9_000_001), "FirstName": "Greta",
                      "LastName": "Import", "Email": "greta.import@example.org",
                      "IsConverted": "true", "ConvertedDate": "2026-07-01",
                      "ConvertedContactId": None, "ConvertedAccountId": None,
                      "ConvertedOpportunityId": None, "Status": "Closed - Converted"}),
        extra(leads, {"Id": _sf_ids_text("00Q7Q", 9_000_002), "FirstName": "Karl",
                      "LastName": "Datum", "Email": "karl.datum@example.org",
                      "CreatedDate": "31.02.2026 10:00", "IsConverted": "false",
                      "ConvertedDate": None, "ConvertedContactId": None,
                      "ConvertedAccountId": None, "ConvertedOpportunityId": None}))
    contacts = insert(duplicate(contacts), extra(contacts, {
        "Id": _sf_ids_text("0037Q", 9_000_001), "FirstName": "Zukunft", "LastName": "Kontakt",
        "Email": "zukunft.kontakt@example.org", "CreatedDate": "2099-01-01T00:00:00.000+0000"}))
    opps = insert(
        opps,
        extra(opps, {"Id": _sf_ids_text("0067Q", 9_000_001), "Name": "Amount n/a", "Amount": "n/a"}),
        extra(opps, {"Id": _sf_ids_text("0067Q", 9_000_002), "Name": "No contact role"}))
    known = opps["Id"][0] if opps.height else _sf_ids_text("0067Q", 1)
    history = insert(
        history,
        extra(history, {"Id": _sf_ids_text("0087Q", 9_000_001),
                        "OpportunityId": _sf_ids_text("0067Q", 9_000_099)}),
        extra(history, {"Id": _sf_ids_text("0087Q", 9_000_002), "OpportunityId": known,
                        "CreatedDate": None}))
    roles = insert(duplicate(roles), extra(roles, {
        "Id": _sf_ids_text("00K7Q", 9_000_001), "ContactId": None}))
    return leads, contacts, opps, history, roles


def _sf_ids_text(head: str, number: int) -> str:
    return f"{head}{number:010d}{sf_id_suffix(head)}"
