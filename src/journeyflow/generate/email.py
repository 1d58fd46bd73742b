"""Synthetic email-marketing exports: Mailchimp's campaign email activity and unsubscribes (the
Marketing API's `GET /reports/{campaign_id}/email-activity` and `/unsubscribed` responses), for the
persons ``journeyflow.generate`` already made (see docs/sources.md).

Story: the shop sends the weekly newsletter and one product-launch mailing (the `utm_campaign`
values of the sample's GA4 email sessions) to every HubSpot contact created before the send. Some
open it, some of those click its link (tagged with the campaign's UTM parameters), a few addresses
bounce and a few readers unsubscribe. Only recipients with activity are written (the API lists
every recipient; the others would make no event). The generated clicks are not matched to generated GA4
sessions (those files stay as they were). Own RNG stream ``default_rng([seed, 2 << 40, 6])``: every
file ``generate`` wrote before stays byte-identical.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from journeyflow.generate.core import DAY_US, HOUR_US, _lognormal, _ns

__all__ = ["EMAIL_DEFECTS", "EMAIL_DEFECT_ROWS", "write_email_exports"]

EMAIL_DEFECTS: dict[str, str] = {
    "mailchimp_recipient_without_email": "Mailchimp: one recipient record without email_address",
}
"""Injected defects of these exports; every one is exactly one extra record."""

EMAIL_DEFECT_ROWS: dict[str, int] = {"mailchimp_email_activity": 1, "mailchimp_unsubscribes": 0}

RNG_KEY = 6  # this module's stream: default_rng([seed, 2 << 40, RNG_KEY])
LIST_ID = "57afe96172"
LINK = "https://shop.example.com/{path}?utm_source=newsletter&utm_medium=email&utm_campaign={name}"
OPEN_SHARE = 0.35  # recipients who open
CLICK_SHARE = 0.3  # openers who click
BOUNCE_SHARE = 0.02
UNSUBSCRIBE_SHARE = 0.03  # openers who unsubscribe


def _api_time(us: int) -> str:
    """As the Marketing API writes times: ISO 8601 with +00:00."""
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _sends(start_us: int, end_us: int) -> list[tuple[str, str, str, int]]:
    """(campaign_id, utm_campaign, landing path, send time): the weekly newsletter every seventh
    day at 08:00 UTC from the first week, the product launch half-way at 09:00."""
    sends = [(f"nw{week:08x}", "newsletter_weekly", "blog/weekly",
              start_us + (7 * week + 7) * DAY_US + 8 * HOUR_US)
             for week in range(max(0, (end_us - start_us) // (7 * DAY_US)))]
    sends.append(("pl00000001", "product_launch", "products/standing-desk-pro",
                  start_us + (end_us - start_us) // (2 * DAY_US) * DAY_US + 9 * HOUR_US))
    return sorted((s for s in sends if s[3] < end_us), key=lambda s: s[3])


def write_email_exports(out_dir: Path, people: pl.DataFrame, seed: int, start_us: int,
                        end_us: int, defects: bool) -> dict[str, int]:
    """Write mailchimp/email-activity_<campaign>.json and unsubscribed_<campaign>.json per send;
    return records written per file kind (with defects)."""
    rng = np.random.default_rng([seed, 2 << 40, RNG_KEY])
    out = Path(out_dir) / "mailchimp"
    out.mkdir(parents=True, exist_ok=True)
    contacts = people.select("hs_email", "create").sort("create", "hs_email")
    emails = np.asarray(contacts["hs_email"].to_list(), dtype=object)
    created = contacts["create"].to_numpy()
    subscribed = np.ones(len(emails), dtype=bool)  # False once unsubscribed: no later sends
    counts = {"mailchimp_email_activity": 0, "mailchimp_unsubscribes": 0}
    for n, (campaign_id, name, path, sent) in enumerate(_sends(start_us, end_us)):
        k = len(emails)
        to = (created < sent) & subscribed
        bounced = to & (rng.random(k) < BOUNCE_SHARE)
        open_at = sent + _ns(_lognormal(rng, 3 * 3600.0, 1.0, k))
        opened = to & ~bounced & (rng.random(k) < OPEN_SHARE) & (open_at < end_us)
        click_at = open_at + _ns(_lognormal(rng, 60.0, 0.8, k))
        clicked = opened & (rng.random(k) < CLICK_SHARE) & (click_at < end_us)
        unsubscribe_at = open_at + _ns(_lognormal(rng, 120.0, 0.8, k))
        unsubscribed = opened & (rng.random(k) < UNSUBSCRIBE_SHARE) & (unsubscribe_at < end_us)
        hard = rng.random(k) < 0.5
        subscribed &= ~unsubscribed
        # recipients with activity only: those without make no event (and at the benchmark's
        # size a record per recipient and send would dwarf the rest of the sample)
        records, unsubscribes = [], []
        for i in np.flatnonzero(bounced | opened):
            activity: list[dict] = []
            if bounced[i]:
                activity.append({"action": "bounce", "type": "hard" if hard[i] else "soft",
                                 "timestamp": _api_time(sent + 60 * 1_000_000)})
            if opened[i]:
                activity.append({"action": "open", "timestamp": _api_time(int(open_at[i])),
                                 "ip": "198.51.100.7"})
            if clicked[i]:
                activity.append({"action": "click", "timestamp": _api_time(int(click_at[i])),
                                 "url": LINK.format(path=path, name=name), "ip": "198.51.100.7"})
            if unsubscribed[i]:
                unsubscribes.append({
                    "email_id": f"{i:032x}", "email_address": emails[i], "merge_fields": {},
                    "vip": False, "timestamp": _api_time(int(unsubscribe_at[i])),
                    "reason": "N/A (Unsubscribed by the subscriber)", "campaign_id": campaign_id,
                    "list_id": LIST_ID, "list_is_active": True, "_links": []})
            records.append({"campaign_id": campaign_id, "list_id": LIST_ID, "list_is_active": True,
                            "email_id": f"{i:032x}", "email_address": emails[i],
                            "activity": activity, "_links": []})
        if defects and n == 0 and records:
            records.append(records[0] | {"email_address": "", "email_id": "f" * 32})
        (out / f"email-activity_{campaign_id}.json").write_text(json.dumps(
            {"emails": records, "campaign_id": campaign_id, "total_items": len(records),
             "_links": []}, indent=1), encoding="utf-8")
        counts["mailchimp_email_activity"] += len(records)
        if unsubscribes:
            (out / f"unsubscribed_{campaign_id}.json").write_text(json.dumps(
                {"unsubscribes": unsubscribes, "campaign_id": campaign_id,
                 "total_items": len(unsubscribes), "_links": []}, indent=1), encoding="utf-8")
            counts["mailchimp_unsubscribes"] += len(unsubscribes)
    return counts
