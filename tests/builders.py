"""Write tiny export files in the real formats, so tests state their input rows by hand."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def micros(ts: datetime) -> str:
    return str(int(ts.timestamp() * 1_000_000))


def param(key: str, value: str | int | float) -> dict:
    slot = {"string_value": None, "int_value": None, "float_value": None, "double_value": None}
    if isinstance(value, str):
        slot["string_value"] = value
    elif isinstance(value, int):
        slot["int_value"] = str(value)
    else:
        slot["double_value"] = value
    return {"key": key, "value": slot}


def ga4_event(
    ts: datetime,
    name: str,
    pseudo_id: str,
    user_id: str | None = None,
    path: str = "/",
    medium: str | None = None,
    source: str | None = None,
    value: float | None = None,
) -> dict:
    """One GA4 BigQuery export row (the fields journeyflow reads, in the export's shape)."""
    params = [param("page_location", f"https://shop.example.com{path}"), param("ga_session_id", 1)]
    if value is not None:
        params += [param("value", float(value)), param("currency", "EUR")]
    traffic = None
    if medium:
        traffic = {"manual_source": source or "google", "manual_medium": medium,
                   "manual_campaign_name": None, "gclid": None}
    return {
        "event_date": ts.strftime("%Y%m%d"),
        "event_timestamp": micros(ts),
        "event_name": name,
        "event_params": params,
        "user_pseudo_id": pseudo_id,
        "user_id": user_id,
        "user_properties": [],
        "device": {"category": "desktop", "operating_system": "Linux"},
        "geo": {"country": "Germany", "city": "Berlin"},
        "traffic_source": {"name": "(direct)", "medium": "(none)", "source": "(direct)"},
        "collected_traffic_source": traffic,
        "ecommerce": None,
        "platform": "WEB",
    }


def write_ga4(folder: Path, events: list[dict], name: str = "events_20260601.ndjson") -> Path:
    path = folder / "ga4" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


CONTACT_HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Create Date",
    "Lifecycle Stage", "Original Source", "Became a Lead Date",
    "Became a Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date",
    "Became a Customer Date", "Last Marketing Email Open Date", "Web User ID",
]


def hubspot_contact(record_id: str, email: str, created: str, user_id: str = "",
                    customer: str = "") -> list[str]:
    return [record_id, "Anna", "Schmidt", email, "+49 30 1234567", created, "lead",
            "Organic Search", created, "", "", customer, "", user_id]


DEAL_STAGES = [
    "Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
    "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost",
]
DEAL_HEADER = [
    "Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Create Date", "Close Date",
    "Deal owner", "Associated Contact IDs",
] + [f'Date entered "{stage} (Sales Pipeline)"' for stage in DEAL_STAGES]


def hubspot_deal(record_id: str, contact_id: str, created: str, amount: str = "1000",
                 stages: dict[str, str] | None = None) -> list[str]:
    stages = stages or {}
    return [record_id, "Deal", "Closed Won", "Sales Pipeline", amount, created, "", "Owner",
            contact_id] + [stages.get(stage, "") for stage in DEAL_STAGES]


def write_zendesk(folder: Path, tickets: list[dict], users: list[dict]) -> None:
    path = folder / "zendesk"
    path.mkdir(parents=True, exist_ok=True)
    (path / "tickets.json").write_text(
        json.dumps({"tickets": tickets, "next_page": None, "count": len(tickets)}), "utf-8")
    (path / "users.json").write_text(
        json.dumps({"users": users, "next_page": None, "count": len(users)}), "utf-8")


def zendesk_ticket(ticket_id: int, requester_id: int, created: str, status: str = "open",
                   updated: str | None = None, channel: str = "email",
                   rating: str = "unoffered") -> dict:
    return {
        "id": ticket_id, "url": f"https://example.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "via": {"channel": channel}, "created_at": created, "updated_at": updated or created,
        "type": "question", "subject": "Where is my order?", "priority": "normal",
        "status": status, "requester_id": requester_id, "tags": [],
        "satisfaction_rating": {"score": rating},
    }


def zendesk_user(user_id: int, email: str, external_id: str | None = None) -> dict:
    return {"id": user_id, "name": "Anna Schmidt", "email": email, "external_id": external_id,
            "created_at": "2026-06-01T00:00:00Z", "role": "end-user"}


NPS_HEADER = ["response_id", "email", "score", "comment", "answered_at"]


def write_hubspot_engagements(folder: Path, kind: str, engagements: list[dict],
                              name: str | None = None) -> Path:
    """A CRM v3 objects list response (`GET /crm/v3/objects/<kind>?associations=contacts`)."""
    path = folder / "hubspot" / (name or f"{kind}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": engagements, "paging": None}), "utf-8")
    return path


