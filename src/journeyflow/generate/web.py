"""Synthetic Snowplow and Segment exports for the generator's people (see docs/sources.md).

Two more web-analytics tools of the same shop, written next to the GA4 export:

- **Segment: the shop's mobile app.** Some persons with a shop login install the app some days
  after they signed up; every app session opens the app, shows screens, views products, and
  customers sometimes buy again or track their order. The first session identifies the person
  (`userId` = shop login, `traits.email`). A few installs never log in. One gzipped NDJSON file per
  month, as Segment's S3 destination writes them (`segment/2026-06.ndjson.gz`).
- **Snowplow: the help centre / docs site.** Customers read help articles after buying, search,
  open the contact form and send it; prospects with a login read product docs before buying. Some
  sessions are logged in (`user_id`), all carry the help-centre cookie (`domain_userid`). Page pings
  every 10 seconds while a page stays open. Written as the gzipped enriched TSV (headerless, 131 columns)
  except the last 14 days, which come as the Analytics SDK's JSON (`snowplow/*.jsonl`), so the
  sample has both shapes and no event twice.

Everything comes from its own random stream, ``np.random.default_rng([seed, 2 << 40, 1])``, after
the other exports are written, so adding these files leaves every other file byte-identical.
Persons are processed in chunks (constant memory for large N); files are appended per chunk.

Defects (only with ``defects=True``; each is one EXTRA record):

1. Snowplow: one TSV line that lost its last field (130 fields).
2. Snowplow: one event delivered twice (the TSV line repeated: same event_id).
3. Snowplow: one event whose ``derived_tstamp`` is ``2026-13-45 25:61:00.000``.
4. Segment: one call delivered twice (same messageId, a later receivedAt).
5. Segment: one track call without ``event``.
6. Segment: one call whose ``timestamp`` is in 1999.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from journeyflow.generate.core import _GEO, _email, _insert_lines
from journeyflow.sources import SNOWPLOW_ENRICHED_COLUMNS

__all__ = ["WEB_DEFECTS", "WEB_DEFECT_ROWS", "write_web_exports"]

WEB_DEFECTS: dict[str, str] = {
    "snowplow_short_line": "Snowplow: one TSV line with 130 instead of 131 fields",
    "snowplow_duplicate_event": "Snowplow: one TSV line repeated (same event_id)",
    "snowplow_bad_derived_tstamp": "Snowplow: one event with derived_tstamp 2026-13-45 25:61:00.000",
    "segment_duplicate_message": "Segment: one call delivered twice (same messageId)",
    "segment_track_without_event": "Segment: one track call without event",
    "segment_timestamp_1999": "Segment: one call with a timestamp in 1999",
}
WEB_DEFECT_ROWS: dict[str, int] = {"snowplow_events": 3, "segment_events": 3}

RNG_KEY = 1  # this module's stream: default_rng([seed, 2 << 40, RNG_KEY])
CHUNK_PEOPLE = 50_000
SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
JSON_DAYS = 14  # the help centre's last days come as Analytics SDK JSON instead of TSV
SNOWPLOW_FORMATS = ("enriched", "atomic")
ATOMIC_FILE = "events.csv"  # snowplow_atomic/: the atomic.events dump of snowplow_format="atomic"
TS_FMT = "%Y-%m-%d %H:%M:%S%.3f"

_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_DIGITS = [i for i in range(36) if i not in (8, 13, 18, 23)]
_COUNTRY_CODE = {"Germany": "DE", "Austria": "AT", "Switzerland": "CH", "Netherlands": "NL",
                 "France": "FR", "United Kingdom": "GB", "Spain": "ES", "Italy": "IT",
                 "Poland": "PL", "United States": "US"}

# ---- Segment: the mobile app ---------------------------------------------------------------------
_SEG_EVENTS = (  # (type, event or screen name)
    ("track", "Application Installed"), ("track", "Application Opened"), ("identify", None),
    ("screen", "Home"), ("screen", "Product"), ("track", "Product Viewed"),
    ("screen", "Product"), ("track", "Product Viewed"), ("track", "Product Added"),
    ("screen", "Cart"), ("track", "Checkout Started"), ("track", "Order Completed"),
    ("screen", "Order Tracking"),
)
(S_INSTALL, S_OPEN, S_IDENTIFY, S_HOME, S_PROD1, S_VIEW1, S_PROD2, S_VIEW2, S_ADD, S_CART,
 S_CHECKOUT, S_ORDER, S_TRACKING) = range(len(_SEG_EVENTS))
_APP_DEVICES = (  # device.type, manufacturer, model, os name, os version, library, weight
    ("ios", "Apple", "iPhone15,2", "iOS", "17.5.1", "analytics-ios", 0.55),
    ("android", "samsung", "SM-S911B", "Android", "14", "analytics-android", 0.30),
    ("android", "Google", "Pixel 8", "Android", "14", "analytics-android", 0.15),
)
_APP_W = np.array([d[-1] for d in _APP_DEVICES])
_APP_VERSIONS = ("4.1.0", "4.2.0", "4.2.1")
_PRODUCTS = (  # id, name, price (the shop's catalogue, as in the GA4 export)
    ("sd-100", "Standing Desk SD-100", 449.0), ("sd-200", "Standing Desk SD-200 Dual Motor", 699.0),
    ("ch-10", "Office Chair CH-10", 329.0), ("ch-20", "Office Chair CH-20 Mesh", 489.0),
    ("ma-1", "Monitor Arm MA-1", 129.0), ("fr-1", "Foot Rest FR-1", 49.0),
    ("lp-1", "Laptop Stand LP-1", 59.0), ("cp-1", "Care Plan 3 Years", 99.0),
)
_PRICE = np.array([p[2] for p in _PRODUCTS])

# ---- Snowplow: the help centre ---------------------------------------------------------------
HC = "https://help.example.com"
_HC_PAGES = (  # path, title
    ("/hc/articles/delivery-times", "Delivery times and tracking"),
    ("/hc/articles/returns-and-refunds", "Returns and refunds"),
    ("/hc/articles/assembly-standing-desks", "Assembling your standing desk"),
    ("/hc/articles/motor-calibration", "Calibrating the desk motor"),
    ("/hc/articles/care-plan-terms", "Care plan: what is covered"),
    ("/hc/articles/invoices-and-vat", "Invoices and VAT"),
    ("/hc/articles/reset-password", "Resetting your password"),
    ("/docs/sd-100", "SD-100: technical data"),
    ("/docs/sd-200", "SD-200: technical data"),
    ("/docs/ch-20", "CH-20: technical data"),
    ("/hc/contact", "Contact support"),
)
N_ARTICLES, DOCS0, DOCS_N, P_CONTACT, P_CARE = 7, 7, 3, 10, 4
_SEARCHES = ("delivery", "invoice", "calibrate motor", "return label", "care plan", "password")
_SP_EVENTS = (  # event, vendor, event_name, version
    ("page_view", "com.snowplowanalytics.snowplow", "page_view", "1-0-0"),
    ("page_ping", "com.snowplowanalytics.snowplow", "page_ping", "1-0-0"),
    ("struct", "com.google.analytics", "event", "1-0-0"),
    ("unstruct", "com.snowplowanalytics.snowplow", "link_click", "1-0-1"),
    ("unstruct", "com.snowplowanalytics.snowplow", "submit_form", "1-0-0"),
    ("transaction", "com.snowplowanalytics.snowplow", "transaction", "1-0-0"),
    ("transaction_item", "com.snowplowanalytics.snowplow", "transaction_item", "1-0-0"),
)
K_PV, K_PING, K_STRUCT, K_LINK, K_FORM, K_TR, K_TI = range(len(_SP_EVENTS))
# one help-centre visit, as slots: (kind, page: 0 landing / 1 second / 2 contact / 3 care plan)
_SP_SLOTS = (
    (K_PV, 0), (K_PING, 0), (K_PING, 0), (K_PING, 0), (K_STRUCT, 0),
    (K_PV, 1), (K_PING, 1), (K_PING, 1), (K_LINK, 1),
    (K_PV, 2), (K_PING, 2), (K_FORM, 2),
    (K_PV, 3), (K_TR, 3), (K_TI, 3),
)
_SP_BROWSERS = (  # br_name, br_family, br_version, os_name, os_family, os_manufacturer,
    # dvce_type, mobile, screen w, h, useragent
    ("Chrome 126", "Chrome", "126.0.6478.127", "Windows 10", "Windows", "Microsoft Corporation",
     "Computer", "0", 1920, 1080,
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36"),
    ("Safari 17", "Safari", "17.5", "Mac OS X", "Mac OS X", "Apple Inc.", "Computer", "0",
     1512, 982,
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15"),
    ("Mobile Safari", "Safari", "17.5", "iOS 17", "iOS", "Apple Inc.", "Mobile", "1", 393, 852,
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"),
    ("Chrome Mobile", "Chrome", "126.0.6478.122", "Android 14", "Android", "Google Inc.",
     "Mobile", "1", 412, 915,
     "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Mobile Safari/537.36"),
)
_SP_BR_W = np.array([0.45, 0.2, 0.2, 0.15])


# ---- helpers -----------------------------------------------------------------------------------
def _ascii_series(codes: np.ndarray) -> pl.Series:
    """An (n, width) array of ASCII codes as a polars String Series, without per-row Python."""
    n, width = codes.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    data = np.ascontiguousarray(codes, dtype=np.uint8)
    strings = pa.Array.from_buffers(pa.large_string(), n,
                                    [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pl.Series(strings)


def _hex_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 32) ASCII codes of 16 random bytes in hex."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    nibbles = np.empty((n, 32), np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = b >> 4, b & 15
    return _HEX_DIGITS[nibbles]


def _uuid4(rng: np.random.Generator, n: int) -> pl.Series:
    """Random version-4 UUID strings (8-4-4-4-12 hex digits)."""
    digits = _hex_codes(rng, n)
    digits[:, 12] = ord("4")  # version
    digits[:, 16] = _HEX_DIGITS[8 + (digits[:, 16] % 4)]  # variant 10xx: 8, 9, a or b
    out = np.full((n, 36), ord("-"), np.uint8)
    out[:, _UUID_DIGITS] = digits
    return _ascii_series(out)


def _hex32(rng: np.random.Generator, n: int) -> pl.Series:
    """32 hex digits (an md5-looking fingerprint)."""
    return _ascii_series(_hex_codes(rng, n))


def _pick(vocab: tuple | list, idx: np.ndarray) -> pl.Series:
    return pl.Series(list(vocab)).gather(idx)


def _expand(rng: np.random.Generator, mask: np.ndarray, start: np.ndarray,
            gap_median_s: np.ndarray, limit_us: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sessions × slots mask → (session, slot, timestamp) of each kept event, in session order.

    Events of a session follow its start by lognormal gaps (seconds, per slot); an event after
    `limit_us` is dropped with the rest of its session.
    """
    s, k = np.nonzero(mask)
    if len(s) == 0:
        return s, k, np.zeros(0, np.int64)
    gap = gap_median_s[k] * np.exp(0.5 * rng.standard_normal(len(k)))
    first = np.r_[True, s[1:] != s[:-1]]
    gap_us = np.where(first, 0, np.round(gap * SECOND_US).astype(np.int64))
    cs = np.cumsum(gap_us)
    base = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
    offset = cs - cs[base]
    ts = start[s] + offset
    ok = ts < limit_us
    return s[ok], k[ok], ts[ok]


