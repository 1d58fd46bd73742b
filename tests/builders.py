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