def hubspot_engagement(engagement_id: str, timestamp: str, contact_ids: list[str],
                       archived: bool = False, **properties: str | None) -> dict:
    """One call/meeting/email object; `properties` as the API returns them (all strings)."""
    kind = "call" if any(k.startswith("hs_call") for k in properties) else "engagement"
    return {
        "id": engagement_id,
        "properties": {"hs_timestamp": timestamp, "hs_object_id": engagement_id, **properties},
        "createdAt": timestamp, "updatedAt": timestamp, "archived": archived,
        "associations": {"contacts": {"results": [
            {"id": c, "type": f"{kind}_to_contact"} for c in contact_ids]}},
    }


LEAD_HEADER = ["Id", "FirstName", "LastName", "Email", "Company", "LeadSource", "Status",
               "CreatedDate", "IsConverted", "ConvertedDate", "ConvertedContactId",
               "ConvertedAccountId", "ConvertedOpportunityId"]
CONTACT_SF_HEADER = ["Id", "AccountId", "FirstName", "LastName", "Email", "LeadSource",
                     "CreatedDate"]
OPPORTUNITY_HEADER = ["Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "IsClosed",
                      "IsWon", "LeadSource", "CreatedDate"]
HISTORY_HEADER = ["Id", "OpportunityId", "StageName", "Amount", "CloseDate", "CreatedDate"]
ROLE_HEADER = ["Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "CreatedDate"]


def sf_id(prefix: str, n: int) -> str:
    """An 18-character Salesforce id: key prefix (00Q lead, 003 contact, 006 opportunity, ...)."""
    return f"{prefix}7Q000{n:07d}AAA"[:15] + "IAX"


def sf_lead(lead_id: str, email: str, created: str, converted: str = "",
            contact_id: str = "", opportunity_id: str = "") -> list[str]:
    return [lead_id, "Anna", "Schmidt", email, "Schmidt GmbH", "Web", "Open - Not Contacted"
            if not converted else "Closed - Converted", created, "true" if converted else "false",
            converted, contact_id, sf_id("001", 1) if converted else "", opportunity_id]


def write_salesforce(folder: Path, sobject: str, header: list[str], rows: list[list[str]]) -> Path:
    return write_csv(folder / "salesforce" / f"{sobject}.csv", header, rows)
# ---- Snowplow enriched events ------------------------------------------------------------------
def snowplow_fields(
    ts: datetime,
    event_id: str,
    event: str = "page_view",
    domain_userid: str | None = "d1f0c0de-0000-4000-8000-000000000001",
    user_id: str | None = None,
    path: str = "/hc/articles/delivery-times",
    **extra: str,
) -> dict[str, str]:
    """One enriched event as column → text (the fields journeyflow reads, plus a few typical ones)."""
    stamp = ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    fields = {
        "app_id": "help-centre", "platform": "web", "etl_tstamp": stamp,
        "collector_tstamp": stamp, "dvce_created_tstamp": stamp, "event": event,
        "event_id": event_id, "name_tracker": "sp", "v_tracker": "js-3.24.0",
        "v_collector": "ssc-3.2.0-kinesis", "v_etl": "snowplow-enrich-kinesis-4.1.0",
        "user_id": user_id or "", "user_ipaddress": "203.0.113.7",
        "domain_userid": domain_userid or "", "domain_sessionidx": "1",
        "geo_country": "DE", "page_url": f"https://help.example.com{path}",
        "page_title": "Delivery times", "page_urlscheme": "https", "page_urlhost": "help.example.com",
        "page_urlport": "443", "page_urlpath": path, "useragent": "Mozilla/5.0",
        "br_features_pdf": "1", "dvce_type": "Computer", "dvce_ismobile": "0",
        "domain_sessionid": "5e5510f1-0000-4000-8000-000000000001", "derived_tstamp": stamp,
        "event_vendor": "com.snowplowanalytics.snowplow", "event_name": event,
        "event_format": "jsonschema", "event_version": "1-0-0",
    }
    fields.update(extra)
    return fields


def snowplow_tsv_line(fields: dict[str, str]) -> str:
    """The headerless enriched TSV line: all 131 columns in order, empty where not given."""
    from journeyflow.sources import SNOWPLOW_ENRICHED_COLUMNS

    return "\t".join(fields.get(c, "") for c in SNOWPLOW_ENRICHED_COLUMNS)


def snowplow_sdk_json(fields: dict[str, str]) -> dict:
    """What the Snowplow Analytics SDK's EventTransformer makes of the same line: typed values,
    ISO timestamps with Z, empty fields left out, unstruct_event flattened by schema."""
    ints = {"txn_id", "domain_sessionidx", "page_urlport", "refr_urlport", "ti_quantity",
            "br_viewwidth", "br_viewheight", "dvce_screenwidth", "dvce_screenheight"}
    doubles = {"geo_latitude", "geo_longitude", "tr_total", "tr_tax", "tr_shipping", "ti_price",
               "tr_total_base", "tr_tax_base", "tr_shipping_base", "ti_price_base"}
    out: dict = {}
    for key, value in fields.items():
        if value == "":
            continue
        if key in ints:
            out[key] = int(value)
        elif key in doubles:
            out[key] = float(value)
        elif key.startswith(("br_features_", "br_cookies", "dvce_ismobile")):
            out[key] = value == "1"
        elif key.endswith("_tstamp"):
            out[key] = value.replace(" ", "T") + "Z"
        elif key == "unstruct_event":
            inner = json.loads(value)["data"]
            vendor, name, _, version = inner["schema"].removeprefix("iglu:").split("/")
            out[f"unstruct_event_{vendor.replace('.', '_')}_{name}_{version.split('-')[0]}"] = (
                inner["data"])
        elif key == "contexts":
            for ctx in json.loads(value)["data"]:
                vendor, name, _, version = ctx["schema"].removeprefix("iglu:").split("/")
                out.setdefault(
                    f"contexts_{vendor.replace('.', '_')}_{name}_{version.split('-')[0]}", []
                ).append(ctx["data"])
        else:
            out[key] = value
    return out


def snowplow_unstruct(schema: str, data: dict) -> str:
    """The self-describing JSON of an unstruct event, as the TSV's unstruct_event field holds it."""
    return json.dumps({
        "schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
        "data": {"schema": schema, "data": data},
    })


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# ---- Segment ---------------------------------------------------------------------------------
def segment_call(
    ts: datetime,
    message_id: str,
    call_type: str = "track",
    event: str | None = None,
    anonymous_id: str | None = "a1b2c3d4-0000-4000-8000-000000000001",
    user_id: str | None = None,
    properties: dict | None = None,
    traits: dict | None = None,
    name: str | None = None,
) -> dict:
    """One Segment call as the S3 / webhook destinations write it."""
    iso = ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    call: dict = {
        "type": call_type, "messageId": message_id, "anonymousId": anonymous_id,
        "userId": user_id, "timestamp": iso, "originalTimestamp": iso, "sentAt": iso,
        "receivedAt": iso, "channel": "mobile",
        "context": {
            "app": {"name": "Example Shop", "version": "4.2.0", "build": "420"},
            "device": {"type": "ios", "model": "iPhone15,2"},
            "os": {"name": "iOS", "version": "17.5.1"},
            "library": {"name": "analytics-ios", "version": "4.1.8"},
            "locale": "de-DE", "timezone": "Europe/Berlin",
        },
        "integrations": {}, "version": 2,
    }
    if event is not None:
        call["event"] = event
    if name is not None:
        call["name"] = name
    if properties is not None:
        call["properties"] = properties
    if traits is not None:
        call["traits"] = traits
    return call
SURVEY_HEADER = ["response_id", "email", "user_id", "score", "comment", "answered_at"]
"""CSAT and CES answers: the NPS columns plus the shop user id (one of email / user_id is needed)."""


def write_zendesk_ratings(folder: Path, ratings: list[dict],
                          name: str = "satisfaction_ratings.json") -> Path:
    """A saved `GET /api/v2/satisfaction_ratings` response."""
    path = folder / "zendesk" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"satisfaction_ratings": ratings, "next_page": None,
                                "previous_page": None, "count": len(ratings)}), "utf-8")
    return path


