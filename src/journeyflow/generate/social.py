"""Synthetic social lead-form exports: a Meta (Facebook/Instagram) Lead Ads leads download for
some of the persons ``journeyflow.generate`` already made (see docs/sources.md).

Story: half the persons who first came through paid social (the `summer_reels` and
`retargeting_q3` campaigns the Meta Ads report pays for) filled in the ad's Instant Form "Demo
request" shortly before they became a HubSpot contact; a few other contacts found the same form
organically on the Page or profile (is_organic 1, no ad). A few contacts signed up for a webinar
through a LinkedIn Lead Gen Form (sponsored, or from the event page). Own RNG streams
``default_rng([seed, 2 << 40, 26])`` and ``[seed, 2 << 40, 26, 1]``: every file ``generate`` wrote
before stays byte-identical.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from journeyflow.generate.core import _CH_MEDIUM, _FIRST, _LAST, HOUR_US

__all__ = ["LINKEDIN_LEADS_HEADER", "META_LEADS_HEADER", "SOCIAL_DEFECTS", "SOCIAL_DEFECT_ROWS",
           "write_social_exports"]

SOCIAL_DEFECTS: dict[str, str] = {
    "meta_lead_without_email": "Meta Lead Ads: one lead without email",
}
"""Injected defects of these exports; every one is exactly one extra record."""

SOCIAL_DEFECT_ROWS: dict[str, int] = {"meta_leads": 1, "linkedin_leads": 0}

# The leads download's columns (Instant Forms > Download > CSV): lead and ad fields, then the
# form's questions by field name
META_LEADS_HEADER = (
    "id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id",
    "campaign_name", "form_id", "form_name", "is_organic", "platform", "email", "full_name",
    "phone_number",
)
# (campaign, ad set, ad) of the Meta Ads campaigns (shop._META_CAMPAIGNS)
_ADS = (("summer_reels", "DE 25-45", "Reel 1"), ("retargeting_q3", "Site visitors 30d", "Carousel B"))
# Campaign Manager's leads download as commonly seen (docs/sources.md: not confirmed by LinkedIn)
LINKEDIN_LEADS_HEADER = (
    "Lead ID", "First Name", "Last Name", "Email Address", "Company Name", "Job Title",
    "Campaign Name", "Campaign ID", "Form Name", "Form ID", "Lead Type", "Lead Submitted At",
)
LINKEDIN_LEAD_SHARE = 0.1  # contacts who signed up for the webinar on LinkedIn
PAID_LEAD_SHARE = 0.5  # persons who came through paid social and filled in the form
ORGANIC_LEAD_SHARE = 0.03  # other contacts who found the form without an ad


def write_social_exports(out_dir: Path, people: pl.DataFrame, seed: int, defects: bool) -> dict[str, int]:
    """Write meta_leads/Demo_request_leads.csv and linkedin_leads/leads_webinar.csv; return records
    written per file kind."""
    rng = np.random.default_rng([seed, 2 << 40, 26])
    counts = {"meta_leads": _write_meta_leads(rng, people, Path(out_dir) / "meta_leads", defects)}
    li_rng = np.random.default_rng([seed, 2 << 40, 26, 1])
    counts["linkedin_leads"] = _write_linkedin_leads(li_rng, people, Path(out_dir) / "linkedin_leads")
    return counts


def _meta_time(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _write_meta_leads(rng: np.random.Generator, people: pl.DataFrame, out: Path, defects: bool) -> int:
    persons = people.filter((pl.col("create") >= 0) & pl.col("hs_email").is_not_null()).sort("create", "pid")
    n = persons.height
    paid_social = (persons["ch"].to_numpy() == _CH_MEDIUM.index("paid_social"))
    draw = rng.random(n)
    paid = paid_social & (draw < PAID_LEAD_SHARE)
    organic = ~paid_social & (draw < ORGANIC_LEAD_SHARE)
    # the form is filled in shortly before the contact is created (minutes to a few hours)
    before = (rng.uniform(0.1, 4.0, size=n) * HOUR_US).astype(np.int64)
    ad = rng.integers(len(_ADS), size=n)
    instagram = rng.random(n) < 0.4
    rows: list[list[str]] = []
    for i in np.flatnonzero(paid | organic):
        person = persons.row(int(i), named=True)
        if paid[i]:
            campaign, adset, ad_name = _ADS[ad[i]]
            k = int(ad[i]) + 1
            ad_fields = [f"ag:1202000000{k:02d}", ad_name, f"as:1202000001{k:02d}", adset,
                         f"c:1202000002{k:02d}", campaign]
        else:
            ad_fields = [""] * 6
        rows.append([
            f"l:{7_000_000 + int(person['pid'])}", _meta_time(int(person["create"]) - int(before[i])),
            *ad_fields, "f:900001", "Demo request", "0" if paid[i] else "1",
            "ig" if instagram[i] else "fb", person["hs_email"],
            f"{_FIRST[person['first']]} {_LAST[person['last']]}",
            f"p:+491{person['mobile']}{person['phone']}" if person["phone"] >= 0 else "",
        ])
    rows.sort(key=lambda r: (r[1], r[0]))
    if defects and rows:
        bad = list(rows[0])
        bad[0], bad[12] = "l:6999999", ""  # a lead whose email question was left out of the form
        rows.append(bad)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "Demo_request_leads.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(META_LEADS_HEADER)
        writer.writerows(rows)
    return len(rows)


def _write_linkedin_leads(rng: np.random.Generator, people: pl.DataFrame, out: Path) -> int:
    persons = people.filter((pl.col("create") >= 0) & pl.col("hs_email").is_not_null()).sort("create", "pid")
    n = persons.height
    chosen = rng.random(n) < LINKEDIN_LEAD_SHARE
    sponsored = rng.random(n) < 0.7
    before = (rng.uniform(0.5, 24.0, size=n) * HOUR_US).astype(np.int64)
    rows: list[list[str]] = []
    for i in np.flatnonzero(chosen):
        person = persons.row(int(i), named=True)
        at = datetime.fromtimestamp((int(person["create"]) - int(before[i])) / 1e6, UTC)
        rows.append([
            f"li-{8_000_000 + int(person['pid'])}", _FIRST[person["first"]], _LAST[person["last"]],
            person["hs_email"], "", "",
            "webinar_series" if sponsored[i] else "", "cm-5001" if sponsored[i] else "",
            "Webinar sign-up", "lf-301", "SPONSORED" if sponsored[i] else "EVENT",
            at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ])
    rows.sort(key=lambda r: (r[-1], r[0]))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "leads_webinar.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINKEDIN_LEADS_HEADER)
        writer.writerows(rows)
    return len(rows)
