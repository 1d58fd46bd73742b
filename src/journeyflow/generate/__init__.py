"""Seeded generator of realistic synthetic customer-journey exports (see docs/sources.md).

``generate`` writes every source's files into a folder; the same seed and arguments give
byte-identical files. One module per group of sources, each on its own random stream, so adding a
source leaves the files of the others unchanged:

- ``core``: the journey model (persons, web sessions, deals, tickets) and GA4, HubSpot, Zendesk, NPS
- ``support``: Zendesk satisfaction ratings, Freshdesk, CSAT and CES surveys
- ``crm``: HubSpot engagements and Salesforce (``fivetran``: HubSpot and Salesforce as Fivetran's
  connector tables; ``airbyte``: as Airbyte's stream tables; conversions without random draws)
- ``web``: Snowplow (enriched, or an atomic.events dump) and Segment (and GA4 as Parquet)
- ``custom``: custom sources (``custom/<name>/source.yaml`` + data)
- ``shop``: Shopify (or WooCommerce) orders, Google Ads, Meta Ads (and LinkedIn Ads) reports
- ``social``: Meta and LinkedIn lead forms
- ``email``: Mailchimp; ``klaviyo``: Klaviyo events
- ``zendesk_sync``: Zendesk as Fivetran's connector tables or Airbyte's stream tables (a conversion)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from journeyflow.generate.airbyte import convert_hubspot_to_airbyte, convert_salesforce_to_airbyte
from journeyflow.generate.core import CORE_DEFECT_ROWS, CORE_DEFECTS, DAY_US, SECOND_US, write_core_exports
from journeyflow.generate.crm import write_crm
from journeyflow.generate.custom import write_custom
from journeyflow.generate.email import write_email_exports
from journeyflow.generate.fivetran import (
    EXPORT_COUNTS,
    HUBSPOT_EXPORT_COUNTS,
    convert_hubspot_to_fivetran,
    convert_salesforce_to_fivetran,
)
from journeyflow.generate.klaviyo import write_klaviyo_exports
from journeyflow.generate.shop import SHOP_FORMATS, write_shop_exports
from journeyflow.generate.social import write_social_exports
from journeyflow.generate.support import write_support_exports
from journeyflow.generate.web import (
    SNOWPLOW_FORMATS,
    WEB_DEFECT_ROWS,
    WEB_DEFECTS,
    convert_ga4_to_parquet,
    write_web_exports,
)
from journeyflow.generate.zendesk_sync import ZENDESK_EXPORT_COUNTS, ZENDESK_FORMATS, convert_zendesk

__all__ = ["DEFECTS", "DEFECT_ROWS", "MANIFEST", "GenerateRefused", "describe_files", "generate"]

MANIFEST = ".journeyflow-generated"
"""The file in the output folder that lists the files `generate` wrote (relative path and size, one
a line): a later run replaces or removes those, and only those that still have that size."""
_STAGING_PREFIX = ".journeyflow-generate-"  # the folder a run writes into before moving its files

DEFECTS: dict[str, str] = {**CORE_DEFECTS, **WEB_DEFECTS}
"""Injected defects of GA4, HubSpot, Zendesk, NPS, Snowplow and Segment; every one is exactly one
extra record (the other sources' are in their modules: ``SUPPORT_DEFECTS``, ...)."""

DEFECT_ROWS: dict[str, int] = {**CORE_DEFECT_ROWS, **WEB_DEFECT_ROWS}
"""Extra (defective) records per file kind of ``DEFECTS`` that ``generate`` adds with ``defects=True``."""


class GenerateRefused(ValueError):
    """`generate` would have to overwrite files it did not write; nothing was changed."""


def generate(out_dir: Path, persons: int = 200, seed: int = 42, start: date = date(2026, 6, 1),
             days: int = 120, defects: bool = True, ga4_format: str = "ndjson",
             force: bool = False, salesforce_format: str = "export", shop_format: str = "shopify",
             snowplow_format: str = "enriched", linkedin_ads: bool = False,
             hubspot_format: str = "export", zendesk_format: str = "export") -> dict[str, int]:
    """Write every source's exports under out_dir (ga4/, hubspot/, zendesk/, surveys/ by core.py, the
    others by the modules listed above); return rows written per file kind.

    Counts include the extra defect records (see ``DEFECT_ROWS``). ``ga4_format="parquet"`` writes
    GA4 as one typed Parquet shard instead of NDJSON day files (the two defects Parquet cannot
    hold, invalid JSON and a non-numeric timestamp, are left out). ``salesforce_format="fivetran"``
    writes Salesforce as Fivetran's connector tables (fivetran_salesforce/*.parquet) instead of the
    Data Export's salesforce/*.csv (fivetran.py), ``"airbyte"`` as Airbyte's Salesforce streams
    (airbyte_salesforce/*.parquet, airbyte.py). ``shop_format="woocommerce"`` writes the store
    orders as a WooCommerce order export (woocommerce/) instead of Shopify's (shopify/);
    ``snowplow_format="atomic"`` the Snowplow events as a CSV dump of atomic.events
    (snowplow_atomic/) instead of the enriched TSV and SDK JSON (snowplow/); ``linkedin_ads`` adds a
    LinkedIn Campaign Manager report (linkedin_ads/); ``hubspot_format="fivetran"`` HubSpot's
    contacts, deals and engagements as Fivetran's connector tables (fivetran_hubspot/*.parquet)
    instead of the export (hubspot/), ``hubspot_format="airbyte"`` as Airbyte's HubSpot streams
    (airbyte_hubspot/*.parquet, airbyte.py); ``zendesk_format="fivetran"`` / ``"airbyte"`` Zendesk's
    tickets, users and satisfaction ratings as Fivetran's connector tables (fivetran_zendesk/) or
    Airbyte's stream tables (airbyte_zendesk/) instead of the API export (zendesk/), zendesk_sync.py.
    The defaults write the sample's files.

    Files it did not write are never deleted or overwritten. The files are written into a fresh
    hidden folder inside ``out_dir`` and then moved into place; ``out_dir/.journeyflow-generated``
    (``MANIFEST``) lists them with their sizes, so a later run replaces them and removes those it no
    longer writes (a shorter history's GA4 day files), and nothing else (a listed file whose size
    changed counts as someone else's). ``out_dir`` must be empty or hold only such an earlier
    generation; with ``force=True`` other files may be there too and are kept. Either way, a file
    this run would write that exists and is not its own raises ``GenerateRefused`` before anything
    in ``out_dir`` is changed.
    """
    if persons < 1 or days < 1 or seed < 0:
        raise ValueError("persons and days must be >= 1 and seed >= 0")
    if ga4_format not in ("ndjson", "parquet"):
        raise ValueError(f"ga4_format must be ndjson or parquet, got {ga4_format!r}")
    if salesforce_format not in ("export", "fivetran", "airbyte"):
        raise ValueError(f"salesforce_format must be export, fivetran or airbyte, got {salesforce_format!r}")
    if hubspot_format not in ("export", "fivetran", "airbyte"):
        raise ValueError(f"hubspot_format must be export, fivetran or airbyte, got {hubspot_format!r}")
    if zendesk_format not in ZENDESK_FORMATS:
        raise ValueError(f"zendesk_format must be export, fivetran or airbyte, got {zendesk_format!r}")
    if shop_format not in SHOP_FORMATS:
        raise ValueError(f"shop_format must be shopify or woocommerce, got {shop_format!r}")
    if snowplow_format not in SNOWPLOW_FORMATS:
        raise ValueError(f"snowplow_format must be enriched or atomic, got {snowplow_format!r}")
    out_dir = Path(out_dir)
    own = _own_files(out_dir)
    foreign = _files_in(out_dir) - set(own)
    if foreign and not force:
        raise GenerateRefused(
            f"{out_dir} is not empty: it holds {describe_files(foreign)}, which journeyflow generate did "
            "not write; use an empty folder, or force=True to write next to them (they are kept)")
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))
    try:
        counts = _write_exports(stage, persons, seed, start, days, defects, ga4_format, salesforce_format,
                                shop_format, snowplow_format, linkedin_ads, hubspot_format,
                                zendesk_format)
        written = {rel: (stage / rel).stat().st_size for rel in _files_in(stage)}
        folders = sorted(path.relative_to(stage).as_posix() for path in stage.rglob("*") if path.is_dir())
        clashes = (written.keys() & foreign
                   | {rel for rel in written if (out_dir / rel).is_dir()}
                   | {rel for rel in folders if (out_dir / rel).exists() and not (out_dir / rel).is_dir()})
        if clashes:
            raise GenerateRefused(
                f"{out_dir} already holds {describe_files(clashes)}, which journeyflow generate did not "
                "write and would overwrite; nothing was changed: move them away or use another folder")
        _write_manifest(out_dir, own | written)  # while files move, both generations count as its own
        for rel in sorted(own.keys() - written.keys()):  # its earlier files that this run does not write
            (out_dir / rel).unlink(missing_ok=True)
        for rel in folders:  # also those it leaves empty (few persons: no Snowplow users)
            (out_dir / rel).mkdir(parents=True, exist_ok=True)
        for rel in sorted(written):
            os.replace(stage / rel, out_dir / rel)
        _write_manifest(out_dir, written)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return counts