def zendesk_rating(rating_id: int, ticket_id: int, requester_id: int, score: str, created: str,
                   updated: str | None = None, comment: str | None = None) -> dict:
    return {
        "id": rating_id,
        "url": f"https://example.zendesk.com/api/v2/satisfaction_ratings/{rating_id}.json",
        "assignee_id": 90001, "group_id": 360000111, "requester_id": requester_id,
        "ticket_id": ticket_id, "score": score, "comment": comment,
        "reason": "The issue took too long to resolve" if score == "bad" else None,
        "reason_id": 5 if score == "bad" else 0,
        "created_at": created, "updated_at": updated or created,
    }


def write_freshdesk(folder: Path, tickets: list[dict] | str, name: str = "tickets.json") -> Path:
    """A saved `GET /api/v2/tickets` page: a bare JSON array (or any text, to test bad files)."""
    path = folder / "freshdesk" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tickets if isinstance(tickets, str) else json.dumps(tickets), "utf-8")
    return path


def freshdesk_ticket(ticket_id: int, requester_id: int | None, created: str, status: int = 2,
                     updated: str | None = None, source: int = 1, email: str | None = None,
                     resolved: str | None = None) -> dict:
    """One ticket of `GET /api/v2/tickets?include=requester,stats` (codes as the API writes them)."""
    return {
        "id": ticket_id, "subject": "Where is my order?", "type": "Question",
        "status": status, "priority": 2, "source": source,
        "requester_id": requester_id, "responder_id": 77000001, "group_id": None,
        "company_id": None, "fr_escalated": False, "spam": False, "is_escalated": False,
        "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "to_emails": None,
        "tags": [], "custom_fields": {},
        "created_at": created, "updated_at": updated or created,
        "due_by": created, "fr_due_by": created,
        "requester": {"id": requester_id, "name": "Anna Schmidt", "email": email,
                      "mobile": None, "phone": None},
        "stats": {"agent_responded_at": None, "requester_responded_at": None,
                  "first_responded_at": None, "status_updated_at": updated or created,
                  "reopened_at": None, "resolved_at": resolved, "closed_at": None,
                  "pending_since": None},
    }


