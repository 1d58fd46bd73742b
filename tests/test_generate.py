"""The synthetic export generator: formats from docs/sources.md, determinism, defects, realism."""

from __future__ import annotations

import csv
import functools
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

import journeyflow.generate as gen
from journeyflow.generate import DEFECT_ROWS, DEFECTS, generate
from journeyflow.generate.crm import CRM_DEFECT_ROWS
from journeyflow.generate.custom import CUSTOM_DEFECT_ROWS
from journeyflow.generate.email import EMAIL_DEFECT_ROWS
from journeyflow.generate.klaviyo import KLAVIYO_DEFECT_ROWS
from journeyflow.generate.shop import SHOP_DEFECT_ROWS
from journeyflow.generate.social import SOCIAL_DEFECT_ROWS
from journeyflow.generate.support import SUPPORT_DEFECT_ROWS

START = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2026, 9, 29, tzinfo=UTC)  # start + 120 days
START_US, END_US = int(START.timestamp() * 1e6), int(END.timestamp() * 1e6)
Y2K_US = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1e6)
HUBSPOT_DATE = "%Y-%m-%d %H:%M"
ISO = "%Y-%m-%dT%H:%M:%SZ"
CONTACT_HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Create Date",
    "Lifecycle Stage", "Original Source", "Became a Lead Date",
    "Became a Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date",
    "Became a Customer Date", "Last Marketing Email Open Date", "Web User ID",
]
STAGES = ["Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
          "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost"]
DEAL_HEADER = [
    "Record ID", "Deal Name", "Pipeline", "Deal Stage", "Amount", "Create Date", "Close Date",
    "Deal owner", "Associated Contact IDs",
    *[f'Date entered "{s} (Sales Pipeline)"' for s in STAGES],
]
GA4_EVENTS = {"page_view", "session_start", "first_visit", "view_item", "add_to_cart",
              "begin_checkout", "purchase", "sign_up", "login", "generate_lead",
              "cancel_subscription"}


# ---- readers -----------------------------------------------------------------------------------
def ga4_lines(root: Path) -> list[bytes]:
    return [line for f in sorted((root / "ga4").glob("events_*.ndjson"))
            for line in f.read_bytes().splitlines()]


@functools.cache
def ga4_events(root: Path) -> list[dict]:
    """Valid GA4 events only (the defect lines are skipped); cached, treat as read-only."""
    out = []
    for line in ga4_lines(root):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        ts = event["event_timestamp"]
        if ts.isdigit() and int(ts) >= Y2K_US:
            out.append(event)
    return out


def params(event: dict) -> dict[str, dict]:
    return {p["key"]: p["value"] for p in event["event_params"]}


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def dict_rows(path: Path) -> list[dict[str, str]]:
    header, rows = csv_rows(path)
    return [dict(zip(header, r, strict=True)) for r in rows if len(r) == len(header)]


def zendesk(root: Path, name: str) -> dict:
    return json.loads((root / "zendesk" / f"{name}.json").read_text(encoding="utf-8"))


def norm(email: str) -> str:
    return email.strip().lower()