def _fmt_us(col: str, fmt: str = TS_FMT) -> pl.Expr:
    return pl.from_epoch(pl.col(col), time_unit="us").dt.strftime(fmt)


def _iso(col: str) -> pl.Expr:
    return pl.from_epoch(pl.col(col), time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")


def _drop_nulls(json_text: pl.Expr) -> pl.Expr:
    """Leave out `"key":null` like the tools do for fields they have no value for."""
    return (json_text.str.replace_all(r',"[A-Za-z0-9_]+":null', "")
            .str.replace_all(r'\{"[A-Za-z0-9_]+":null,?', "{"))


def _sessions(rng: np.random.Generator, first_us: np.ndarray, n_sessions: np.ndarray,
              gap_days: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(visitor, session number from 1, start µs): sessions days apart after each first time."""
    who = np.repeat(np.arange(len(first_us)), n_sessions)
    first_of = np.cumsum(n_sessions) - n_sessions
    number = np.arange(len(who)) - np.repeat(first_of, n_sessions) + 1
    gaps = np.where(number == 1, 0.0, gap_days * np.exp(0.8 * rng.standard_normal(len(who))))
    days = np.cumsum(gaps)
    days -= np.repeat(days[first_of], n_sessions)
    hour = rng.uniform(7, 22, len(who))  # visits in the day, not at 3 am
    start = first_us[who] + np.round((days * 24 + hour) * HOUR_US).astype(np.int64)
    return who, number, start


# ---- Segment -----------------------------------------------------------------------------------
def _segment_frame(rng: np.random.Generator, people: pl.DataFrame, start_us: int, end_us: int,
                   order0: int) -> pl.DataFrame:
    """One chunk's app calls as a frame of (ts, JSON line), unsorted."""
    n = people.height
    signed = people["signed"].to_numpy()
    create = people["create"].to_numpy()
    customer = people["customer"].to_numpy()
    app = signed & (rng.random(n) < 0.3)
    anon_n = int(round(0.02 * n)) + (n >= 50)  # a few installs that never log in
    idx = np.flatnonzero(app)
    users = len(idx)
    install = np.r_[
        create[idx] + np.round(np.exp(1.2 + 0.9 * rng.standard_normal(users)) * DAY_US),
        start_us + (rng.random(anon_n) * 0.8 * (end_us - start_us)),
    ].astype(np.int64)
    row = np.r_[idx, np.full(anon_n, -1)]
    logged = row >= 0
    v = len(row)
    n_sess = np.minimum(rng.geometric(0.45, v), 6)
    who, number, s_start = _sessions(rng, install, n_sess, 9.0)
    S = len(who)
    is_cust = logged[who] & (customer[np.maximum(row[who], 0)] >= 0)
    after_buy = is_cust & (s_start > customer[np.maximum(row[who], 0)])
    first = number == 1
    cart = rng.random(S) < np.where(after_buy, 0.35, 0.2)
    buy = cart & after_buy & (rng.random(S) < 0.55)
    mask = np.zeros((S, len(_SEG_EVENTS)), bool)
    mask[:, S_INSTALL] = first
    mask[:, [S_OPEN, S_HOME, S_PROD1, S_VIEW1]] = True
    mask[:, S_IDENTIFY] = first & logged[who]
    two = rng.random(S) < 0.5
    mask[:, S_PROD2] = mask[:, S_VIEW2] = two
    mask[:, S_ADD] = mask[:, S_CART] = cart
    mask[:, S_CHECKOUT] = mask[:, S_ORDER] = buy
    mask[:, S_TRACKING] = after_buy & (rng.random(S) < 0.3)
    gap = np.array([1, 2, 20, 3, 15, 0.5, 25, 0.5, 30, 4, 20, 60, 8], float)
    es, ek, ts = _expand(rng, mask, s_start, gap, end_us - HOUR_US)
    E = len(es)
    ev_visitor = who[es]
    prod = rng.integers(len(_PRODUCTS), size=(S, 2))
    ev_prod = np.where(ek >= S_PROD2, prod[es, 1], prod[es, 0])
    qty = 1 + (rng.random(E) < 0.15)
    order = np.cumsum(ek == S_ORDER) + order0
    # userId from the identify on: the whole first session after it, every later session
    ident_ts = np.full(v, np.iinfo(np.int64).max)
    ident = ek == S_IDENTIFY
    ident_ts[ev_visitor[ident]] = ts[ident]
    user = logged[ev_visitor] & (ts >= ident_ts[ev_visitor])
    device = rng.choice(len(_APP_DEVICES), size=v, p=_APP_W)
    version = np.minimum((ts - start_us) * 3 // (end_us - start_us), 2)
    sent = ts + np.round(np.exp(0.5 + rng.standard_normal(E)) * SECOND_US).astype(np.int64)
    received = sent + rng.integers(30_000, 900_000, E)
    pid = people["pid"].to_numpy()
    emails = people.select(pl.col("app_email")).to_series()

    def pick(vocab: tuple | list, i: np.ndarray) -> pl.Series:
        return pl.Series(list(vocab)).gather(i)

    dev_cols = list(zip(*_APP_DEVICES, strict=True))
    frame = pl.DataFrame({
        "ts": ts, "sent": sent, "received": received, "slot": ek,
        "type": pick([e[0] for e in _SEG_EVENTS], ek),
        "name": pick([e[1] for e in _SEG_EVENTS], ek),
        "messageId": _uuid4(rng, E),
        "anonymousId": _uuid4(rng, v).gather(ev_visitor),
        "userId": pl.Series(np.where(user, pid[np.maximum(row[ev_visitor], 0)] + 1, -1)),
        "email": emails.gather(np.maximum(row[ev_visitor], 0)),
        "product": ev_prod, "qty": qty, "order": order,
        "dev": device[ev_visitor], "version": version,
    })
    price = pl.lit(pl.Series(_PRICE)).gather(pl.col("product"))
    product_props = [
        pl.lit(pl.Series([p[0] for p in _PRODUCTS])).gather(pl.col("product")).alias("product_id"),
        pl.lit(pl.Series([p[1] for p in _PRODUCTS])).gather(pl.col("product")).alias("name"),
        price.alias("price"), pl.lit("EUR").alias("currency"),
    ]
    order_id = pl.concat_str(pl.lit("APP-"), pl.col("order").cast(pl.String).str.zfill(6))
    revenue = (price * pl.col("qty")).round(2)
    slot = pl.col("slot")
    properties = (
        pl.when(slot.is_in([S_VIEW1, S_VIEW2]))
        .then(pl.struct(*product_props, pl.lit(None, pl.Int64).alias("quantity")))
        .when(slot == S_ADD)
        .then(pl.struct(*product_props, pl.col("qty").alias("quantity")))
        .when(slot == S_OPEN)
        .then(pl.struct(pl.lit(False).alias("from_background"),
                        pl.lit(pl.Series(_APP_VERSIONS)).gather(pl.col("version")).alias("version")))
        .when(slot == S_INSTALL)
        .then(pl.struct(pl.lit(pl.Series(_APP_VERSIONS)).gather(pl.col("version")).alias("version"),
                        pl.lit(None, pl.Boolean).alias("from_background")))
        .when(pl.col("type") == "screen")
        .then(pl.struct(pl.col("name").alias("name")))
    )
    checkout_props = pl.struct(order_id.alias("order_id"), revenue.alias("revenue"),
                               pl.lit("EUR").alias("currency"))
    order_props = pl.struct(
        order_id.alias("order_id"), revenue.alias("revenue"),
        (revenue + 4.9).round(2).alias("total"), pl.lit(4.9).alias("shipping"),
        (revenue - revenue / 1.19).round(2).alias("tax"), pl.lit("EUR").alias("currency"),
        pl.concat_list(pl.struct(*product_props[:3], pl.col("qty").alias("quantity")))
        .alias("products"),
    )
    context = pl.struct(
        pl.struct(pl.lit("Example Shop").alias("name"),
                  pl.lit(pl.Series(_APP_VERSIONS)).gather(pl.col("version")).alias("version"),
                  pl.lit(pl.Series(["410", "420", "421"])).gather(pl.col("version")).alias("build"),
                  pl.lit("com.example.shop").alias("namespace")).alias("app"),
        pl.struct(pl.lit(pl.Series(dev_cols[0])).gather(pl.col("dev")).alias("type"),
                  pl.lit(pl.Series(dev_cols[1])).gather(pl.col("dev")).alias("manufacturer"),
                  pl.lit(pl.Series(dev_cols[2])).gather(pl.col("dev")).alias("model")
                  ).alias("device"),
        pl.struct(pl.lit(pl.Series(dev_cols[5])).gather(pl.col("dev")).alias("name"),
                  pl.lit("4.1.8").alias("version")).alias("library"),
        pl.lit("de-DE").alias("locale"),
        pl.struct(pl.lit(pl.Series(dev_cols[3])).gather(pl.col("dev")).alias("name"),
                  pl.lit(pl.Series(dev_cols[4])).gather(pl.col("dev")).alias("version")
                  ).alias("os"),
        pl.lit("Europe/Berlin").alias("timezone"),
    ).alias("context")
    user_id = pl.when(pl.col("userId") >= 0).then(
        pl.concat_str(pl.lit("u_"), pl.col("userId").cast(pl.String).str.zfill(6)))
    # `integrations` is an empty object; polars has no empty struct, so a marker is replaced below
    common = [pl.col("anonymousId"), pl.lit("client").alias("channel"), context,
              pl.lit("{}").alias("_integrations"),
              pl.col("messageId"), _iso("ts").alias("originalTimestamp"),
              _iso("received").alias("receivedAt"), _iso("sent").alias("sentAt"),
              _iso("ts").alias("timestamp"), pl.col("type"), user_id.alias("userId"),
              pl.lit(2).alias("version")]
    event = pl.col("name").alias("event")
    shapes = (  # which calls, and the fields before the common ones
        (slot == S_ORDER, [event, order_props.alias("properties")]),
        (slot == S_CHECKOUT, [event, checkout_props.alias("properties")]),
        (pl.col("type") == "screen", [pl.col("name"), properties.alias("properties")]),
        (pl.col("type") == "identify", [pl.struct(pl.col("email")).alias("traits")]),
        ((pl.col("type") == "track") & ~slot.is_in([S_ORDER, S_CHECKOUT]),
         [event, properties.alias("properties")]),
    )
    # each shape encoded on its own rows only (a when/then chain would encode every row 5 times)
    parts = [
        frame.filter(rows).select(
            "ts", _drop_nulls(pl.struct(*fields, *common).struct.json_encode()).alias("line"))
        for rows, fields in shapes
    ]
    return pl.concat(parts).with_columns(
        pl.col("line").str.replace('"_integrations":"{}"', '"integrations":{}', literal=True))


# ---- Snowplow ----------------------------------------------------------------------------------
def _snowplow_frame(rng: np.random.Generator, people: pl.DataFrame, start_us: int, end_us: int,
                    order0: int) -> pl.DataFrame:
    """One chunk's help-centre events as the 131 enriched columns (text, null = empty)."""
    n = people.height
    signed = people["signed"].to_numpy()
    create = people["create"].to_numpy()
    customer = people["customer"].to_numpy()
    cust = customer >= 0
    service = cust & (rng.random(n) < 0.4)  # customers who need help after buying
    docs = signed & ~cust & (rng.random(n) < 0.25)  # prospects reading product docs
    idx = np.flatnonzero(service | docs)
    anon_n = int(round(0.02 * n)) + (n >= 50)
    first = np.r_[
        np.where(service[idx], customer[idx], create[idx])
        + np.round(np.exp(0.8 + 0.9 * rng.standard_normal(len(idx))) * DAY_US),
        start_us + rng.random(anon_n) * 0.8 * (end_us - start_us),
    ].astype(np.int64)
    row = np.r_[idx, np.full(anon_n, -1)]
    is_service = np.r_[service[idx], np.zeros(anon_n, bool)]
    v = len(row)
    n_sess = np.minimum(rng.geometric(0.55, v), 5)
    who, number, s_start = _sessions(rng, first, n_sess, 12.0)
    S = len(who)
    svc = is_service[who]
    logged = (row[who] >= 0) & (rng.random(S) < 0.7)
    pings = rng.integers(0, 4, S)
    second = rng.random(S) < 0.55
    contact = svc & (rng.random(S) < 0.2)
    buy = svc & (rng.random(S) < 0.05)
    mask = np.zeros((S, len(_SP_SLOTS)), bool)
    mask[:, 0] = True
    mask[:, 1:4] = np.arange(3) < pings[:, None]
    mask[:, 4] = rng.random(S) < 0.4
    mask[:, 5] = second
    mask[:, 6:8] = second[:, None] & (np.arange(2) < rng.integers(0, 3, S)[:, None])
    mask[:, 8] = second & (rng.random(S) < 0.25)
    mask[:, 9] = contact
    mask[:, 10] = contact & (rng.random(S) < 0.5)
    mask[:, 11] = contact & (rng.random(S) < 0.7)
    mask[:, 12:15] = buy[:, None]
    gap = np.array([1, 10, 10, 10, 8, 25, 10, 10, 6, 20, 10, 40, 15, 45, 0.01])
    es, slot, ts = _expand(rng, mask, s_start, gap, end_us - HOUR_US)
    E = len(es)
    if E == 0:  # a tiny generation without help-centre visitors
        return pl.DataFrame(schema={"ts": pl.Int64, **dict.fromkeys(SNOWPLOW_ENRICHED_COLUMNS,
                                                                    pl.String)})
    kind = np.array([k for k, _ in _SP_SLOTS])[slot]
    page_of = np.array([p for _, p in _SP_SLOTS])[slot]
    landing = np.where(svc, rng.integers(0, N_ARTICLES, S), DOCS0 + rng.integers(0, DOCS_N, S))
    other = np.where(svc, rng.integers(0, N_ARTICLES, S), DOCS0 + rng.integers(0, DOCS_N, S))
    pages = np.column_stack([landing, other, np.full(S, P_CONTACT), np.full(S, P_CARE)])
    page = pages[es, page_of]
    prev_page = np.where(page_of == 0, -1, pages[es, np.maximum(page_of - 1, 0)])
    e_row = row[who[es]]
    pid = people["pid"].to_numpy()
    geo = people["geo"].to_numpy()
    country = [_COUNTRY_CODE[g[0]] for g in _GEO]
    city = [g[1] for g in _GEO]
    tz = [("America/" if g[0] == "United States" else "Europe/") + g[7] for g in _GEO]
    e_geo = np.where(e_row >= 0, geo[np.maximum(e_row, 0)], 0)
    browser = rng.choice(len(_SP_BROWSERS), size=v, p=_SP_BR_W)[who[es]]
    br = list(zip(*_SP_BROWSERS, strict=True))
    ev_meta = list(zip(*_SP_EVENTS, strict=True))
    path = [p for p, _ in _HC_PAGES]
    url = [HC + p for p in path]
    has_prev = prev_page >= 0
    prev = np.maximum(prev_page, 0)
    # the page view's id, shared by its pings (web_page context)
    pv_id = _uuid4(rng, S * 4).gather(es * 4 + page_of)
    dvce = ts - rng.integers(0, 400_000, E)
    base = pl.DataFrame({
        "kind": kind, "logged": logged[es], "has_prev": has_prev,
        "user_no": pid[np.maximum(e_row, 0)] + 1,
        "order_no": np.cumsum(kind == K_TR) + order0,
        "etl_tstamp": ts + rng.integers(1_000_000, 3_000_000, E), "collector_tstamp": ts,
        "dvce_created_tstamp": dvce, "dvce_sent_tstamp": dvce + rng.integers(50_000, 2_000_000, E),
        "derived_tstamp": ts,
        "event_id": _uuid4(rng, E), "domain_userid": _uuid4(rng, v).gather(who[es]),
        "domain_sessionid": _uuid4(rng, S).gather(es), "pv_id": pv_id,
        "event_fingerprint": _hex32(rng, E),
        "query": _pick(_SEARCHES, rng.integers(0, len(_SEARCHES), E)),
        "target": _pick([p[0] for p in _PRODUCTS], rng.integers(0, len(_PRODUCTS), E)),
        "ping_x": rng.integers(0, 40, E), "ping_y": rng.integers(0, 2400, E),
        "domain_sessionidx": number[es].astype(str),
        "geo_country": _pick(country, e_geo), "geo_city": _pick(city, e_geo),
        "geo_timezone": _pick(tz, e_geo),
        "page_url": _pick(url, page), "page_title": _pick([t for _, t in _HC_PAGES], page),
        "page_urlpath": _pick(path, page),
        "refr_url": _pick(url, prev), "refr_urlpath": _pick(path, prev),
        "event": _pick(ev_meta[0], kind), "event_vendor": _pick(ev_meta[1], kind),
        "event_name": _pick(ev_meta[2], kind), "event_version": _pick(ev_meta[3], kind),
        **{name: _pick(values, browser) for name, values in zip(
            ("br_name", "br_family", "br_version", "os_name", "os_family", "os_manufacturer",
             "dvce_type", "dvce_ismobile", "width", "height", "useragent"), br, strict=True)},
    })
    k, when = pl.col("kind"), pl.when
    is_tr, is_ti, is_ping = k == K_TR, k == K_TI, k == K_PING
    order = pl.format("HC-{}", pl.col("order_no").cast(pl.String).str.zfill(6))
    refr = pl.col("has_prev")
    frame = base.select(
        pl.col("collector_tstamp").alias("ts"),
        pl.lit("help-centre").alias("app_id"), pl.lit("web").alias("platform"),
        *[_fmt_us(c).alias(c) for c in ("etl_tstamp", "collector_tstamp", "dvce_created_tstamp")],
        "event", "event_id",
        pl.lit("sp").alias("name_tracker"), pl.lit("js-3.24.2").alias("v_tracker"),
        pl.lit("ssc-3.2.0-kinesis").alias("v_collector"),
        pl.lit("snowplow-enrich-kinesis-4.1.0").alias("v_etl"),
        when(pl.col("logged")).then(pl.format("u_{}", pl.col("user_no").cast(pl.String)
                                              .str.zfill(6))).alias("user_id"),
        pl.lit("198.51.100.x").alias("user_ipaddress"),  # IP anonymisation enrichment
        "domain_userid", "domain_sessionidx", pl.col("domain_userid").alias("network_userid"),
        "geo_country", "geo_city", "page_url", "page_title",
        when(refr).then(pl.col("refr_url")).alias("page_referrer"),
        pl.lit("https").alias("page_urlscheme"), pl.lit("help.example.com").alias("page_urlhost"),
        pl.lit("443").alias("page_urlport"), "page_urlpath",
        when(refr).then(pl.lit("https")).alias("refr_urlscheme"),
        when(refr).then(pl.lit("help.example.com")).alias("refr_urlhost"),
        when(refr).then(pl.lit("443")).alias("refr_urlport"),
        when(refr).then(pl.col("refr_urlpath")).alias("refr_urlpath"),
        when(refr).then(pl.lit("internal")).alias("refr_medium"),
        pl.concat_str(
            pl.lit('{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1",'
                   '"data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/'
                   '1-0-0","data":{"id":"'),
            pl.col("pv_id"), pl.lit('"}}]}')).alias("contexts"),
        when(k == K_STRUCT).then(pl.lit("help")).alias("se_category"),
        when(k == K_STRUCT).then(pl.lit("search")).alias("se_action"),
        when(k == K_STRUCT).then(pl.col("query")).alias("se_label"),
        when(k == K_LINK).then(pl.concat_str(
            pl.lit('{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"'
                   ',"data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/'
                   '1-0-1","data":{"targetUrl":"https://shop.example.com/product/'),
            pl.col("target"), pl.lit('","elementClasses":["hc-product-link"]}}}')))
        .when(k == K_FORM).then(pl.lit(
            '{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",'
            '"data":{"schema":"iglu:com.snowplowanalytics.snowplow/submit_form/jsonschema/1-0-0",'
            '"data":{"formId":"contact-support","formClasses":["hc-form"],"elements":[{"name":'
            '"topic","value":"delivery","nodeName":"SELECT"}]}}}'))
        .alias("unstruct_event"),
        when(is_tr).then(order).alias("tr_orderid"),
        when(is_tr).then(pl.lit("help-centre")).alias("tr_affiliation"),
        when(is_tr).then(pl.lit("99.00")).alias("tr_total"),
        when(is_tr).then(pl.lit("15.81")).alias("tr_tax"),
        when(is_tr).then(pl.lit("0.00")).alias("tr_shipping"),
        when(is_tr).then(pl.col("geo_city")).alias("tr_city"),
        when(is_tr).then(pl.col("geo_country")).alias("tr_country"),
        when(is_ti).then(order).alias("ti_orderid"),
        when(is_ti).then(pl.lit("cp-1")).alias("ti_sku"),
        when(is_ti).then(pl.lit("Care Plan 3 Years")).alias("ti_name"),
        when(is_ti).then(pl.lit("care-plans")).alias("ti_category"),
        when(is_ti).then(pl.lit("99.00")).alias("ti_price"),
        when(is_ti).then(pl.lit("1")).alias("ti_quantity"),
        when(is_ping).then(pl.lit("0")).alias("pp_xoffset_min"),
        when(is_ping).then(pl.col("ping_x").cast(pl.String)).alias("pp_xoffset_max"),
        when(is_ping).then((pl.col("ping_y") // 3).cast(pl.String)).alias("pp_yoffset_min"),
        when(is_ping).then(pl.col("ping_y").cast(pl.String)).alias("pp_yoffset_max"),
        "useragent", "br_name", "br_family", "br_version",
        pl.lit("Browser").alias("br_type"), pl.lit("WEBKIT").alias("br_renderengine"),
        pl.lit("de-DE").alias("br_lang"), pl.lit("1").alias("br_cookies"),
        pl.lit("24").alias("br_colordepth"),
        pl.col("width").cast(pl.String).alias("br_viewwidth"),
        (pl.col("height") - 120).cast(pl.String).alias("br_viewheight"),
        "os_name", "os_family", "os_manufacturer", pl.col("geo_timezone").alias("os_timezone"),
        "dvce_type", "dvce_ismobile",
        pl.col("width").cast(pl.String).alias("dvce_screenwidth"),
        pl.col("height").cast(pl.String).alias("dvce_screenheight"),
        pl.lit("UTF-8").alias("doc_charset"), pl.col("width").cast(pl.String).alias("doc_width"),
        pl.lit("3200").alias("doc_height"),
        when(is_tr).then(pl.lit("EUR")).alias("tr_currency"),
        when(is_tr).then(pl.lit("99.00")).alias("tr_total_base"),
        when(is_tr).then(pl.lit("15.81")).alias("tr_tax_base"),
        when(is_tr).then(pl.lit("0.00")).alias("tr_shipping_base"),
        when(is_ti).then(pl.lit("EUR")).alias("ti_currency"),
        when(is_ti).then(pl.lit("99.00")).alias("ti_price_base"),
        pl.lit("EUR").alias("base_currency"), "geo_timezone",
        _fmt_us("dvce_sent_tstamp").alias("dvce_sent_tstamp"), "domain_sessionid",
        _fmt_us("derived_tstamp").alias("derived_tstamp"),
        "event_vendor", "event_name", pl.lit("jsonschema").alias("event_format"),
        "event_version", "event_fingerprint",
    )
    return frame.select(
        "ts",
        *[pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c)
          for c in SNOWPLOW_ENRICHED_COLUMNS],
    )


_SP_INTS = ("txn_id", "domain_sessionidx", "page_urlport", "refr_urlport", "ti_quantity",
            "pp_xoffset_min", "pp_xoffset_max", "pp_yoffset_min", "pp_yoffset_max",
            "br_viewwidth", "br_viewheight", "dvce_screenwidth", "dvce_screenheight",
            "doc_width", "doc_height")
_SP_DOUBLES = ("geo_latitude", "geo_longitude", "tr_total", "tr_tax", "tr_shipping", "ti_price",
               "tr_total_base", "tr_tax_base", "tr_shipping_base", "ti_price_base")


def _snowplow_sdk_lines(frame: pl.DataFrame) -> pl.Series:
    """The Analytics SDK's JSON of each enriched row: typed fields, `...Z` timestamps, contexts and
    unstruct events flattened to keys named after their schema, empty fields left out."""
    c = pl.col
    bools = [x for x in SNOWPLOW_ENRICHED_COLUMNS if x.startswith("br_features_")
             or x in ("br_cookies", "dvce_ismobile")]
    fields = []
    for name in SNOWPLOW_ENRICHED_COLUMNS:
        if name in ("contexts", "unstruct_event", "derived_contexts"):
            continue
        if name in _SP_INTS:
            fields.append(c(name).cast(pl.Int64))
        elif name in _SP_DOUBLES:
            fields.append(c(name).cast(pl.Float64))
        elif name in bools:
            fields.append((c(name) == "1").alias(name))
        elif name.endswith("_tstamp"):
            fields.append((c(name).str.replace(" ", "T", literal=True) + "Z").alias(name))
        else:
            fields.append(c(name))
    web_page = c("contexts").str.extract(r'"data":\{"id":"([0-9a-f-]+)"\}', 1)
    unstruct_data = c("unstruct_event").str.extract(r'"data":\{"schema":"[^"]+","data":(\{.*\})\}\}$', 1)
    kinds = {"link_click": "unstruct_event_com_snowplowanalytics_snowplow_link_click_1",
             "submit_form": "unstruct_event_com_snowplowanalytics_snowplow_submit_form_1"}
    placeholders = [
        pl.when(c("event_name") == event).then(pl.lit(f"@{event}@")).alias(key)
        for event, key in kinds.items()
    ]
    encoded = pl.struct(
        *fields,
        pl.concat_list(pl.struct(web_page.alias("id")))
        .alias("contexts_com_snowplowanalytics_snowplow_web_page_1"),
        *placeholders,
    ).struct.json_encode()
    # the unstruct data is JSON already: splice it in where its placeholder string stands
    for event in kinds:
        encoded = pl.when(c("event_name") == event).then(
            encoded.str.replace(f'"@{event}@"', unstruct_data, literal=True)).otherwise(encoded)
    return frame.select(_drop_nulls(encoded).alias("line")).to_series()


# ---- writing -----------------------------------------------------------------------------------
def _append(path: Path, lines: pl.Series) -> None:
    if lines.len():
        with path.open("ab") as handle:
            handle.write(("\n".join(lines.to_list()) + "\n").encode())


def write_web_exports(out_dir: Path, people: pl.DataFrame, seed: int, start_us: int, end_us: int,
                      defects: bool = True, snowplow_format: str = "enriched") -> dict[str, int]:
    """Write snowplow/ and segment/ under out_dir for the generator's people; rows per file kind.

    `people`: the generator's contacts (pid, first/last/pattern/domain for the email, geo, signed,
    create, customer). Existing sample files of these folders are replaced. ``snowplow_format=
    "atomic"`` writes the same Snowplow events as a CSV dump of the atomic.events table
    (snowplow_atomic/events.csv) instead of snowplow/.
    """
    if snowplow_format not in SNOWPLOW_FORMATS:
        raise ValueError(f"snowplow_format must be enriched or atomic, got {snowplow_format!r}")
    rng = np.random.default_rng([seed, 2 << 40, RNG_KEY])
    atomic = snowplow_format == "atomic"
    sp_dir = Path(out_dir) / ("snowplow_atomic" if atomic else "snowplow")
    seg_dir = Path(out_dir) / "segment"
    for folder, patterns in ((sp_dir, ("*.tsv", "*.tsv.gz", "*.jsonl", "*.csv")),
                             (seg_dir, ("*.ndjson", "*.ndjson.gz"))):
        folder.mkdir(parents=True, exist_ok=True)
        for pattern in patterns:
            for old in folder.glob(pattern):
                old.unlink()
    people = people.sort("pid").with_columns(pl.lit(0).alias("app_variant"))
    people = people.with_columns(_email("app_variant").alias("app_email"))
    json_from = end_us - JSON_DAYS * DAY_US
    counts = {"snowplow_events": 0, "segment_events": 0}
    orders = {"app": 0, "hc": 0}
    for lo in range(0, max(people.height, 1), CHUNK_PEOPLE):
        chunk = people.slice(lo, CHUNK_PEOPLE)
        seg = _segment_frame(rng, chunk, start_us, end_us, orders["app"])
        orders["app"] += int(seg["line"].str.contains('"event":"Order Completed"').sum())
        seg = seg.with_columns(
            pl.from_epoch("ts", time_unit="us").dt.strftime("%Y-%m").alias("month")).sort("ts")
        for (month,), part in seg.group_by("month", maintain_order=True):
            _append(seg_dir / f"{month}.ndjson", part["line"])
        counts["segment_events"] += seg.height
        sp = _snowplow_frame(rng, chunk, start_us, end_us, orders["hc"])
        orders["hc"] += int((sp["event"] == "transaction").sum())
        sp = sp.sort("ts")
        counts["snowplow_events"] += sp.height
        if atomic:
            _append_atomic(sp_dir / ATOMIC_FILE, sp.drop("ts"))
            continue
        tsv = sp.filter(pl.col("ts") < json_from).drop("ts")
        if tsv.height:
            with (sp_dir / "enriched_events.tsv").open("ab") as handle:
                tsv.write_csv(handle, separator="\t", include_header=False, quote_style="never",
                              null_value="")
        sdk = sp.filter(pl.col("ts") >= json_from)
        _append(sp_dir / "enriched_events_sdk.jsonl", _snowplow_sdk_lines(sdk))
    if defects:
        counts["snowplow_events"] += (_atomic_defects(sp_dir / ATOMIC_FILE) if atomic
                                      else _snowplow_defects(sp_dir / "enriched_events.tsv"))
        counts["segment_events"] += _segment_defects(seg_dir)
    # both tools deliver gzip to S3 (and it keeps the sample small); the SDK's JSON stays readable
    for path in [sp_dir / "enriched_events.tsv", *sorted(seg_dir.glob("*.ndjson"))]:
        if path.exists():
            _gzip_in_place(path)
    return counts


def _gzip_in_place(path: Path) -> None:
    """path → path.gz, byte-identical for the same input (no name, no time in the header)."""
    with path.open("rb") as src, (path.parent / (path.name + ".gz")).open("wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
        shutil.copyfileobj(src, out, 1 << 20)
    path.unlink()


def _append_atomic(path: Path, frame: pl.DataFrame) -> None:
    """Rows of the enriched events as a warehouse's CSV unload of atomic.events: a header line, the
    same field values (empty = null), and the loader's load_tstamp (here the enrichment's time)."""
    if not frame.height:
        return
    frame = frame.with_columns(pl.col("etl_tstamp").alias("load_tstamp"))
    with path.open("ab") as handle:
        frame.write_csv(handle, include_header=handle.tell() == 0, null_value="")


def _atomic_defects(path: Path) -> int:
    """The Snowplow defects a table dump can hold, as extra rows: an event exported twice and one
    whose ``derived_tstamp`` is ``2026-13-45 25:61:00.000`` (a dump cannot lose a field)."""
    if not path.exists():
        return 0
    frame = pl.read_csv(path, infer_schema=False)
    n = frame.height
    pick = [min(n - 1, round(n * f)) for f in (0.5, 0.75)]
    bad = frame.slice(pick[1], 1).with_columns(
        pl.lit("2026-13-45 25:61:00.000").alias("derived_tstamp"),
        (pl.col("event_id").str.slice(0, 32) + "dead").alias("event_id"))  # a new event, not a copy
    frame = pl.concat([frame.slice(0, pick[0] + 1), frame.slice(pick[0], 1),
                       frame.slice(pick[0] + 1, pick[1] - pick[0]), bad, frame.slice(pick[1] + 1)])
    frame.write_csv(path, null_value="")
    return 2


def _snowplow_defects(path: Path) -> int:
    """The three Snowplow defects, as extra lines in the TSV (see the module docstring)."""
    if not path.exists():
        return 0
    lines = path.read_bytes().splitlines(keepends=True)
    n = len(lines)
    pick = [min(n - 1, round(n * f)) for f in (0.25, 0.5, 0.75)]
    short = lines[pick[0]].rstrip(b"\n").rsplit(b"\t", 1)[0] + b"\n"
    fields = lines[pick[2]].rstrip(b"\n").split(b"\t")
    derived = SNOWPLOW_ENRICHED_COLUMNS.index("derived_tstamp")
    event_id = SNOWPLOW_ENRICHED_COLUMNS.index("event_id")
    fields[derived] = b"2026-13-45 25:61:00.000"
    fields[event_id] = fields[event_id][:-4] + b"dead"  # a new event, not a copy
    _insert_lines(path, [(pick[0], short), (pick[1], lines[pick[1]]),
                         (pick[2], b"\t".join(fields) + b"\n")])
    return 3


def _segment_defects(folder: Path) -> int:
    """The three Segment defects, as extra lines in the middle month's file."""
    files = sorted(folder.glob("*.ndjson"))
    if not files:
        return 0
    path = files[len(files) // 2]
    lines = path.read_bytes().splitlines(keepends=True)
    n = len(lines)
    pick = [min(n - 1, round(n * f)) for f in (0.3, 0.5, 0.7)]
    retry = json.loads(lines[pick[0]])
    retry["receivedAt"] = retry["receivedAt"][:-4] + "999Z"  # a retry: same messageId
    nameless = json.loads(lines[pick[1]])
    nameless.update(type="track", messageId=nameless["messageId"][:-4] + "beef")
    nameless.pop("event", None)
    nameless.pop("name", None)
    old = json.loads(lines[pick[2]])
    old.update(messageId=old["messageId"][:-4] + "1999", timestamp="1999-06-15T10:00:00.000Z")
    _insert_lines(path, [(pick[0] + 2, json.dumps(retry, separators=(",", ":")).encode() + b"\n"),
                         (pick[1], json.dumps(nameless, separators=(",", ":")).encode() + b"\n"),
                         (pick[2], json.dumps(old, separators=(",", ":")).encode() + b"\n")])
    return 3


# ---- GA4 as Parquet ----------------------------------------------------------------------------
# The BigQuery export's schema with its real types (INT64 columns as integers, not as the JSON
# strings `bq extract` writes), as `EXPORT DATA ... format = 'PARQUET'` writes it.
_GA4_VALUE = "STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE, double_value DOUBLE)"
GA4_PARQUET_COLUMNS: dict[str, str] = {
    "event_date": "VARCHAR",
    "event_timestamp": "BIGINT",
    "event_name": "VARCHAR",
    "event_params": f"STRUCT(key VARCHAR, value {_GA4_VALUE})[]",
    "user_id": "VARCHAR",
    "user_pseudo_id": "VARCHAR",
    "user_properties": "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
                       "float_value DOUBLE, double_value DOUBLE, set_timestamp_micros BIGINT))[]",
    "user_first_touch_timestamp": "BIGINT",
    "device": "STRUCT(category VARCHAR, mobile_brand_name VARCHAR, operating_system VARCHAR, "
              "operating_system_version VARCHAR, language VARCHAR, web_info STRUCT(browser VARCHAR, "
              "browser_version VARCHAR, hostname VARCHAR))",
    "geo": "STRUCT(city VARCHAR, country VARCHAR, continent VARCHAR, region VARCHAR, "
           "sub_continent VARCHAR)",
    "traffic_source": "STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)",
    "stream_id": "VARCHAR",
    "platform": "VARCHAR",
    "ecommerce": "STRUCT(total_item_quantity BIGINT, purchase_revenue_in_usd DOUBLE, "
                 "purchase_revenue DOUBLE, tax_value DOUBLE, unique_items BIGINT, "
                 "transaction_id VARCHAR)",
    "collected_traffic_source": "STRUCT(manual_source VARCHAR, manual_medium VARCHAR, "
                                "manual_campaign_name VARCHAR, gclid VARCHAR)",
}


def convert_ga4_to_parquet(ga4_dir: Path) -> int:
    """Replace the GA4 day files (`events_*.ndjson`) by one typed Parquet shard; rows written.

    A BigQuery `EXPORT DATA` over `events_*` writes shards (`events_000000000000.parquet`), not
    one file per day. Lines that Parquet cannot hold (not JSON, or an `event_timestamp` that is
    no integer) have no typed form and are left out; every other line, defects included, is a row.
    DuckDB streams the conversion, so memory stays flat for any N.
    """
    import duckdb

    files = sorted(ga4_dir.glob("events_*.ndjson"))
    target = ga4_dir / "events_000000000000.parquet"
    if not files:
        return 0
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # one writer thread: the same rows give the same bytes
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in GA4_PARQUET_COLUMNS.items()) + "}"
        con.execute(
            f"""
            COPY (
                SELECT * FROM read_json($files, format = 'newline_delimited',
                                        columns = {columns}, ignore_errors = true)
                WHERE event_timestamp IS NOT NULL
            ) TO $target (FORMAT parquet, COMPRESSION zstd)
            """,  # noqa: S608 (columns: the constant schema above)
            {"files": [str(f) for f in files], "target": str(target)},
        )
        rows = con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(target)}).fetchall()
    finally:
        con.close()
    for path in files:
        path.unlink()
    return int(rows[0][0])