FRESHDESK_CSV_HEADER = [
    "Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group",
    "Created time", "Due by Time", "Resolved time", "Closed time", "Last update time", "Tags",
    "Requester name", "Requester email",
]
"""A Freshdesk web-app ticket export (Tickets > Export, CSV) with the fields journeyflow reads."""


def freshdesk_csv_row(ticket_id: str, created: str, status: str = "Open", source: str = "Email",
                      email: str = "", resolved: str = "", closed: str = "",
                      updated: str = "") -> list[str]:
    return [ticket_id, "Where is my order?", status, "Medium", source, "Question", "Sven Support",
            "Support", created, created, resolved, closed, updated or created, "delivery",
            "Anna Schmidt", email]
def write_custom(folder: Path, name: str, mapping: str, files: dict[str, bytes | str]) -> Path:
    """A custom source: custom/<name>/source.yaml plus its data files (bytes are written as-is)."""
    path = folder / "custom" / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "source.yaml").write_text(mapping, encoding="utf-8")
    for file_name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (path / file_name).write_bytes(data)
    return path


def write_gzip_lines(path: Path, lines: list[str]) -> Path:
    """Lines gzip-compressed, as the cloud loaders deliver them (Segment, Snowplow, BigQuery)."""
    import gzip

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode("utf-8"), mtime=0))
    return path


# ---- a connector's tables (Fivetran, Airbyte) dumped from a warehouse: {table: records} -----------
def write_parquet_tables(folder: Path, dump: dict[str, list[dict]]) -> None:
    """One Parquet file per table, `<table>.parquet`."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in dump.items():
        pq.write_table(pa.Table.from_pylist(records), folder / f"{table}.parquet")


def write_csv_tables(folder: Path, dump: dict[str, list[dict]], value: Callable[[object], str]) -> None:
    """One CSV file per table, `<table>.csv`: every column any record has, each value as `value`
    writes it (the warehouse's CSV unload)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in dump.items():
        header = list(dict.fromkeys(key for record in records for key in record))
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([value(record.get(key)) for key in header] for record in records)


def write_duckdb_tables(path: Path, dump: dict[str, list[dict]], schema: str) -> None:
    """The tables in a DuckDB file, in `schema` (created unless it is `main`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    if schema != "main":
        con.execute(f"CREATE SCHEMA {schema}")
    for table, records in dump.items():
        con.register("records", pa.Table.from_pylist(records))
        con.execute(f'CREATE TABLE "{path.stem}".{schema}."{table}" AS SELECT * FROM records')
        con.unregister("records")
    con.close()


def write_sqlite_tables(path: Path, dump: dict[str, list[dict]], value: Callable[[object], object]) -> None:
    """The tables in a SQLite file (no schema), each value as `value` gives it (SQLite has no
    time or boolean type: text, or 0/1); NULL stays NULL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        for table, records in dump.items():
            header = list(dict.fromkeys(key for record in records for key in record))
            db.execute(f'CREATE TABLE "{table}" ({", ".join(header)})')
            db.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(header))})', [
                [None if v is None else value(v)
                 for v in (record.get(key) for key in header)] for record in records])
        db.commit()


def same_file(path: Path, expected: Path) -> bool:
    """The same bytes; for Parquet, the same schema and rows: the bytes also depend on the writer's
    version (polars 2.2 lays out the pages of the file polars 2.1 wrote for the shipped sample
    otherwise), which a fresh install chooses, not the generator."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        got, want = pq.read_table(path), pq.read_table(expected)
        return got.schema.equals(want.schema, check_metadata=False) and got.equals(want)
    return path.read_bytes() == expected.read_bytes()
