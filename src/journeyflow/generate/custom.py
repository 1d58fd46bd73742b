"""Sample custom sources (docs/sources.md, "Custom sources (YAML mapping)"): two exports that no
built-in source reads, each with the `source.yaml` mapping that loads it.

- ``custom/shop_orders/``: the shop back office's order export of store and phone orders (German
  Excel: ``;``-separated, Windows-1252, decimal comma, ``DD.MM.YYYY HH:MM`` in Berlin time). These
  are purchases the web shop (GA4) never sees: in-store purchases and orders taken by phone.
- ``custom/call_centre/``: the call-centre system's call log as Parquet (call id, start, topic,
  outcome, the caller's customer email and shop login; no phone numbers).

Both are derived from the CRM persons (``people``: emails, shop logins, create times) with their
own random stream, so the built-in sources' files stay byte-identical for a seed.

Defects (only with ``defects=True``; each is one EXTRA record):

1. shop orders: one row whose ``Bestelldatum`` is ``31.02.2026 10:00``.
2. shop orders: one row with neither ``E-Mail`` nor ``Kundennummer``.
3. shop orders: one exact duplicate row (repeated right after itself).
4. call centre: one call whose ``started_at`` is null.
5. call centre: one call without ``customer_email`` and ``customer_number``.
6. call centre: one call started in 1999.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

CUSTOM_DEFECT_ROWS: dict[str, int] = {"shop_orders": 3, "call_centre": 3}
"""Extra (defective) records per custom source that ``write_custom`` adds with ``defects=True``."""

DAY_US = 86_400 * 1_000_000
HOUR_US = 3_600 * 1_000_000
BERLIN = "Europe/Berlin"

_STORE_ITEMS = (
    ("Standing Desk SD-100", 44_900), ("Standing Desk SD-200 Dual Motor", 69_900),
    ("Office Chair CH-10", 32_900), ("Office Chair CH-20 Mesh", 48_900),
    ("Monitor Arm MA-2", 12_900), ("Desk Lamp Lumi", 7_990), ("Anti-Fatigue Mat", 5_990),
)
_CHANNELS = ("Filiale", "Telefon")  # in-store purchase / order taken by phone
_BRANCHES = ("Berlin Mitte", "Hamburg Altona", "München Schwabing")
_PAYMENT = ("EC-Karte", "Bar", "Rechnung", "Kreditkarte")
_TOPICS = ("Produktberatung", "Lieferung", "Rechnung", "Rückgabe", "Kündigung", "Sonstiges")
_TOPIC_P = np.array([0.30, 0.25, 0.15, 0.12, 0.06, 0.12])
_OUTCOMES = ("gelöst", "Rückruf vereinbart", "weitergeleitet", "Bestellung aufgenommen")
_AGENTS = ("Kim Berger", "Ole Hansen", "Derya Aksoy")

SHOP_MAPPING = """\
# Store and phone orders from the shop back office (Excel export: ';', decimal comma, Windows-1252)
name: shop_orders
description: In-store purchases and phone orders from the shop back office
format: csv
files: bestellungen*.csv
timestamp:
  column: Bestelldatum
  time_zone: Europe/Berlin
event_id: Bestellnummer
event_name: {value: store_order}
person_keys:
  email: E-Mail
  user_id: Kundennummer
value: Gesamtsumme
currency: Währung
origin: Bestellweg
attributes: [Filiale, Zahlungsart, Artikel, Menge]
rules:
  - match: {event_name: store_order, origin: Telefon}
    touchpoint: phone_order
    channel: phone
    category: owned
    online: false
    phase: acquisition
    is_conversion: true
    repeat: {touchpoint: repeat_purchase, phase: loyalty}
  - match: {event_name: store_order}
    touchpoint: store_purchase
    channel: store
    category: owned
    online: false
    phase: acquisition
    is_conversion: true
    repeat: {touchpoint: repeat_purchase, phase: loyalty}
"""

CALL_MAPPING = """\
# Inbound and outbound calls from the call-centre system's Parquet export (no phone numbers)
name: call_centre
description: Call log of the customer service call centre
format: parquet
timestamp: started_at
event_id: call_id
event_name:
  column: topic
  map:
    Produktberatung: call_product_advice
    Lieferung: call_delivery
    Rechnung: call_billing
    Rückgabe: call_return
    Kündigung: call_cancellation
person_keys:
  email: customer_email
  user_id: customer_number
origin: {value: phone}
attributes:
  outcome: outcome
  direction: direction
  duration_seconds: duration_seconds
  agent: agent
rules:
  - match: {event_name: call_product_advice}
    touchpoint: sales_call
    channel: phone
    category: owned
    online: false
    phase: consideration
  - match: {event_name: call_cancellation}
    touchpoint: cancellation_call
    channel: phone
    category: managed
    online: false
    phase: churn
  - match: {}
    touchpoint: support_call
    channel: phone
    category: managed
    online: false
    phase: service
