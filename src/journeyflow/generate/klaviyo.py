"""Synthetic Klaviyo email events: the API's Get Events responses (`GET /api/events` with
`include=profile,metric`, JSON:API pages of 200 events with the profiles and metrics they name in
`included`), for the persons ``journeyflow.generate`` already made (see docs/sources.md).

Story: the shop runs its customer mailings on Klaviyo (the Shopify side; the newsletter to the CRM
contacts stays on Mailchimp, email.py). Every shop customer gets the monthly "picks" campaign
from the first month after their first purchase: Klaviyo records its delivery (Received Email) or a
bounce, some recipients open it, some of those click its link (tagged with the campaign's UTM
parameters), a few unsubscribe and fewer mark it as spam (neither gets a later mailing). The
generated clicks are not matched to generated GA4 sessions (those files stay as they were). Own RNG
stream ``default_rng([seed, 2 << 40, 6, 1])``, a sub-stream of the email family's: every file
``generate`` wrote before stays byte-identical.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from journeyflow.generate.core import DAY_US, HOUR_US, _lognormal, _ns

__all__ = ["KLAVIYO_DEFECTS", "KLAVIYO_DEFECT_ROWS", "write_klaviyo_exports"]

KLAVIYO_DEFECTS: dict[str, str] = {
    "klaviyo_profile_without_email": "Klaviyo: one Opened Email of a profile without email "
                                     "(an SMS-only profile)",
}
"""Injected defects of these exports; every one is exactly one extra record."""

KLAVIYO_DEFECT_ROWS: dict[str, int] = {"klaviyo_events": 1}

RNG_KEY = (6, 1)  # this module's stream: default_rng([seed, 2 << 40, 6, 1])
PAGE_SIZE = 200  # Get Events' default page size
CAMPAIGN_UTM = "monthly_picks"
LINK = ("https://shop.example.com/collections/picks?utm_source=klaviyo&utm_medium=email"
        f"&utm_campaign={CAMPAIGN_UTM}")
# metric ids as Klaviyo shows them (six characters) and their names
METRICS = {"received": ("RcvEml", "Received Email"), "opened": ("OpnEml", "Opened Email"),
           "clicked": ("ClkEml", "Clicked Email"), "bounced": ("BncEml", "Bounced Email"),
           "unsubscribed": ("UnsEml", "Unsubscribed"), "spam": ("SpmEml", "Marked Email as Spam")}
BOUNCE_SHARE = 0.02
OPEN_SHARE = 0.4  # recipients who open
CLICK_SHARE = 0.25  # openers who click
UNSUBSCRIBE_SHARE = 0.02  # openers who unsubscribe
SPAM_SHARE = 0.004  # recipients who mark it as spam


def _datetime(us: int) -> str:
    """As the API writes `datetime`: ISO 8601 with +00:00."""
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _sends(start_us: int, end_us: int) -> list[tuple[str, str, int]]:
    """(message id, Campaign Name, send time): the monthly picks every 30 days at 10:00 UTC."""
    sends = []
    for month in range(max(0, (end_us - start_us) // (30 * DAY_US))):
        sent = start_us + (30 * month + 30) * DAY_US + 10 * HOUR_US
        name = f"Monthly picks {datetime.fromtimestamp(sent / 1e6, UTC):%B %Y}"
        sends.append((f"01KLAV{month:020d}", name, sent))
    return [s for s in sends if s[2] < end_us]


def _event(n: int, kind: str, profile_id: str, at: int, message: str, campaign: str,
           **properties: str) -> dict:
    """One `data` element of Get Events."""
    event_id = f"5Kl{n:09d}"
    return {
        "type": "event", "id": event_id,
        "attributes": {
            "timestamp": at // 1_000_000, "datetime": _datetime(at), "uuid": f"{n:032x}",
            "event_properties": {"$message": message, "Campaign Name": campaign,
                                 "Subject": "Our picks for you", "$event_id": f"{message}:{n}",
                                 **properties},
        },
        "relationships": {
            "profile": {"data": {"type": "profile", "id": profile_id}},
            "metric": {"data": {"type": "metric", "id": METRICS[kind][0]}},
        },
        "links": {"self": f"https://a.klaviyo.com/api/events/{event_id}"},
    }


def _profile(profile_id: str, email: str | None) -> dict:
    return {"type": "profile", "id": profile_id,
            "attributes": {"email": email, "phone_number": None, "properties": {}},
            "links": {"self": f"https://a.klaviyo.com/api/profiles/{profile_id}"}}


def _metric(kind: str) -> dict:
    metric_id, name = METRICS[kind]
    return {"type": "metric", "id": metric_id,
            "attributes": {"name": name, "created": "2024-01-15T10:00:00+00:00",
                           "updated": "2024-01-15T10:00:00+00:00",
                           "integration": {"object": "integration", "id": "0rG4eQ",
                                           "name": "Klaviyo", "category": "Internal"}},
            "links": {"self": f"https://a.klaviyo.com/api/metrics/{metric_id}"}}


def _write_pages(out: Path, events: list[dict], profiles: dict[str, dict]) -> None:
    """events_page_NNN.json: pages of PAGE_SIZE events in time order, each with its `included`."""
    events.sort(key=lambda e: (e["attributes"]["datetime"], e["id"]))
    kinds = {metric_id: kind for kind, (metric_id, _) in METRICS.items()}
    for page, first in enumerate(range(0, len(events), PAGE_SIZE), 1):
        data = events[first:first + PAGE_SIZE]
        named = sorted({e["relationships"]["profile"]["data"]["id"] for e in data})
        metrics = sorted({e["relationships"]["metric"]["data"]["id"] for e in data})
        more = first + PAGE_SIZE < len(events)
        (out / f"events_page_{page:03d}.json").write_text(json.dumps({
            "data": data,
            "included": [profiles[p] for p in named] + [_metric(kinds[m]) for m in metrics],
            "links": {"self": "https://a.klaviyo.com/api/events",
                      "next": f"https://a.klaviyo.com/api/events?page%5Bcursor%5D=p{page + 1}"
                      if more else None, "prev": None},
        }, indent=1), encoding="utf-8")


def write_klaviyo_exports(out_dir: Path, people: pl.DataFrame, seed: int, start_us: int,
                          end_us: int, defects: bool) -> dict[str, int]:
    """Write klaviyo/events_page_NNN.json; return records written per file kind (with defects)."""
    rng = np.random.default_rng([seed, 2 << 40, *RNG_KEY])
    out = Path(out_dir) / "klaviyo"
    out.mkdir(parents=True, exist_ok=True)
    customers = people.filter(pl.col("customer") >= 0).select("hs_email", "customer").sort(
        "customer", "hs_email")
    emails = np.asarray(customers["hs_email"].to_list(), dtype=object)
    first_order = customers["customer"].to_numpy()
    profile_ids = [f"01KP{i:022d}" for i in range(len(emails))]
    subscribed = np.ones(len(emails), dtype=bool)  # False once unsubscribed or a spam complaint
    events: list[dict] = []
    for message, campaign, sent in _sends(start_us, end_us):
        k = len(emails)
        to = (first_order < sent) & subscribed
        bounced = to & (rng.random(k) < BOUNCE_SHARE)
        received_at = sent + _ns(_lognormal(rng, 60.0, 0.5, k))
        open_at = received_at + _ns(_lognormal(rng, 4 * 3600.0, 1.0, k))
        opened = to & ~bounced & (rng.random(k) < OPEN_SHARE) & (open_at < end_us)
        click_at = open_at + _ns(_lognormal(rng, 45.0, 0.8, k))
        clicked = opened & (rng.random(k) < CLICK_SHARE) & (click_at < end_us)
        leave_at = open_at + _ns(_lognormal(rng, 90.0, 0.8, k))
        unsubscribed = opened & (rng.random(k) < UNSUBSCRIBE_SHARE) & (leave_at < end_us)
        spam = to & ~bounced & ~unsubscribed & (rng.random(k) < SPAM_SHARE) & (leave_at < end_us)
        hard = rng.random(k) < 0.5
        subscribed &= ~(unsubscribed | spam)
        for i in np.flatnonzero(to):
            happened = [("bounced", received_at[i], {"Bounce Type": "Hard" if hard[i] else "Soft"})
                        ] if bounced[i] else [("received", received_at[i], {})]
            happened += [(kind, at[i], extra) for kind, at, mask, extra in (
                ("opened", open_at, opened, {}), ("clicked", click_at, clicked, {"URL": LINK}),
                ("unsubscribed", leave_at, unsubscribed, {}), ("spam", leave_at, spam, {}))
                if mask[i]]
            for kind, at, extra in happened:
                events.append(_event(len(events) + 1, kind, profile_ids[i], int(at), message,
                                     campaign, **extra))
    profiles = {p: _profile(p, email) for p, email in zip(profile_ids, emails, strict=True)}
    if defects and events:
        first = events[0]
        defect = _event(len(events) + 1, "opened", "01KPNOEMAIL", _first_time(first) + 1_000_000,
                        first["attributes"]["event_properties"]["$message"],
                        first["attributes"]["event_properties"]["Campaign Name"])
        events.append(defect)
        profiles["01KPNOEMAIL"] = _profile("01KPNOEMAIL", None)
    _write_pages(out, events, profiles)
    return {"klaviyo_events": len(events)}


def _first_time(event: dict) -> int:
    return int(event["attributes"]["timestamp"]) * 1_000_000
