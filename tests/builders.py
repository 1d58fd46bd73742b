"""Write tiny export files in the real formats, so tests state their input rows by hand."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

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


def write_custom(folder: Path, name: str, mapping: str, files: dict[str, bytes | str]) -> Path:
    """A custom source: custom/<name>/source.yaml plus its data files (bytes are written as-is)."""
    path = folder / "custom" / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "source.yaml").write_text(mapping, encoding="utf-8")
    for file_name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (path / file_name).write_bytes(data)
    return path