"""


def write_custom(rng: np.random.Generator, people: pl.DataFrame, out_dir: Path, end_us: int,
                 defects: bool) -> dict[str, int]:
    """Write custom/shop_orders/ and custom/call_centre/ (data + source.yaml); rows per source."""
    shop = out_dir / "custom" / "shop_orders"
    calls = out_dir / "custom" / "call_centre"
    for folder in (shop, calls):
        folder.mkdir(parents=True, exist_ok=True)
    (shop / "source.yaml").write_text(SHOP_MAPPING, encoding="utf-8")
    (calls / "source.yaml").write_text(CALL_MAPPING, encoding="utf-8")
    base = people.select(
        "pid", "create", "signed", "hs_email",
        pl.when(pl.col("signed"))
        .then(pl.concat_str(pl.lit("u_"), (pl.col("pid") + 1).cast(pl.String).str.zfill(6)))
        .alias("login"),
    )
    return {
        "shop_orders": _write_orders(rng, base, shop, end_us, defects),
        "call_centre": _write_calls(rng, base, calls, end_us, defects),
    }


def _times_after(rng: np.random.Generator, create: np.ndarray, median_days: float,
                 end_us: int) -> np.ndarray:
    """A time some days after each person's creation, in opening hours (8:00-18:00 Berlin summer
    time), whole minutes (µs); -1 when it falls after the end of the data."""
    n = len(create)
    gap = np.clip(median_days * np.exp(0.8 * rng.standard_normal(n)), 1.0, 90.0)
    day = (create + (gap * DAY_US).astype(np.int64)) // DAY_US * DAY_US
    t = day + 6 * HOUR_US + rng.integers(0, 600, size=n) * 60 * 1_000_000
    return np.where(t < end_us - HOUR_US, t, -1)


def _pick(vocab: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return pl.Series(list(vocab)).gather(idx)


def _de_amount(cents: pl.Expr) -> pl.Expr:
    """12_345_600 cents -> '123.456,00' (German thousands dots, decimal comma)."""
    euros, rest = cents // 100, (cents % 100).cast(pl.String).str.zfill(2)
    grouped = (pl.when(euros >= 1000)
               .then(pl.concat_str((euros // 1000).cast(pl.String), pl.lit("."),
                                   (euros % 1000).cast(pl.String).str.zfill(3)))
               .otherwise(euros.cast(pl.String)))
    return pl.concat_str(grouped, pl.lit(","), rest)


def _write_orders(rng: np.random.Generator, people: pl.DataFrame, out: Path, end_us: int,
                  defects: bool) -> int:
    """bestellungen.csv: store/phone orders of about a fifth of the CRM persons, German Excel style."""
    buyers = people.filter(pl.Series(rng.random(people.height) < 0.2))
    n_orders = np.minimum(rng.geometric(0.7, size=buyers.height), 3)
    orders = buyers.select(pl.all().repeat_by(pl.Series(n_orders)).explode())
    n = orders.height
    t = _times_after(rng, orders["create"].to_numpy(), 20.0, end_us)
    item = rng.integers(len(_STORE_ITEMS), size=n)
    qty = np.where(rng.random(n) < 0.8, 1, 2)
    cents = np.array([p for _, p in _STORE_ITEMS])[item] * qty
    channel = (rng.random(n) < 0.3).astype(np.int64)
    orders = orders.with_columns(
        pl.Series("t", t), pl.Series("item", item), pl.Series("qty", qty),
        pl.Series("cents", cents), pl.Series("channel", channel),
        pl.Series("branch", rng.integers(len(_BRANCHES), size=n)),
        pl.Series("pay", rng.integers(len(_PAYMENT), size=n)),
        # the shop knows the login of about two thirds of its registered customers
        pl.Series("with_login", rng.random(n) < 0.65),
    ).filter(pl.col("t") >= 0).sort("t", "pid")
    rows = orders.select(
        pl.concat_str(pl.lit("B-"), (pl.int_range(pl.len()) + 40_001).cast(pl.String))
        .alias("Bestellnummer"),
        pl.from_epoch("t", time_unit="us").dt.replace_time_zone("UTC")
        .dt.convert_time_zone(BERLIN).dt.strftime("%d.%m.%Y %H:%M").alias("Bestelldatum"),
        pl.when(pl.col("with_login")).then(pl.col("login")).alias("Kundennummer"),
        pl.col("hs_email").str.strip_chars().alias("E-Mail"),
        _pick(_CHANNELS, orders["channel"]).alias("Bestellweg"),
        pl.when(pl.col("channel") == 0).then(_pick(_BRANCHES, orders["branch"])).alias("Filiale"),
        _pick(_PAYMENT, orders["pay"]).alias("Zahlungsart"),
        _pick(tuple(name for name, _ in _STORE_ITEMS), orders["item"]).alias("Artikel"),
        pl.col("qty").cast(pl.String).alias("Menge"),
        _de_amount(pl.col("cents")).alias("Gesamtsumme"),
        pl.lit("EUR").alias("Währung"),
    )
    if defects and rows.height >= 3:
        bad_date = rows.slice(1, 1).with_columns(
            pl.lit(f"B-{40_001 + rows.height}").alias("Bestellnummer"),
            pl.lit("31.02.2026 10:00").alias("Bestelldatum"))
        no_person = rows.slice(2, 1).with_columns(
            pl.lit(f"B-{40_002 + rows.height}").alias("Bestellnummer"),
            pl.lit(None, pl.String).alias("Kundennummer"), pl.lit(None, pl.String).alias("E-Mail"))
        mid = rows.height // 2
        order = np.concatenate([np.arange(mid + 1), [mid], np.arange(mid + 1, rows.height),
                                [rows.height, rows.height + 1]])
        rows = pl.concat([rows, bad_date, no_person])[order]
    text = rows.write_csv(separator=";", line_terminator="\r\n")
    (out / "bestellungen.csv").write_bytes(text.encode("cp1252"))
    return rows.height


def _write_calls(rng: np.random.Generator, people: pl.DataFrame, out: Path, end_us: int,
                 defects: bool) -> int:
    """calls.parquet: one row per call of about a quarter of the CRM persons."""
    callers = people.filter(pl.Series(rng.random(people.height) < 0.25))
    n_calls = np.minimum(rng.geometric(0.6, size=callers.height), 3)
    calls = callers.select(pl.all().repeat_by(pl.Series(n_calls)).explode())
    n = calls.height
    t = _times_after(rng, calls["create"].to_numpy(), 25.0, end_us)
    t = t + np.where(t >= 0, rng.integers(0, 60, size=n) * 1_000_000, 0)  # call logs have seconds
    calls = calls.with_columns(
        pl.Series("t", t),
        pl.Series("topic", rng.choice(len(_TOPICS), size=n, p=_TOPIC_P)),
        pl.Series("outcome", rng.integers(len(_OUTCOMES), size=n)),
        pl.Series("agent", rng.integers(len(_AGENTS), size=n)),
        pl.Series("inbound", rng.random(n) < 0.85),
        pl.Series("duration", np.clip(240 * np.exp(0.7 * rng.standard_normal(n)), 20, 3600)
                  .astype(np.int64)),
        pl.Series("email_known", rng.random(n) < 0.8),
    ).filter(pl.col("t") >= 0).sort("t", "pid")
    rows = calls.select(
        pl.concat_str(pl.lit("C-"), (pl.int_range(pl.len()) + 700_001).cast(pl.String))
        .alias("call_id"),
        pl.from_epoch("t", time_unit="us").dt.replace_time_zone("UTC").alias("started_at"),
        (pl.from_epoch("t", time_unit="us") + pl.duration(seconds=pl.col("duration")))
        .dt.replace_time_zone("UTC").alias("ended_at"),
        pl.col("duration").alias("duration_seconds"),
        pl.when(pl.col("inbound")).then(pl.lit("inbound")).otherwise(pl.lit("outbound"))
        .alias("direction"),
        # without an email on file the agent notes the shop login (callers who have none: email)
        pl.when(pl.col("email_known") | pl.col("login").is_null())
        .then(pl.col("hs_email").str.strip_chars().str.to_lowercase()).alias("customer_email"),
        pl.col("login").alias("customer_number"),
        _pick(_TOPICS, calls["topic"]).alias("topic"),
        _pick(_OUTCOMES, calls["outcome"]).alias("outcome"),
        _pick(_AGENTS, calls["agent"]).alias("agent"),
    )
    if defects and rows.height >= 3:
        n_rows = rows.height
        extra = pl.concat([
            rows.slice(0, 1).with_columns(pl.lit(None, rows["started_at"].dtype).alias("started_at")),
            rows.slice(1, 1).with_columns(pl.lit(None, pl.String).alias("customer_email"),
                                          pl.lit(None, pl.String).alias("customer_number")),
            rows.slice(2, 1).with_columns(
                pl.lit(datetime(1999, 12, 31, 23, 0, tzinfo=UTC)).dt.cast_time_unit("us")
                .dt.convert_time_zone("UTC").alias("started_at")),
        ]).with_columns(pl.Series("call_id", [f"C-{700_001 + n_rows + i}" for i in range(3)]))
        rows = pl.concat([rows, extra])
    rows.write_parquet(out / "calls.parquet", compression="zstd", statistics=False)
    return rows.height