def describe_files(paths: set[str] | list[str], limit: int = 4) -> str:
    """'ga4/events_20260601.ndjson, notes.txt and 3 more': a few of the relative paths, for messages."""
    shown = sorted(paths)[:limit]
    more = len(paths) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _files_in(folder: Path) -> set[str]:
    """The files under folder as relative POSIX paths, but the manifest and unfinished runs' folders."""
    if not folder.is_dir():
        return set()
    found = set()
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if rel.parts[0].startswith(_STAGING_PREFIX) or rel.as_posix() in (MANIFEST, MANIFEST + ".tmp"):
            continue
        if path.is_file() or path.is_symlink():
            found.add(rel.as_posix())
    return found


def _own_files(folder: Path) -> dict[str, int]:
    """The files of the manifest that are still there with the size written: relative path → size."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    own = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rel, _, size = line.rpartition("\t")
        if rel and not line.startswith("#") and size.isdigit():
            file = folder / rel
            if file.is_file() and file.stat().st_size == int(size):
                own[rel] = int(size)
    return own


def _write_manifest(folder: Path, files: dict[str, int]) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text("# files written by journeyflow generate (path, size); the next run replaces or removes "
                   "these only\n" + "".join(f"{rel}\t{files[rel]}\n" for rel in sorted(files)),
                   encoding="utf-8")
    tmp.replace(folder / MANIFEST)


def _write_exports(out_dir: Path, persons: int, seed: int, start: date, days: int, defects: bool,
                   ga4_format: str, salesforce_format: str = "export", shop_format: str = "shopify",
                   snowplow_format: str = "enriched", linkedin_ads: bool = False,
                   hubspot_format: str = "export", zendesk_format: str = "export") -> dict[str, int]:
    """generate's files, written into the empty folder out_dir (the writers append to day files)."""
    start_us = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) * SECOND_US
    end_us = start_us + days * DAY_US
    counts, people, deals = write_core_exports(out_dir, persons, seed, start_us, days, defects)
    counts.update(write_support_exports(out_dir, people, seed, start_us, end_us, defects))
    if zendesk_format != "export":  # after support.py, which reads zendesk/tickets.json and users.json
        for name in ZENDESK_EXPORT_COUNTS:
            counts.pop(name)
        counts.update(convert_zendesk(out_dir, end_us, zendesk_format))
    # sales CRMs (HubSpot engagements, Salesforce): own module and RNG stream, files above unchanged
    counts.update(write_crm(out_dir, people, deals, seed, end_us, defects))
    if salesforce_format == "fivetran":
        for name in EXPORT_COUNTS.values():
            counts.pop(name)
        counts.update(convert_salesforce_to_fivetran(out_dir, end_us))
    if salesforce_format == "airbyte":
        for name in EXPORT_COUNTS.values():
            counts.pop(name)
        counts.update(convert_salesforce_to_airbyte(out_dir, end_us))
    if hubspot_format == "fivetran":  # after every writer that reads the export's files: none does
        for name in HUBSPOT_EXPORT_COUNTS:
            counts.pop(name)
        counts.update(convert_hubspot_to_fivetran(out_dir, end_us))
    if hubspot_format == "airbyte":
        for name in HUBSPOT_EXPORT_COUNTS:
            counts.pop(name)
        counts.update(convert_hubspot_to_airbyte(out_dir, end_us))
    if ga4_format == "parquet":
        counts["ga4_events"] = convert_ga4_to_parquet(out_dir / "ga4")
    counts.update(write_web_exports(out_dir, people, seed, start_us, end_us, defects, snowplow_format))
    # custom sources (custom/<name>/source.yaml + data) on their own stream: the files above stay as they were
    counts.update(write_custom(np.random.default_rng([seed, 2 << 40, 4]), people, out_dir, end_us,
                               defects))
    # shop orders and ad spend, on their own stream too (shop.py)
    counts.update(write_shop_exports(out_dir, people, seed, start_us, end_us, defects, shop_format,
                                     linkedin_ads))
    # social lead forms (Meta Lead Ads, LinkedIn), on their own stream too (social.py)
    counts.update(write_social_exports(out_dir, people, seed, defects))
    # email marketing (Mailchimp), on its own stream too (email.py)
    counts.update(write_email_exports(out_dir, people, seed, start_us, end_us, defects))
    # Klaviyo email events of the shop customers, on their own stream too (klaviyo.py)
    counts.update(write_klaviyo_exports(out_dir, people, seed, start_us, end_us, defects))
    return counts
