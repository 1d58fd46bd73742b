"""The bad-input suite: crafted files of every source, broken in every way we know, in one run.

Each file's records are counted here, from its bytes by the format's own rule (lines split at LF;
Python's csv, json and gzip modules; pyarrow for Parquet), not by journeyflow. The whole pipeline
runs once over all of them: no file may stop it. Then, for every file, quality.load_summary must
read exactly that many records (one, for a file that cannot be split into records at all), and
split them into loaded, rejected and duplicate as the case says.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builders import (
    CONTACT_HEADER,
    CONTACT_SF_HEADER,
    DEAL_HEADER,
    FRESHDESK_CSV_HEADER,
    HISTORY_HEADER,
    LEAD_HEADER,
    NPS_HEADER,
    OPPORTUNITY_HEADER,
    ROLE_HEADER,
    SURVEY_HEADER,
    T0,
    freshdesk_csv_row,
    freshdesk_ticket,
    ga4_event,
    hubspot_contact,
    hubspot_deal,
    hubspot_engagement,
    segment_call,
    sf_id,
    sf_lead,
    snowplow_fields,
    snowplow_sdk_json,
    snowplow_tsv_line,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from conftest import rows, settings_for
from journeyflow import incremental
from journeyflow.config import Settings
from journeyflow.connection import connect
from journeyflow.pipeline import STEPS, open_run, run_pipeline
from journeyflow.sources import SOURCES

csv.field_size_limit(1 << 30)  # the suite's own counting reads records of several MB


@dataclass(frozen=True)
class Crafted:
    """One crafted file: where it goes, its bytes, how to count its records, what must become of them."""

    kind: str
    path: str  # inside the input folder
    data: bytes
    rule: str  # how its records are counted: lines | csv | csv; | json:<key> | json | parquet
    loaded: int
    rejected: int
    duplicate: int = 0
    whole_file: bool = False  # cannot be split into records: one file-level reject
    reason: str | None = None  # a fragment every reject of the file names


# --- counting records by the format's own rule ---------------------------------------------------


def unpacked(data: bytes) -> bytes | None:
    """The bytes after gzip (by magic number), None when the gzip stream is broken."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return None


def independent_count(case: Crafted) -> int | None:
    """How many records the file holds by its format's rule; None when the rule cannot read it."""
    data = unpacked(case.data)
    if data is None:
        return None
    if case.rule == "parquet":
        try:
            return pq.read_table(io.BytesIO(data)).num_rows
        except (OSError, pa.ArrowException):
            return None
    data = data.removeprefix(codecs.BOM_UTF8)
    if case.rule == "lines":  # NDJSON, TSV: split at LF; a line of only spaces and tabs is blank
        return sum(1 for line in data.split(b"\n") if line.rstrip(b"\r").strip(b" \t"))
    text = data.decode("utf-8", "surrogateescape")  # the structure is ASCII in every encoding here
    rule, _, above = case.rule.partition("@")  # csv@2: two report lines above the header
    if rule.startswith("csv"):
        text = "".join(text.splitlines(keepends=True)[int(above or 0):])
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=rule[3:] or ",") if r]
        return len(records) - 1 if records else None  # after the header
    try:
        document = json.loads(text, strict=False)  # a raw control byte in a string is no split error
    except ValueError:
        return None
    key = case.rule.partition(":")[2]
    items = document.get(key) if key and isinstance(document, dict) else document
    return len(items) if isinstance(items, list) else None


# --- building blocks -----------------------------------------------------------------------------

PAD = "x" * 3_000_000  # a 3 MB field: over DuckDB's default 2 MB line
HUGE = "x" * 33_000_000  # over the 32 MB that stopped every run
FAR = "294247-01-10 04:00:54"  # DuckDB casts it; read in New York it overflowed the timestamp range


def lines(*items: dict | str, end: str = "\n") -> bytes:
    return "".join((i if isinstance(i, str) else json.dumps(i, ensure_ascii=False)) + end
                   for i in items).encode("utf-8")


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def csv_bytes(header: list[str], records: list[list[str]], delim: str = ",", encoding: str = "utf-8",
              end: str = "\r\n") -> bytes:
    def field(value: str) -> str:
        if any(c in value for c in (delim, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delim.join(field(v) for v in r) + end for r in [header, *records]).encode(encoding)


def row_bytes(record: list[str], end: str = "\r\n") -> bytes:
    """One CSV row of plain fields (no separator, quote or newline in them)."""
    return (",".join(record) + end).encode("utf-8")


def event(case: str, n: int, **changes: object) -> dict:
    """A GA4 export row of its own (cookie per case and row: no duplicates across files)."""
    return ga4_event(T0 + timedelta(minutes=n), "page_view", f"{case}-{n}", path=f"/{case}/{n}") | changes


def contact(case: str, n: int, created: str = "2026-06-01 10:00", **changes: str) -> list[str]:
    row = hubspot_contact(f"{case}{n}", f"{case}{n}@example.com", created)
    for column, value in changes.items():
        row[CONTACT_HEADER.index(column.replace("_", " "))] = value
    return row


def snowplow(case: str, n: int, **extra: str) -> dict[str, str]:
    return snowplow_fields(T0 + timedelta(minutes=n), f"{case}-0000-4000-8000-{n:012d}", **extra)


def parquet(records: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), buffer)
    return buffer.getvalue()


def ga4_parquet_rows(case: str, *timestamps: int) -> list[dict]:
    return [{"event_timestamp": ts, "event_name": "page_view", "user_pseudo_id": f"{case}-{n}",
             "event_params": [{"key": "page_location",
                               "value": {"string_value": f"https://shop.example.com/{case}/{n}"}}]}
            for n, ts in enumerate(timestamps, 1)]


def corrupt_footer(data: bytes) -> bytes:
    return data[:-10] + b"\xff\xff" + data[-8:]


GOOD_US = int((T0 + timedelta(hours=1)).timestamp() * 1_000_000)
CONTROL_LINE = json.dumps(event("ctl", 4)).replace("/ctl/4", "/ctl/\x014")
JUERGEN = "Jürgen"