def parses(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def us(value: str, fmt: str) -> int:
    return int(datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp() * 1e6)


def all_files(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


# ---- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(generated: tuple[Path, dict[str, int]]) -> tuple[Path, dict[str, int]]:
    return generated  # generate(out, persons=200, seed=42), once per session (conftest.py)


@pytest.fixture(scope="module")
def clean(generated_clean: Path) -> Path:
    return generated_clean  # generate(out, persons=200, seed=42, defects=False), once per session


# ---- files and formats -------------------------------------------------------------------------
def test_files_exist_with_documented_headers(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    day_files = sorted((root / "ga4").glob("*"))
    assert len(day_files) > 30
    assert all(re.fullmatch(r"events_2026\d{4}\.ndjson", f.name) for f in day_files)
    assert csv_rows(root / "hubspot" / "contacts.csv")[0] == CONTACT_HEADER
    assert csv_rows(root / "hubspot" / "deals.csv")[0] == DEAL_HEADER
    first_line = (root / "hubspot" / "deals.csv").read_text(encoding="utf-8").splitlines()[0]
    assert '"Date entered ""Closed Won (Sales Pipeline)"""' in first_line
    assert csv_rows(root / "surveys" / "nps.csv")[0] == [
        "response_id", "email", "score", "comment", "answered_at"]
    for name in ("tickets", "users"):
        body = zendesk(root, name)
        assert list(body) == [name, "next_page", "previous_page", "count"]
        assert body["count"] == len(body[name]) and body["next_page"] is None


def test_counts_match_files(sample: tuple[Path, dict[str, int]]) -> None:
    root, counts = sample
    assert counts["ga4_events"] == len(ga4_lines(root))
    assert counts["hubspot_contacts"] == len(csv_rows(root / "hubspot" / "contacts.csv")[1])
    assert counts["hubspot_deals"] == len(csv_rows(root / "hubspot" / "deals.csv")[1])
    assert counts["zendesk_tickets"] == zendesk(root, "tickets")["count"]
    assert counts["zendesk_users"] == zendesk(root, "users")["count"]
    assert counts["survey_nps"] == len(csv_rows(root / "surveys" / "nps.csv")[1])
    # CRM: test_generate_crm.py; snowplow/segment: test_generate_web.py; custom: test_custom_sources.py
    assert set(counts) == (set(DEFECT_ROWS) | set(CRM_DEFECT_ROWS) | set(SUPPORT_DEFECT_ROWS)
                           | set(CUSTOM_DEFECT_ROWS) | set(SHOP_DEFECT_ROWS)
                           | set(SOCIAL_DEFECT_ROWS) | set(EMAIL_DEFECT_ROWS)
                           | set(KLAVIYO_DEFECT_ROWS))


def test_ga4_event_shape_and_int64_as_strings(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    events = ga4_events(root)
    assert len(events) > 1000
    for e in events:
        assert e["event_name"] in GA4_EVENTS
        assert isinstance(e["event_timestamp"], str) and e["event_timestamp"].isdigit()
        assert isinstance(e["user_first_touch_timestamp"], str)
        assert e["event_date"] == datetime.fromtimestamp(
            int(e["event_timestamp"]) / 1e6, UTC).strftime("%Y%m%d")
        assert e["platform"] == "WEB" and e["user_properties"] == []
        assert re.fullmatch(r"\d+\.\d+", e["user_pseudo_id"])
        assert e["user_id"] is None or re.fullmatch(r"u_\d{6}", e["user_id"])
        assert set(e["traffic_source"]) == {"name", "medium", "source"}
        assert {"category", "operating_system", "web_info"} <= set(e["device"])
        assert {"country", "city"} <= set(e["geo"])
        p = params(e)
        for entry in e["event_params"]:
            assert set(entry["value"]) == {"string_value", "int_value", "float_value",
                                           "double_value"}
        sid = p["ga_session_id"]["int_value"]
        assert isinstance(sid, str) and sid.isdigit()
        assert p["ga_session_number"]["int_value"].isdigit()
        assert p["page_location"]["string_value"].startswith("https://shop.example.com/")
        assert p["page_title"]["string_value"]
        if e["event_name"] == "purchase":
            assert p["currency"]["string_value"] == "EUR"
            assert p["value"]["double_value"] == e["ecommerce"]["purchase_revenue"] > 0
            assert p["transaction_id"]["string_value"] == e["ecommerce"]["transaction_id"]
            assert isinstance(e["ecommerce"]["total_item_quantity"], str)
        else:
            assert e["ecommerce"] is None
        cts = e["collected_traffic_source"]
        if cts is not None:
            assert set(cts) == {"manual_source", "manual_medium", "manual_campaign_name", "gclid"}
            assert p["source"]["string_value"] == cts["manual_source"]
            assert e["event_name"] in {"session_start", "page_view"}
    names = Counter(e["event_name"] for e in events)
    assert set(names) >= GA4_EVENTS
    mediums = {e["traffic_source"]["medium"] for e in events}
    assert mediums == {"organic", "cpc", "paid_social", "email", "referral", "(none)", "display",
                       "offline"}
    assert len({p["transaction_id"]["string_value"] for e in events
                if (p := params(e)) and e["event_name"] == "purchase"}) == names["purchase"]


def test_hubspot_zendesk_nps_vocabularies(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    contacts = dict_rows(root / "hubspot" / "contacts.csv")
    assert {c["Lifecycle Stage"] for c in contacts} <= {
        "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
        "customer", "evangelist"}
    assert {c["Original Source"] for c in contacts} <= {
        "Organic Search", "Paid Search", "Email Marketing", "Social Media", "Referrals",
        "Other Campaigns", "Direct Traffic", "Offline Sources", "Paid Social"}
    deals = dict_rows(root / "hubspot" / "deals.csv")
    assert {d["Deal Stage"] for d in deals} <= set(STAGES)
    assert "Closed Won" in {d["Deal Stage"] for d in deals}
    for t in zendesk(root, "tickets")["tickets"]:
        assert t["url"].endswith(f"/tickets/{t['id']}.json")
        assert t["status"] in {"new", "open", "pending", "hold", "solved", "closed"}
        assert t["via"]["channel"] in {"email", "web", "chat", "voice", "api"}
        assert t["satisfaction_rating"]["score"] in {"good", "bad", "offered", "unoffered"}
        assert isinstance(t["requester_id"], int)
    user_ids = {u["id"] for u in zendesk(root, "users")["users"]}
    assert {t["requester_id"] for t in zendesk(root, "tickets")["tickets"]} <= user_ids
    comments = [r["comment"] for r in dict_rows(root / "surveys" / "nps.csv")]
    assert any("," in c for c in comments) and any("\n" in c for c in comments)


# ---- determinism -------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert generate(a, persons=150, seed=3) == generate(b, persons=150, seed=3)
    files_a, files_b = all_files(a), all_files(b)
    assert list(files_a) == list(files_b)
    assert files_a == files_b
    # re-running into the same folder replaces (not appends to) the GA4 day files
    generate(a, persons=150, seed=3)
    assert all_files(a) == files_b


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", persons=150, seed=3)
    generate(tmp_path / "b", persons=150, seed=4)
    a, b = all_files(tmp_path / "a"), all_files(tmp_path / "b")
    for name in ("hubspot/contacts.csv", "zendesk/tickets.json", "surveys/nps.csv"):
        assert a[name] != b[name]
    assert set(a) != set(b) or any(a[k] != b[k] for k in a if k.startswith("ga4/"))


def test_chunking_keeps_ids_unique_and_links_intact(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen.core, "CHUNK_PERSONS", 70)  # 200 persons -> 3 chunks
    generate(tmp_path, persons=200, seed=5, defects=False)
    events = ga4_events(tmp_path)
    tx = [params(e)["transaction_id"]["string_value"] for e in events
          if e["event_name"] == "purchase"]
    assert len(tx) == len(set(tx))
    user_ids = {e["user_id"] for e in events if e["user_id"]}
    assert max(int(u[2:]) for u in user_ids) > 140  # persons of the last chunk are there
    contacts = dict_rows(tmp_path / "hubspot" / "contacts.csv")
    assert len({c["Record ID"] for c in contacts}) == len(contacts)
    assert {c["Web User ID"] for c in contacts if c["Web User ID"]} <= user_ids


# ---- defects -----------------------------------------------------------------------------------
def test_every_defect_present_exactly_once(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    # 10 here, 6 more for Snowplow and Segment (checked in test_generate_web.py)
    assert len(DEFECTS) == 16 and sum(DEFECT_ROWS.values()) == 16
    lines = ga4_lines(root)
    invalid, not_a_number, before_2000 = 0, 0, 0
    for line in lines:
        try:
            ts = json.loads(line)["event_timestamp"]
        except json.JSONDecodeError:
            invalid += 1
            continue
        if not ts.isdigit():
            not_a_number += ts == "not-a-number"
        elif int(ts) < Y2K_US:
            before_2000 += datetime.fromtimestamp(int(ts) / 1e6, UTC).year == 1999
    assert (invalid, not_a_number, before_2000) == (1, 1, 1)
    assert sum(a == b for a, b in zip(lines, lines[1:], strict=False)) == 1
    assert len(lines) - len(set(lines)) == 1

    header, rows = csv_rows(root / "hubspot" / "contacts.csv")
    assert sum(len(r) == len(header) + 1 for r in rows) == 1
    assert all(len(r) in (len(header), len(header) + 1) for r in rows)
    create = [r[5] for r in rows if len(r) == len(header)]
    assert [c for c in create if not parses(c, HUBSPOT_DATE)] == ["31.02.2026 10:00"]

    amounts = [d["Amount"] for d in dict_rows(root / "hubspot" / "deals.csv")]
    assert [a for a in amounts if not re.fullmatch(r"\d+\.\d{2}", a)] == ["n/a"]

    tickets = zendesk(root, "tickets")["tickets"]
    assert sum(t["created_at"] is None for t in tickets) == 1

    _, nps = csv_rows(root / "surveys" / "nps.csv")
    assert [r[2] for r in nps if not (r[2].isdigit() and 0 <= int(r[2]) <= 10)] == ["11"]
    assert sum(a == b for a, b in zip(nps, nps[1:], strict=False)) == 1
    assert len(nps) - len({tuple(r) for r in nps}) == 1


def test_defects_are_extra_rows_only(sample: tuple[Path, dict[str, int]], clean: Path) -> None:
    root, counts = sample
    for kind, extra in DEFECT_ROWS.items():
        assert counts[kind] >= extra
    dirty, tidy = ga4_lines(root), ga4_lines(clean)
    assert len(dirty) == len(tidy) + DEFECT_ROWS["ga4_events"]
    assert not Counter(tidy) - Counter(dirty)  # every clean line is still there
    for name, kind in (("hubspot/contacts.csv", "hubspot_contacts"),
                       ("hubspot/deals.csv", "hubspot_deals"), ("surveys/nps.csv", "survey_nps")):
        _, a = csv_rows(root / name)
        _, b = csv_rows(clean / name)
        assert len(a) == len(b) + DEFECT_ROWS[kind]
        assert not Counter(map(tuple, b)) - Counter(map(tuple, a))
    a_t, b_t = zendesk(root, "tickets")["tickets"], zendesk(clean, "tickets")["tickets"]
    assert [t for t in a_t if t["created_at"] is not None] == b_t


def test_no_defects_when_disabled(clean: Path) -> None:
    lines = ga4_lines(clean)
    assert len(ga4_events(clean)) == len(lines) == len(set(lines))
    header, rows = csv_rows(clean / "hubspot" / "contacts.csv")
    assert all(len(r) == len(header) and parses(r[5], HUBSPOT_DATE) for r in rows)
    _, nps = csv_rows(clean / "surveys" / "nps.csv")
    assert all(0 <= int(r[2]) <= 10 for r in nps) and len(nps) == len({tuple(r) for r in nps})
    assert all(t["created_at"] for t in zendesk(clean, "tickets")["tickets"])


# ---- time --------------------------------------------------------------------------------------
def test_all_valid_timestamps_inside_window(clean: Path) -> None:
    for e in ga4_events(clean):
        assert START_US <= int(e["event_timestamp"]) < END_US
        assert START_US <= int(e["user_first_touch_timestamp"]) <= int(e["event_timestamp"])
    for name, fmt in (("contacts", HUBSPOT_DATE), ("deals", HUBSPOT_DATE)):
        for row in dict_rows(clean / "hubspot" / f"{name}.csv"):
            for col, value in row.items():
                if "Date" in col and value:
                    assert START_US <= us(value, fmt) < END_US, (col, value)
    for name in ("tickets", "users"):
        for rec in zendesk(clean, name)[name]:
            for col in ("created_at", "updated_at"):
                assert START_US <= us(rec[col], ISO) < END_US
    for row in dict_rows(clean / "surveys" / "nps.csv"):
        assert START_US <= us(row["answered_at"], ISO) < END_US


def test_sessions_are_gapless_and_separated(clean: Path) -> None:
    sessions: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for e in ga4_events(clean):
        key = (e["user_pseudo_id"], params(e)["ga_session_id"]["int_value"])
        sessions.setdefault(key, []).append((int(e["event_timestamp"]), e["event_name"]))
    max_gap = 30 * 60 * 1_000_000
    by_device: dict[str, list[tuple[int, int]]] = {}
    for (device, sid), evs in sessions.items():
        evs.sort()
        assert evs[0][1] in {"first_visit", "session_start"}
        assert int(sid) == evs[0][0] // 1_000_000
        assert all(b[0] - a[0] < max_gap for a, b in zip(evs, evs[1:], strict=False))
        by_device.setdefault(device, []).append((evs[0][0], evs[-1][0]))
    for spans in by_device.values():
        spans.sort()
        assert all(nxt[0] - prev[1] >= max_gap for prev, nxt in zip(spans, spans[1:],
                                                                    strict=False))
    multi = sum(len(s) > 1 for s in by_device.values())
    assert multi > len(by_device) // 4  # journeys span several sessions


# ---- identity and consistency across sources ---------------------------------------------------
def test_cross_source_identity(sample: tuple[Path, dict[str, int]]) -> None:
    root, _ = sample
    events = ga4_events(root)
    contacts = dict_rows(root / "hubspot" / "contacts.csv")
    users = [u for u in zendesk(root, "users")["users"] if u["role"] == "end-user"]
    nps = dict_rows(root / "surveys" / "nps.csv")
    ga4_users = {e["user_id"] for e in events if e["user_id"]}
    hubspot_users = {c["Web User ID"] for c in contacts if c["Web User ID"]}
    assert ga4_users & hubspot_users and hubspot_users <= ga4_users
    hs_emails = {norm(c["Email"]) for c in contacts}
    zd_emails = {norm(u["email"]) for u in users}
    assert zd_emails and zd_emails <= hs_emails
    assert {norm(r["email"]) for r in nps} <= hs_emails
    # normalisation matters: some emails differ only in case/whitespace between sources
    raw_hs = {c["Email"] for c in contacts}
    assert any(u["email"] not in raw_hs for u in users)
    assert any(c["Email"] != norm(c["Email"]) for c in contacts)
    assert all(re.search(r"@example\.(com|org)$", norm(c["Email"])) for c in contacts)
    external = [u["external_id"] for u in users]
    assert {x for x in external if x} <= ga4_users
    assert 0 < sum(x is None for x in external) < len(external)
    record_ids = {c["Record ID"] for c in contacts}
    for deal in dict_rows(root / "hubspot" / "deals.csv"):
        assert deal["Associated Contact IDs"].split(";")[0] in record_ids
    pseudo_ids: dict[str, set[str]] = {}
    for e in events:
        if e["user_id"]:
            pseudo_ids.setdefault(e["user_id"], set()).add(e["user_pseudo_id"])
    assert any(len(p) == 2 for p in pseudo_ids.values())  # some logged-in persons use 2 devices


def test_crm_dates_agree_with_web_events(clean: Path) -> None:
    first: dict[tuple[str, str], int] = {}
    for e in ga4_events(clean):
        if e["user_id"] and e["event_name"] in {"sign_up", "purchase"}:
            key = (e["user_id"], e["event_name"])
            first[key] = min(first.get(key, 1 << 62), int(e["event_timestamp"]))
    minute = 60_000_000
    checked = 0
    for c in dict_rows(clean / "hubspot" / "contacts.csv"):
        uid = c["Web User ID"]
        if not uid:
            continue
        create = us(c["Create Date"], HUBSPOT_DATE)
        assert create <= first[(uid, "sign_up")] + 11 * minute
        if (uid, "purchase") in first:
            customer = us(c["Became a Customer Date"], HUBSPOT_DATE)
            assert 0 <= customer - first[(uid, "purchase")] + minute <= 32 * minute
            checked += 1
    assert checked > 10


def test_funnel_shape_is_plausible(tmp_path: Path) -> None:
    generate(tmp_path, persons=3000, seed=11, defects=False)
    con = duckdb.connect()
    columns = ("{event_name: 'VARCHAR', event_timestamp: 'VARCHAR', user_pseudo_id: 'VARCHAR', "
               "user_id: 'VARCHAR', event_params: 'STRUCT(key VARCHAR, value STRUCT("
               "string_value VARCHAR, int_value VARCHAR, float_value DOUBLE, "
               "double_value DOUBLE))[]'}")
    con.execute(f"""
        CREATE TABLE ev AS SELECT event_name, user_pseudo_id AS anon, user_id AS uid,
            list_filter(event_params, lambda p: p.key = 'page_location')[1]
                .value.string_value AS url
        FROM read_json('{tmp_path}/ga4/*.ndjson', format = 'newline_delimited', columns = {columns})
    """)
    (n, aware_only, buyers, churned), = con.execute("""
        WITH person AS (SELECT anon, max(uid) OVER (PARTITION BY anon) AS uid FROM ev),
        ids AS (SELECT DISTINCT anon, coalesce(uid, anon) AS who FROM person),
        per AS (
            SELECT who,
                bool_or(regexp_matches(url, '/(product|pricing|compare|reviews|demo)')
                        OR event_name IN ('sign_up', 'generate_lead')) AS considered,
                bool_or(event_name = 'purchase') AS bought,
                bool_or(event_name = 'cancel_subscription') AS churned
            FROM ev JOIN ids USING (anon) GROUP BY who)
        SELECT count(*), avg((NOT considered)::INT), sum(bought::INT), sum(churned::INT) FROM per
    """).fetchall()
    assert 2900 <= n <= 3000
    assert 0.38 < aware_only < 0.52
    assert 0.15 < buyers / n < 0.28
    deals = dict_rows(tmp_path / "hubspot" / "deals.csv")
    won = sum(d["Deal Stage"] == "Closed Won" for d in deals)
    assert 0.05 < won / n < 0.13
    assert "Closed Lost" in {d["Deal Stage"] for d in deals}
    assert 0.08 < churned / (buyers + won) < 0.22