def crafted() -> Iterator[Crafted]:  # noqa: PLR0915 (one case after the other)
    # --- GA4 NDJSON and Parquet -----------------------------------------------------------------
    yield Crafted("ndjson_control_byte_x01", "ga4/events_20260601.ndjson",
                  lines(*(CONTROL_LINE if n == 4 else event("ctl", n) for n in range(1, 7))),
                  "lines", 5, 1, reason="control byte 0x01")
    yield Crafted("ndjson_nul_byte", "ga4/events_20260602.ndjson",
                  lines(event("nul", 1), json.dumps(event("nul", 2)).replace("/nul/2", "/nul/\x002"),
                        event("nul", 3), event("nul", 4)),
                  "lines", 3, 1, reason="control byte 0x00")
    yield Crafted("ndjson_line_over_2mb", "ga4/events_20260603.ndjson",
                  lines(event("l2", 1), event("l2", 2, pad=PAD), event("l2", 3)), "lines", 3, 0)
    yield Crafted("ndjson_line_over_32mb", "ga4/events_20260604.ndjson",
                  lines(event("l32", 1), event("l32", 2, pad=HUGE), event("l32", 3)), "lines", 3, 0)
    yield Crafted("ga4_timestamp_int64_max", "ga4/events_20260605.ndjson",
                  lines(event("tmax", 1), event("tmax", 2, event_timestamp="9223372036854775807"),
                        event("tmax", 3)),
                  "lines", 2, 1, reason="event_timestamp out of range: 9223372036854775807")
    yield Crafted("ga4_timestamp_int64_min", "ga4/events_20260606.ndjson",
                  lines(event("tmin", 1, event_timestamp="-9223372036854775808"), event("tmin", 2)),
                  "lines", 1, 1, reason="event_timestamp out of range")
    yield Crafted("ga4_timestamp_beyond_int64", "ga4/events_20260607.ndjson",
                  lines(event("tbig", 1), event("tbig", 2, event_timestamp="99999999999999999999")),
                  "lines", 1, 1, reason="event_timestamp out of range: 99999999999999999999")
    yield Crafted("ga4_value_infinite_and_nan", "ga4/events_20260608.ndjson",
                  lines(event("val", 1),
                        json.dumps(event("val", 2, ecommerce={"purchase_revenue": 1})).replace(
                            '"purchase_revenue": 1', '"purchase_revenue": 1e999'),
                        json.dumps(event("val", 3, ecommerce={"purchase_revenue": 1})).replace(
                            '"purchase_revenue": 1', '"purchase_revenue": NaN')),
                  "lines", 1, 2, reason="value out of range")
    yield Crafted("ndjson_cr_alone_in_a_line", "ga4/events_20260609.ndjson",
                  lines(event("cr", 1), json.dumps(event("cr", 2)).replace("/cr/2", "/cr/\r2"),
                        event("cr", 3)),
                  "lines", 2, 1, reason="line is not valid JSON")
    yield Crafted("ndjson_lf_and_crlf_mixed", "ga4/events_20260610.ndjson",
                  lines(event("mix", 1), end="\r\n") + lines(event("mix", 2))
                  + lines(event("mix", 3), end="\r\n"),
                  "lines", 3, 0)
    yield Crafted("ndjson_cr_line_ends_only", "ga4/events_20260611.ndjson",
                  lines(event("mac", 1), event("mac", 2), end="\r"), "lines", 0, 1,
                  reason="line is not valid JSON")
    yield Crafted("ndjson_utf8_with_one_invalid_byte", "ga4/events_20260612.ndjson",
                  lines(event("u8", 1, page_title=JUERGEN), event("u8", 2, page_title=JUERGEN))
                  + lines(event("u8", 3, page_title=JUERGEN)).decode().encode("cp1252")
                  + lines(event("u8", 4, page_title=JUERGEN)),
                  "lines", 3, 1, reason="not UTF-8")
    yield Crafted("ndjson_gzip_with_escape_byte", "ga4/events_20260613.ndjson.gz",
                  gz(lines(event("gzc", 1), json.dumps(event("gzc", 2)).replace("/gzc/2", "/gzc/\x1b[31m"),
                           event("gzc", 3))),
                  "lines", 2, 1, reason="control byte 0x1B")
    yield Crafted("ndjson_bom_crlf_blank_lines", "ga4/events_20260614.ndjson",
                  codecs.BOM_UTF8 + lines(event("bom", 1), "", "  \t ", event("bom", 2), end="\r\n"),
                  "lines", 2, 0)
    yield Crafted("ndjson_holds_the_line_separator", "ga4/events_20260615.ndjson",
                  lines(event("sep", 1, page_title="a\U0010ffffb"), event("sep", 2)), "lines", 2, 0)
    yield Crafted("ndjson_truncated_last_line", "ga4/events_20260616.ndjson",
                  lines(event("cut", 1), event("cut", 2)) + json.dumps(event("cut", 3)).encode()[:50],
                  "lines", 2, 1, reason="line is not valid JSON")
    yield Crafted("gzip_corrupt", "ga4/events_20260617.ndjson.gz",
                  gz(lines(event("bad", 1), event("bad", 2)))[:-12], "lines", 0, 1, whole_file=True,
                  reason="file could not be read")
    yield Crafted("ndjson_empty", "ga4/events_20260618.ndjson", b"", "lines", 0, 1, whole_file=True,
                  reason="file is empty")
    yield Crafted("gz_name_on_plain_text", "ga4/events_20260619.ndjson.gz",
                  lines(event("plain", 1), event("plain", 2)), "lines", 2, 0)
    yield Crafted("parquet_timestamp_int64_max", "ga4/events_20260620.parquet",
                  parquet(ga4_parquet_rows("pq", GOOD_US, 2**63 - 1)), "parquet", 1, 1,
                  reason="event_timestamp out of range")
    yield Crafted("parquet_corrupt_footer", "ga4/events_20260621.parquet",
                  corrupt_footer(parquet(ga4_parquet_rows("pqf", GOOD_US))), "parquet", 0, 1,
                  whole_file=True, reason="file could not be read")
    yield Crafted("parquet_truncated", "ga4/events_20260622.parquet",
                  parquet(ga4_parquet_rows("pqt", GOOD_US, GOOD_US + 1))[:200], "parquet", 0, 1,
                  whole_file=True, reason="file could not be read")
    yield Crafted("ndjson_values_not_objects", "ga4/events_20260623.ndjson",
                  lines(event("arr", 1), "[1, 2]", "42"), "lines", 1, 2, reason="missing event_timestamp")
    yield Crafted("ndjson_duplicate_line", "ga4/events_20260624.ndjson",
                  lines(event("dup", 1), event("dup", 2), event("dup", 1)), "lines", 2, 0, duplicate=1)
    # --- Snowplow enriched TSV and SDK JSON ------------------------------------------------------
    yield Crafted("tsv_wrong_field_count", "snowplow/enriched_a.tsv",
                  lines(snowplow_tsv_line(snowplow("0a", 1)), "\t".join(["x"] * 60),
                        snowplow_tsv_line(snowplow("0a", 2))),
                  "lines", 2, 1, reason="expected 131 tab-separated fields, found 60")
    yield Crafted("tsv_control_byte_is_data", "snowplow/enriched_b.tsv",
                  lines(snowplow_tsv_line(snowplow("0b", 1, useragent="Mozilla\x01/5.0")),
                        snowplow_tsv_line(snowplow("0b", 2))), "lines", 2, 0)
    yield Crafted("tsv_cr_alone_in_a_field", "snowplow/enriched_c.tsv",
                  lines(snowplow_tsv_line(snowplow("0c", 1, page_title="a\rb")),
                        snowplow_tsv_line(snowplow("0c", 2))), "lines", 2, 0)
    yield Crafted("tsv_gzip_line_over_2mb", "snowplow/run=2026-06-01-00-00-00/part-00000.gz",
                  gz(lines(snowplow_tsv_line(snowplow("0d", 1, useragent=PAD)),
                           snowplow_tsv_line(snowplow("0d", 2)))), "lines", 2, 0)
    yield Crafted("tsv_utf8_with_one_invalid_byte", "snowplow/enriched_e.tsv",
                  lines(snowplow_tsv_line(snowplow("0e", 1, page_title=JUERGEN)),
                        snowplow_tsv_line(snowplow("0e", 2, page_title=JUERGEN)))
                  + snowplow_tsv_line(snowplow("0e", 3, page_title=JUERGEN)).encode("cp1252") + b"\n",
                  "lines", 2, 1, reason="not UTF-8")
    yield Crafted("snowplow_json_invalid_line", "snowplow/enriched_f.ndjson",
                  lines(snowplow_sdk_json(snowplow("0f", 1)), '{"event_id": ',
                        snowplow_sdk_json(snowplow("0f", 2))), "lines", 2, 1, reason="line is not valid JSON")
    yield Crafted("tsv_values_out_of_range", "snowplow/enriched_g.tsv",
                  lines(snowplow_tsv_line(snowplow("01", 1)),
                        snowplow_tsv_line(snowplow("01", 2, collector_tstamp=FAR + ".000")),
                        snowplow_tsv_line(snowplow("01", 3, event="transaction", tr_total="1e999"))),
                  "lines", 1, 2)
    # --- Segment --------------------------------------------------------------------------------
    seg = lambda n, **kw: segment_call(T0 + timedelta(minutes=n), f"seg-{n}", event="Order Completed", **kw)  # noqa: E731
    yield Crafted("segment_nul_byte", "segment/calls_a.json",
                  lines(seg(1), json.dumps(seg(2)).replace("Order Completed", "Order\x00Completed"), seg(3)),
                  "lines", 2, 1, reason="control byte 0x00")
    yield Crafted("segment_timestamp_beyond_year_9999", "segment/calls_b.json",
                  lines(seg(4), seg(5) | {"timestamp": FAR.replace(" ", "T"), "receivedAt": None,
                                          "sentAt": None}),
                  "lines", 1, 1, reason="timestamp is not a timestamp")
    yield Crafted("segment_revenue_out_of_range", "segment/calls_c.json",
                  lines(seg(6, properties={"revenue": 10}), seg(7, properties={"revenue": "1e999"}),
                        seg(8, properties={"revenue": 1e16})),
                  "lines", 1, 2, reason="out of range")
    # --- HubSpot contacts, deals and engagements ------------------------------------------------
    yield Crafted("csv_unclosed_quote_in_last_row", "hubspot/contacts_a.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qa", 1), contact("qa", 2)]) + b'qa3,"Anna,Schmidt\r\n',
                  "csv", 2, 1, reason="unterminated quote")
    yield Crafted("csv_unclosed_quote_mid_file", "hubspot/contacts_b.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qb", 1)]) + b'qb2,"Anna,Schmidt\r\n'
                  + row_bytes(contact("qb", 3)),
                  "csv", 1, 1, reason="unterminated quote")
    yield Crafted("csv_wrong_field_counts", "hubspot/contacts_c.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qc", 1), contact("qc", 2) + ["surplus"],
                                             contact("qc", 3)[:5], contact("qc", 4)]),
                  "csv", 2, 2, reason="Expected Number of Columns: 14")
    yield Crafted("csv_quote_followed_by_text", "hubspot/contacts_d.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qd", 1)]) + b'qd2,"Sch"midt,x\r\n',
                  "csv", 1, 1, reason="CSV line 3")
    yield Crafted("csv_semicolon_cp1252_bad_date", "hubspot/contacts_e.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qe", 1, "28.02.2026 10:00", Last_Name="Müller"),
                                             contact("qe", 2, "31.02.2026 10:00")], ";", "cp1252"),
                  "csv;", 1, 1, reason="Create Date is not a date: 31.02.2026")
    yield Crafted("csv_utf8_with_one_invalid_byte", "hubspot/contacts_f.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qf", 1, First_Name=JUERGEN),
                                             contact("qf", 2, First_Name=JUERGEN)])
                  + ",".join(contact("qf", 3, First_Name=JUERGEN)).encode("cp1252") + b"\r\n",
                  "csv", 2, 1, reason="not UTF-8")
    yield Crafted("csv_bom_gzip_too_many_fields", "hubspot/contacts_g.csv.gz",
                  gz(codecs.BOM_UTF8 + csv_bytes(CONTACT_HEADER, [contact("qg", 1),
                                                                 contact("qg", 2) + ["surplus"]])),
                  "csv", 1, 1, reason="Expected Number of Columns: 14 Found: 15")
    yield Crafted("csv_cr_alone_in_a_field", "hubspot/contacts_h.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qh", 1), contact("qh", 2, Last_Name="Sch\rmidt"),
                                             contact("qh", 3)]),
                  "csv", 2, 2, reason="Expected Number of Columns: 14")
    yield Crafted("csv_lf_and_crlf_rows_mixed", "hubspot/contacts_i.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qi", 1)]) + row_bytes(contact("qi", 2), "\n")
                  + row_bytes(contact("qi", 3)),
                  "csv", 3, 0)
    yield Crafted("csv_nul_byte_in_a_field", "hubspot/contacts_j.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qj", 1, Last_Name="Sch\x00midt"), contact("qj", 2)]),
                  "csv", 2, 0)
    yield Crafted("csv_record_over_2mb", "hubspot/contacts_k.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qk", 1, Last_Name=PAD), contact("qk", 2)]), "csv", 2, 0)
    yield Crafted("csv_header_only", "hubspot/contacts_l.csv", csv_bytes(CONTACT_HEADER, []), "csv", 0, 0)
    yield Crafted("csv_date_beyond_year_9999", "hubspot/contacts_m.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qm", 1), contact("qm", 2, FAR)]),
                  "csv", 1, 1, reason=f"Create Date is not a date: {FAR}")
    yield Crafted("csv_blank_lines_before_the_header", "hubspot/contacts_n.csv",
                  b"\r\n\r\n" + csv_bytes(CONTACT_HEADER, [contact("qn", 1), contact("qn", 2)]), "csv", 2, 0)
    yield Crafted("csv_duplicate_of_an_earlier_file", "hubspot/contacts_o.csv",
                  csv_bytes(CONTACT_HEADER, [contact("qa", 1), contact("qo", 1)]), "csv", 1, 0, duplicate=1)
    yield Crafted("deal_amounts_out_of_range", "hubspot/deals_a.csv",
                  csv_bytes(DEAL_HEADER, [hubspot_deal("da1", "qa1", "02.06.2026 10:00", amount="1.200,50"),
                                          hubspot_deal("da2", "qa1", "02.06.2026 10:00", amount="1e999"),
                                          hubspot_deal("da3", "qa1", "02.06.2026 10:00",
                                                       amount="99999999999999999999")], ";"),
                  "csv;", 1, 2, reason="Amount out of range")
    yield Crafted("call_duration_out_of_range", "hubspot/calls_a.json",
                  json.dumps({"results": [
                      hubspot_engagement("ca1", "2026-06-02T10:00:00Z", ["qa1"], hs_call_duration="60000"),
                      hubspot_engagement("ca2", "2026-06-02T11:00:00Z", ["qa1"], hs_call_duration="9" * 400),
                  ]}).encode(),
                  "json:results", 1, 1, reason="hs_call_duration out of range")
    yield Crafted("json_raw_control_byte_in_an_element", "hubspot/meetings_a.json",
                  json.dumps({"results": [
                      hubspot_engagement(f"ma{n}", "2026-06-02T10:00:00Z", ["qa1"],
                                         hs_meeting_title="Kick-off" if n != 2 else "Kick\x01off")
                      for n in (1, 2, 3)]}).replace("\\u0001", "\x01").encode(),
                  "json:results", 2, 1, reason="raw control byte")
    # --- Zendesk --------------------------------------------------------------------------------
    yield Crafted("json_truncated", "zendesk/tickets_a.json",
                  b'{"tickets": [{"id": 1, "created_at": "2026-', "json:tickets", 0, 1, whole_file=True,
                  reason="not valid JSON")
    yield Crafted("users_utf8_with_one_invalid_byte", "zendesk/users_a.json",
                  b'{"users": [' + b", ".join(
                      json.dumps(zendesk_user(n, f"z{n}@example.com") | {"name": JUERGEN},
                                 ensure_ascii=False).encode("cp1252" if n == 803 else "utf-8")
                      for n in (801, 802, 803)) + b"]}",
                  "json:users", 2, 1, reason="not UTF-8")
    yield Crafted("rating_epoch_in_the_year_2286", "zendesk/satisfaction_ratings_a.json",
                  json.dumps({"satisfaction_ratings": [
                      zendesk_rating(901, 1, 801, "good", "2026-06-05T10:00:00Z"),
                      zendesk_rating(902, 1, 801, "bad", "9999999999999999")]}).encode(),
                  "json:satisfaction_ratings", 1, 1, reason="created_at out of range")
    yield Crafted("json_without_its_list", "zendesk/tickets_b.json", b'{"ticket": {"id": 1}}',
                  "json:tickets", 0, 1, whole_file=True, reason='no "tickets" list')
    yield Crafted("ticket_time_beyond_year_9999", "zendesk/tickets_c.json",
                  json.dumps({"tickets": [zendesk_ticket(11, 801, "2026-06-05T10:00:00Z"),
                                          zendesk_ticket(12, 801, FAR)]}).encode(),
                  "json:tickets", 1, 1, reason="created_at is not a timestamp")
    # --- Freshdesk ------------------------------------------------------------------------------
    yield Crafted("array_nul_byte_in_an_element", "freshdesk/tickets_a.json",
                  json.dumps([freshdesk_ticket(n, 7001, "2026-06-05T10:00:00Z") | {"subject": f"Order\x00{n}"}
                              if n == 1 else freshdesk_ticket(n, 7001, "2026-06-05T10:00:00Z")
                              for n in (1, 2, 3)]).replace("\\u0000", "\x00").encode(),
                  "json", 2, 1, reason="raw control byte")
    yield Crafted("freshdesk_csv_unclosed_quote", "freshdesk/tickets_b.csv",
                  csv_bytes(FRESHDESK_CSV_HEADER, [freshdesk_csv_row("t1", "2026-06-05 10:00",
                                                                     email="f1@example.com")])
                  + b't2,"Where is\r\n', "csv", 1, 1, reason="unterminated quote")
    yield Crafted("array_is_not_a_list", "freshdesk/tickets_c.json", b'{"id": 1}', "json", 0, 1,
                  whole_file=True, reason="not a list")
    # --- Surveys --------------------------------------------------------------------------------
    yield Crafted("nps_score_beyond_integer", "surveys/nps_a.csv",
                  csv_bytes(NPS_HEADER, [["na1", "n1@example.com", "9", "", "2026-06-02 10:00"],
                                         ["na2", "n2@example.com", "99999999999", "", "2026-06-02 10:00"]]),
                  "csv", 1, 1, reason="score must be an integer")
    yield Crafted("csat_cp1252_bad_time", "surveys/csat_a.csv",
                  csv_bytes(SURVEY_HEADER, [["sa1", "s1@example.com", "", "5", "schön", "2026-06-02 10:00"],
                                            ["sa2", "s2@example.com", "", "4", "", "gestern"]],
                            encoding="cp1252"),
                  "csv", 1, 1, reason="answered_at is not a timestamp: gestern")
    yield Crafted("ces_cr_line_ends_only", "surveys/ces_a.csv",
                  csv_bytes(SURVEY_HEADER, [["ea1", "e1@example.com", "", "3", "", "2026-06-02 10:00"],
                                            ["ea2", "e2@example.com", "", "6", "", "2026-06-02 11:00"]],
                            end="\r"),
                  "csv", 2, 0)
    yield Crafted("nps_empty_file", "surveys/nps_b.csv", b"", "csv", 0, 1, whole_file=True,
                  reason="file is empty")
    # --- Salesforce -----------------------------------------------------------------------------
    opp = [sf_id("006", n) for n in (1, 2, 3)]
    who = sf_id("003", 1)
    yield Crafted("lead_epoch_in_the_year_2286", "salesforce/Lead_a.csv",
                  csv_bytes(LEAD_HEADER, [sf_lead(sf_id("00Q", 1), "l1@example.com", "2026-06-01T10:00:00Z"),
                                          sf_lead(sf_id("00Q", 2), "l2@example.com", "9999999999999999")]),
                  "csv", 1, 1, reason="CreatedDate out of range")
    yield Crafted("contact_unclosed_quote", "salesforce/Contact_a.csv",
                  csv_bytes(CONTACT_SF_HEADER, [[who, sf_id("001", 1), "Anna", "Schmidt", "c1@example.com",
                                                 "Web", "2026-06-01T10:00:00Z"]])
                  + f'{sf_id("003", 2)},x,"Anna\r\n'.encode(), "csv", 1, 1, reason="unterminated quote")
    yield Crafted("roles_of_the_opportunities", "salesforce/OpportunityContactRole_a.csv",
                  csv_bytes(ROLE_HEADER, [[sf_id("00K", n), o, who, "Decision Maker", "true",
                                           "2026-06-01T10:00:00Z"] for n, o in enumerate(opp, 1)]),
                  "csv", 3, 0)
    yield Crafted("opportunity_amounts_out_of_range", "salesforce/Opportunity_a.csv",
                  csv_bytes(OPPORTUNITY_HEADER, [
                      [o, sf_id("001", 1), "Deal", "Closed Won", amount, "2026-06-10", "true", "true", "Web",
                       "2026-06-02T10:00:00Z"]
                      for o, amount in zip(opp, ("1000", "1e999", "99999999999999999999"), strict=True)]),
                  "csv", 1, 2, reason="Amount out of range")
    yield Crafted("history_amount_out_of_range", "salesforce/OpportunityHistory_a.csv",
                  csv_bytes(HISTORY_HEADER, [[sf_id("008", 1), opp[0], "Closed Won", "1000", "2026-06-10",
                                              "2026-06-02T10:00:00Z"],
                                             [sf_id("008", 2), opp[0], "Closed Won", "-1e999", "2026-06-10",
                                              "2026-06-02T11:00:00Z"],
                                             [sf_id("008", 3), opp[1], "Closed Won", "10", "2026-06-10",
                                              "2026-06-02T12:00:00Z"]]),
                  "csv", 1, 2)
    # --- Salesforce via Fivetran (table dumps, snake_case columns) ------------------------------
    yield Crafted("fivetran_lead_parquet_soft_deleted", "fivetran_salesforce/lead.parquet",
                  parquet([{"id": sf_id("00Q", n), "email": f"f{n}@example.com",
                            "created_date": "2026-06-01 10:00:00", "is_converted": False,
                            "is_deleted": False, "_fivetran_deleted": n == 2} for n in (1, 2)]),
                  "parquet", 1, 1, reason="_fivetran_deleted is true")
    yield Crafted("fivetran_contact_csv_impossible_created_date", "fivetran_salesforce/contact.csv",
                  csv_bytes(["id", "email", "created_date", "is_deleted"], [
                      [sf_id("003", 1), "c1@example.com", "2026-06-01 10:00:00.000", "false"],
                      [sf_id("003", 2), "c2@example.com", "2026-13-45 25:00:00.000", "false"]]),
                  "csv", 1, 1, reason="CreatedDate is not a date")
    yield Crafted("fivetran_opportunity_csv_is_won_not_boolean", "fivetran_salesforce/opportunity.csv",
                  csv_bytes(["id", "stage_name", "amount", "close_date", "is_closed", "is_won",
                             "created_date", "contact_id"], [
                      [o, "Closed Won", "1000", "2026-06-10", "true", won, "2026-06-02 10:00:00", who]
                      for o, won in zip(opp, ("true", "yes please", "2"), strict=True)]),
                  "csv", 1, 2, reason="IsWon is not true or false")
    # --- shop orders and ad reports ----------------------------------------------------------------
    shop_header = ["Name", "Email", "Financial Status", "Currency", "Total", "Created at",
                   "Lineitem quantity", "Lineitem name", "Lineitem price", "Refunded Amount"]
    yield Crafted("shopify_total_not_a_number", "shopify/orders_export_1.csv",
                  csv_bytes(shop_header, [
                      ["#1", "a@example.com", "paid", "EUR", "10.00", "2026-06-01 10:00:00 +0200", "1", "Mug",
                       "10.00", "0.00"],
                      ["#1", "a@example.com", "", "", "", "2026-06-01 10:00:00 +0200", "1", "Tote", "5.00",
                       ""],
                      ["#2", "b@example.com", "paid", "EUR", "ten", "2026-06-01 10:00:00 +0200", "1", "Mug",
                       "10.00", "0.00"]]),
                  "csv", 2, 1, reason="Total is not a number")
    yield Crafted("woocommerce_without_email", "woocommerce/orders.csv",
                  csv_bytes(["order_id", "order_date", "status", "order_total", "order_currency",
                             "customer_email", "billing_email"], [
                      ["11", "2026-06-01 10:00:00", "completed", "10.00", "EUR", "c@example.com", ""],
                      ["12", "2026-06-01 10:00:00", "completed", "10.00", "EUR", "", ""]]),
                  "csv", 1, 1, reason="missing customer_email and billing_email")
    yield Crafted("google_ads_report_total_row", "google_ads/Campaign report.csv",
                  b'Campaign report\r\n"June 1, 2026 - June 1, 2026"\r\n'
                  + csv_bytes(["Campaign", "Day", "Currency code", "Impr.", "Clicks", "Cost"], [
                      ["brand", "2026-06-01", "EUR", "1,000", "10", "12.50"],
                      ["Total: Account", "", "EUR", "1,000", "10", "12.50"]]),
                  "csv@2", 1, 1, reason="a total row of the report")
    yield Crafted("meta_ads_week_without_day", "meta_ads/report.csv",
                  csv_bytes(["Campaign name", "Day", "Amount spent (EUR)", "Impressions", "Link clicks",
                             "Reporting starts", "Reporting ends"], [
                      ["reels", "2026-06-01", "5.00", "100", "3", "2026-06-01", "2026-06-01"],
                      ["reels", "", "35.00", "700", "21", "2026-06-01", "2026-06-07"]]),
                  "csv", 1, 1, reason="not one day")
    yield Crafted("linkedin_ads_negative_spend", "linkedin_ads/report.csv",
                  b'Campaign Performance Report (in UTC)\r\n"Report Start: 6/1/2026, 12:00 AM"\r\n'
                  + csv_bytes(["Start Date (in UTC)", "Campaign Name", "Currency", "Total Spent",
                               "Impressions", "Clicks"], [
                      ["6/1/2026", "webinar", "EUR", "20.00", "400", "4"],
                      ["6/1/2026", "webinar", "EUR", "-1.00", "1", "0"]]),
                  "csv@2", 1, 1, reason="Total Spent is negative")
    # --- social lead forms ------------------------------------------------------------------------
    yield Crafted("meta_leads_created_time_not_a_timestamp", "meta_leads/Demo_request_leads.csv",
                  csv_bytes(["id", "created_time", "campaign_name", "form_name", "is_organic",
                             "platform", "email", "full_name"], [
                      ["l:1", "2026-06-01T10:00:00+02:00", "reels", "Demo", "0", "fb", "a@example.com", "A"],
                      ["l:2", "2026-06-01T11:00:00+0000", "", "Demo", "1", "ig", "b@example.com", "B"],
                      ["l:3", "gestern", "reels", "Demo", "0", "fb", "c@example.com", "C"]]),
                  "csv", 2, 1, reason="created_time is not a timestamp")
    yield Crafted("linkedin_leads_without_email", "linkedin_leads/leads.csv",
                  csv_bytes(["Lead ID", "First Name", "Email Address", "Campaign Name", "Form Name",
                             "Lead Type", "Lead Submitted At"], [
                      ["li-1", "A", "a@example.com", "webinar", "Webinar", "SPONSORED",
                       "2026-06-01T09:00:00Z"],
                      ["li-2", "B", "", "webinar", "Webinar", "SPONSORED", "2026-06-01T10:00:00Z"]]),
                  "csv", 1, 1, reason="missing Email Address")
    # --- email marketing: Mailchimp (issue #26) ---------------------------------------------------
    def recipient(email: str, *activity: dict) -> dict:
        return {"campaign_id": "c1", "list_id": "l1", "email_address": email, "activity": list(activity)}

    opened = {"action": "open", "timestamp": "2026-06-01T10:00:00+00:00"}
    yield Crafted("mailchimp_open_time_beyond_year_9999", "mailchimp/email-activity_a.json",
                  json.dumps({"emails": [recipient("m1@example.com", opened),
                                         recipient("m2@example.com", opened | {"timestamp": FAR})],
                              "total_items": 2}).encode(),
                  "json:emails", 1, 1, reason="is not a timestamp")
    yield Crafted("mailchimp_click_without_url", "mailchimp/email-activity_b.json",
                  json.dumps({"emails": [recipient("m4@example.com", opened),
                                         recipient("m3@example.com", opened, {"action": "click",
                                                   "timestamp": "2026-06-01T10:01:00+00:00"})]}
                             ).encode(),
                  "json:emails", 1, 1, reason="a click without its url")
    yield Crafted("mailchimp_unsubscribe_without_email", "mailchimp/unsubscribed_a.json",
                  json.dumps({"unsubscribes": [
                      {"email_address": "m1@example.com", "timestamp": "2026-06-02T10:00:00+00:00",
                       "campaign_id": "c1", "list_id": "l1"},
                      {"email_address": " ", "timestamp": "2026-06-02T10:00:00+00:00",
                       "campaign_id": "c1", "list_id": "l1"}]}).encode(),
                  "json:unsubscribes", 1, 1, reason="missing email_address")
    # --- email marketing: Klaviyo Get Events responses (issue #26) --------------------------------
    def klaviyo(event_id: str, metric: str, when: str, **props: str) -> dict:
        return {"type": "event", "id": event_id,
                "attributes": {"datetime": when, "event_properties": {"$message": "01HM", **props}},
                "relationships": {"profile": {"data": {"type": "profile", "id": "kp1"}},
                                  "metric": {"data": {"type": "metric", "id": metric}}}}

    klaviyo_included = [{"type": "profile", "id": "kp1", "attributes": {"email": "k1@example.com"}},
                        {"type": "metric", "id": "km1", "attributes": {"name": "Opened Email"}},
                        {"type": "metric", "id": "km2", "attributes": {"name": "Clicked Email"}},
                        {"type": "metric", "id": "km3", "attributes": {"name": "Viewed Product"}}]
    yield Crafted("klaviyo_open_time_beyond_year_9999", "klaviyo/events_a.json",
                  json.dumps({"data": [klaviyo("k1", "km1", "2026-06-01T10:00:00+00:00"),
                                       klaviyo("k2", "km1", FAR)],
                              "included": klaviyo_included}).encode(),
                  "json:data", 1, 1, reason="is not a timestamp")
    yield Crafted("klaviyo_click_without_url_and_a_repeated_event", "klaviyo/events_b.json",
                  json.dumps({"data": [klaviyo("k3", "km2", "2026-06-01T10:01:00+00:00",
                                               URL="https://shop.example.com/?utm_campaign=june"),
                                       klaviyo("k4", "km2", "2026-06-01T10:02:00+00:00"),
                                       klaviyo("k3", "km2", "2026-06-01T10:01:00+00:00",
                                               URL="https://shop.example.com/?utm_campaign=june")],
                              "included": klaviyo_included}).encode(),
                  "json:data", 1, 1, 1, reason="a Clicked Email without its URL")
    yield Crafted("klaviyo_metric_that_is_no_email_metric", "klaviyo/events_c.json",
                  json.dumps({"data": [klaviyo("k5", "km1", "2026-06-01T10:00:00+00:00"),
                                       klaviyo("k6", "km3", "2026-06-01T10:05:00+00:00")],
                              "included": klaviyo_included}).encode(),
                  "json:data", 1, 1, reason="not an email metric read here: Viewed Product")
    yield Crafted("klaviyo_error_response", "klaviyo/events_d.json",
                  json.dumps({"errors": [{"id": "e1", "status": 401, "code": "not_authenticated",
                                          "title": "Authentication credentials were not provided.",
                                          "detail": "Missing or invalid private key."}]}).encode(),
                  "json:data", 0, 1, whole_file=True, reason='no "data" list')
    # --- Snowplow atomic.events dumps -------------------------------------------------------------
    atomic_header = ["event_id", "collector_tstamp", "event", "domain_userid", "page_urlpath"]
    yield Crafted("snowplow_atomic_missing_id_bad_time_redelivered", "snowplow_atomic/events_000.csv",
                  csv_bytes(atomic_header, [
                      ["e1", "2026-06-01 09:00:00.000", "page_view", "c1", "/a"],
                      ["", "2026-06-01 09:01:00.000", "page_view", "c1", "/b"],
                      ["e3", "2026-06-01 25:61:00.000", "page_view", "c1", "/c"],
                      ["e1", "2026-06-01 09:00:00.000", "page_view", "c1", "/a"]]),
                  "csv", 1, 2, 1)
    yield Crafted("snowplow_atomic_parquet_without_event", "snowplow_atomic/events_001.parquet",
                  parquet([{"event_id": "p1", "collector_tstamp": "2026-06-01 09:00:00", "event": "page_view",
                            "domain_userid": "c2"},
                           {"event_id": "p2", "collector_tstamp": "2026-06-01 09:00:00", "event": None,
                            "domain_userid": "c2"}]),
                  "parquet", 1, 1, reason="missing event")
    # --- Fivetran HubSpot connector dumps (a deal and an engagement find no association: rejected) --
    yield Crafted("fivetran_hubspot_contact_createdate_not_a_time", "fivetran_hubspot/contact.csv",
                  csv_bytes(["id", "property_email", "property_createdate", "_fivetran_deleted"], [
                      ["7101", "f1@example.com", "2026-06-01T10:00:00Z", "false"],
                      ["7102", "f2@example.com", "31.02.2026 25:00", "false"],
                      ["", "f3@example.com", "2026-06-01T10:00:00Z", "false"]]),
                  "csv", 1, 2)
    yield Crafted("fivetran_hubspot_deal_without_contact", "fivetran_hubspot/deal.parquet",
                  parquet([{"deal_id": 7201, "property_createdate": "2026-06-01 10:00:00",
                            "property_amount": "12 EUR", "deal_pipeline_id": "default"},
                           {"deal_id": 7202, "property_createdate": "2026-06-01 10:00:00",
                            "property_amount": "12.5", "deal_pipeline_id": "default"}]),
                  "parquet", 0, 2)
    yield Crafted("fivetran_hubspot_stage_without_date", "fivetran_hubspot/deal_stage.csv",
                  csv_bytes(["deal_id", "value", "date_entered"], [
                      ["7201", "closedwon", ""], ["7201", "closedlost", "1999-12-31 23:00:00"]]),
                  "csv", 0, 2, reason="date_entered")
    yield Crafted("fivetran_hubspot_call_duration_in_minutes", "fivetran_hubspot/engagement_call.csv",
                  csv_bytes(["engagement_id", "property_hs_timestamp", "property_hs_call_duration"], [
                      ["7301", "2026-06-01T10:00:00Z", "5 min"]]),
                  "csv", 0, 1, reason="property_hs_call_duration is not a number of milliseconds")
    # --- Fivetran Zendesk connector dumps ------------------------------------------------------------
    yield Crafted("fivetran_zendesk_ticket_created_at_not_a_time", "fivetran_zendesk/ticket.csv",
                  csv_bytes(["id", "requester_id", "created_at", "updated_at", "status", "via_channel",
                             "_fivetran_deleted"], [
                      ["8101", "8901", "2026-06-01T10:00:00Z", "", "open", "web", "false"],
                      ["8102", "8901", "31.02.2026 25:00", "", "open", "web", "false"]]),
                  "csv", 1, 1, reason="created_at is not a timestamp")
    yield Crafted("fivetran_zendesk_user_parquet_soft_deleted", "fivetran_zendesk/user.parquet",
                  parquet([{"id": 8901, "email": "z1@example.com", "role": "end-user",
                            "_fivetran_deleted": n == 2} for n in (1, 2)]),
                  "parquet", 1, 1, reason="_fivetran_deleted is true")
    yield Crafted("fivetran_zendesk_rating_score_not_a_score", "fivetran_zendesk/satisfaction_rating.csv",
                  csv_bytes(["id", "ticket_id", "requester_id", "score", "created_at", "updated_at"], [
                      ["8201", "8101", "8901", "great", "2026-06-01T11:00:00Z", "2026-06-01T11:00:00Z"]]),
                  "csv", 0, 1, reason="score must be good, bad, offered or unoffered")
    # --- Airbyte Zendesk Support streams' final tables ------------------------------------------------
    yield Crafted("airbyte_zendesk_ticket_via_not_json_without_requester", "airbyte_zendesk/tickets.csv",
                  csv_bytes(["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta", "id",
                             "requester_id", "created_at", "status", "via"], [
                      ["r1", "2026-06-20T02:00:00Z", '{"changes":[]}', "8301", "8901",
                       "2026-06-01T10:00:00Z", "open", '{"channel":"web"}'],
                      ["r2", "2026-06-20T02:00:00Z", '{"changes":[]}', "8302", "",
                       "2026-06-01T10:00:00Z", "open", "{not json"]]),
                  "csv", 1, 1, reason="missing requester_id")
    yield Crafted("airbyte_zendesk_user_parquet_without_id", "airbyte_zendesk/users.parquet",
                  parquet([{"_airbyte_raw_id": f"u{n}", "id": 8901 if n == 1 else None,
                            "email": f"a{n}@example.com", "role": "end-user"} for n in (1, 2)]),
                  "parquet", 1, 1, reason="missing id")
    # --- Airbyte HubSpot streams' final tables (a deal and a call without contacts: rejected) ------
    yield Crafted("airbyte_hubspot_contact_createdate_not_a_time", "airbyte_hubspot/contacts.csv",
                  csv_bytes(["_airbyte_raw_id", "_airbyte_meta", "id", "properties_email",
                             "properties_createdate", "archived"], [
                      ["a1", '{"changes": []}', "8101", "a1@example.com", "2026-06-01T10:00:00Z", "false"],
                      ["a2", '{"changes": []}', "8102", "a2@example.com", "31.02.2026 25:00", "false"],
                      ["a3", '{"changes": []}', "", "a3@example.com", "2026-06-01T10:00:00Z", "false"]]),
                  "csv", 1, 2)
    yield Crafted("airbyte_hubspot_deal_without_contacts", "airbyte_hubspot/deals.parquet",
                  parquet([{"id": "8201", "properties_createdate": "2026-06-01 10:00:00",
                            "properties_amount": "12 EUR", "contacts": [8101]},
                           {"id": "8202", "properties_createdate": "2026-06-01 10:00:00",
                            "properties_amount": "12.5", "contacts": []}]),
                  "parquet", 0, 2)
    yield Crafted("airbyte_hubspot_call_duration_in_minutes", "airbyte_hubspot/engagements_calls.csv",
                  csv_bytes(["id", "properties_hs_timestamp", "properties_hs_call_duration", "contacts"], [
                      ["8301", "2026-06-01T10:00:00Z", "5 min", '["8101"]']]),
                  "csv", 0, 1, reason="properties_hs_call_duration is not a number of milliseconds")
    # --- Airbyte Salesforce streams' final tables (API names as columns) -------------------------
    yield Crafted("airbyte_salesforce_lead_not_converted_to_a_contact", "airbyte_salesforce/Lead.csv",
                  csv_bytes(["_airbyte_raw_id", "Id", "Email", "CreatedDate", "IsConverted", "IsDeleted"], [
                      ["b1", sf_id("00Q", 81), "b1@example.com", "2026-06-01T10:00:00Z", "FALSE", "FALSE"],
                      ["b2", sf_id("00Q", 82), "b2@example.com", "2026-06-01T10:00:00Z", "TRUE", "FALSE"],
                      ["b3", sf_id("00Q", 83), "b3@example.com", "2026-06-01T10:00:00Z", "FALSE", "TRUE"]]),
                  "csv", 1, 2)
    # --- custom sources -------------------------------------------------------------------------
    orders = [{"id": f"o{n}", "at": f"2026-06-0{n} 10:00", "user": f"u{n}", "total": "10"}
              for n in (1, 2, 3, 4)]
    orders[3]["total"] = "1e999"
    yield Crafted("custom_ndjson_control_byte_and_value", "custom/orders/orders.ndjson",
                  lines(orders[0], orders[1], json.dumps(orders[2]).replace("u3", "u\x013"), orders[3]),
                  "lines", 2, 2)
    yield Crafted("custom_csv_unclosed_quote", "custom/shop/sales.csv",
                  b"id,at,user,total\r\ns1,2026-06-02 10:00,u1,5\r\ns2,\"2026-06-02\r\n", "csv", 1, 1,
                  reason="unterminated quote")
    yield Crafted("custom_parquet_time_beyond_year_9999", "custom/pos/sales.parquet",
                  parquet([{"id": "p1", "at": "2026-06-02 10:00", "user": "u1", "total": "5"},
                           {"id": "p2", "at": FAR, "user": "u2", "total": "5"},
                           {"id": "p3", "at": "2026-06-02 11:00", "user": "u3", "total": "5"}]),
                  "parquet", 2, 1, reason="is not a timestamp")


MAPPING = """
timestamp: at
event_id: id
event_name: {value: shop_order}
person_keys: {user_id: user}
value: total
"""
CASES = list(crafted())


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """Every crafted file in one input folder, the whole pipeline run once over them (zone-less
    times read in New York, west of UTC); the published warehouse and the raw file, read-only."""
    base = tmp_path_factory.mktemp("quarantine_suite")
    folder = base / "input"
    for case in CASES:
        path = folder / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data)
    for name in ("orders", "shop", "pos"):
        (folder / "custom" / name / "source.yaml").write_text(MAPPING, encoding="utf-8")
    settings = settings_for(folder, base, time_zone="America/New_York")
    run_pipeline(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    raw = duckdb.connect(str(settings.raw_file), read_only=True)
    yield con, raw
    con.close()
    raw.close()


def test_the_suite_covers_sixty_files_and_every_source():
    assert len(CASES) >= 60
    assert len({case.kind for case in CASES}) == len({case.path for case in CASES}) == len(CASES)
    folders = {case.path.split("/")[0] for case in CASES}
    assert folders == {source.folder for source in SOURCES}


@pytest.mark.parametrize("case", CASES, ids=[case.kind for case in CASES])
def test_rows_read_is_the_independent_count_and_the_split_is_as_expected(case: Crafted, suite):
    con, _ = suite
    count = independent_count(case)
    if case.whole_file:
        assert count in (None, 0), "a file its format can split must not be rejected whole"
    else:
        assert count == case.loaded + case.rejected + case.duplicate, "the case's own expectation"
    summary = con.execute("""
        SELECT rows_read, rows_loaded, rows_rejected, rows_duplicate FROM quality.load_summary
        WHERE source_file = ?
    """, [case.path]).fetchall()
    read = 1 if case.whole_file else count
    # a landed file with no record (only a header) is read too: a row of zeros
    assert summary == [(read, case.loaded, case.rejected, case.duplicate)]
    rejects = con.execute("""
        SELECT row_number, reason, raw_text FROM quality.rejected_rows
        WHERE source_file = ? ORDER BY row_number
    """, [case.path]).fetchall()
    assert len(rejects) == case.rejected
    assert [row is None for row, _, _ in rejects] == [case.whole_file] * case.rejected
    for _, reason, raw_text in rejects:
        assert case.reason is None or case.reason in reason, reason
        assert raw_text is not None and len(raw_text) <= 2000


def test_an_unparsed_line_of_an_export_with_custom_columns_is_shown_by_place_and_reason_only(suite):
    # Freshdesk's ticket CSV has a column per custom field: its unterminated line (`t2,"Where is`)
    # cannot be split into named columns, so quality.rejected_rows shows no text of it; the raw
    # file keeps the line
    con, raw = suite
    assert rows(con, """
        SELECT row_number, raw_text FROM quality.rejected_rows
        WHERE source_file = 'freshdesk/tickets_b.csv'
    """) == [(2, "[redacted: a line of an export with custom columns]")]  # the second record, t2
    [(text,)] = rows(raw, "SELECT raw_text FROM raw.ingest_errors "
                          "WHERE source_file = 'freshdesk/tickets_b.csv'")
    assert text.startswith('t2,"Where is')
    # a line of another CSV export is shown (masked) as before
    assert rows(con, """
        SELECT count(*) FROM quality.rejected_rows
        WHERE raw_text LIKE '[redacted: a line%' AND raw_table <> 'raw.freshdesk_tickets_csv'
    """) == [(0,)]


def test_every_file_adds_up(suite):
    con, _ = suite
    assert rows(con, """
        SELECT source_file FROM quality.load_summary
        WHERE rows_read <> rows_loaded + rows_rejected + rows_duplicate
    """) == []
    read = rows(con, "SELECT sum(rows_read) FROM quality.load_summary")[0][0]
    assert read == sum(1 if c.whole_file else independent_count(c) for c in CASES)


def test_one_bad_byte_leaves_the_rest_of_a_utf8_file_utf8(suite):
    _, raw = suite
    names = rows(raw, """
        SELECT DISTINCT _encoding, regexp_extract(record, 'J.{1,3}rgen') FROM (
            SELECT _encoding, record FROM raw.ga4_events WHERE _source_file LIKE '%20260612%'
            UNION ALL
            SELECT _encoding, record FROM raw.hubspot_contacts WHERE _source_file LIKE '%contacts_f%'
            UNION ALL
            SELECT _encoding, record FROM raw.snowplow_events WHERE _source_file LIKE '%enriched_e%'
            UNION ALL
            SELECT _encoding, record FROM raw.zendesk_users WHERE _source_file LIKE '%users_a%'
        )
    """)
    assert names == [("utf-8", JUERGEN)]


def test_long_lines_and_control_bytes_are_kept_whole(suite):
    _, raw = suite
    assert rows(raw, """
        SELECT max(length(record)) > 33000000 FROM raw.ga4_events WHERE _source_file LIKE '%20260604%'
    """) == [(True,)]
    assert rows(raw, """
        SELECT count(*) FROM raw.snowplow_events WHERE contains(record, 'Mozilla\\u0001/5.0')
    """) == [(1,)]


LOAD_STEPS = tuple(step for step in STEPS if step.layer in ("raw", "staging", "quality"))


def load_steps(settings: Settings, incremental: bool = False) -> None:
    with open_run(settings, incremental=incremental) as ctx:
        for step in LOAD_STEPS:
            step.run(ctx)


def test_a_file_the_staging_sql_fails_on_is_quarantined_and_typed_again_next_run(tmp_path, monkeypatch):
    folder = tmp_path / "input"
    for name in ("nps_a.csv", "nps_b.csv"):
        path = folder / "surveys" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csv_bytes(NPS_HEADER, [[f"{name}-{n}", f"{n}@example.com", "9", "",
                                                 "2026-06-02T10:00:00Z"] for n in (1, 2)]))
    settings = settings_for(folder, tmp_path)
    typed = incremental.sql_text

    def fails_on_nps_b(table: str, *args: object) -> str:  # a value the SQL cannot handle
        query = typed(table, *args)
        if table != "staging.survey_nps":
            return query
        return (f"SELECT * FROM ({query}) WHERE CASE WHEN _source_file LIKE '%nps_b%' "
                "THEN error('Conversion Error: no such time') ELSE true END")

    monkeypatch.setattr(incremental, "sql_text", fails_on_nps_b)
    load_steps(settings)
    con = connect(settings.work_file, read_only=True, raw_file=settings.raw_file)
    assert rows(con, "SELECT source_file, rows_read, rows_loaded, rows_rejected FROM quality.load_summary"
                ) == [("surveys/nps_a.csv", 2, 2, 0), ("surveys/nps_b.csv", 1, 0, 1)]
    [(row, reason, raw_text)] = rows(con, "SELECT row_number, reason, raw_text FROM quality.rejected_rows")
    assert row is None and reason.startswith("file could not be typed: ") and "no such time" in reason
    assert raw_text.startswith('{"response_id":"nps_b.csv-1"')
    assert rows(con, "SELECT source_file FROM raw.landed_files") == [("surveys/nps_a.csv",)]
    con.close()
    monkeypatch.undo()  # the SQL is fixed: the next (incremental) run lands and types the file again
    load_steps(settings, incremental=True)
    con = connect(settings.work_file, read_only=True, raw_file=settings.raw_file)
    assert rows(con, "SELECT source_file, rows_read, rows_loaded FROM quality.load_summary ORDER BY 1") == [
        ("surveys/nps_a.csv", 2, 2), ("surveys/nps_b.csv", 2, 2)]
    con.close()
