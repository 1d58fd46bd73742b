"""The generator's support and survey exports: shapes, links to the other exports, defects."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journeyflow.generate.support import MIGRATION_DAY, SUPPORT_DEFECT_ROWS, SUPPORT_DEFECTS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
START = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2026, 9, 29, tzinfo=UTC)
NEW_FILES = ("zendesk/satisfaction_ratings.json", "freshdesk/tickets_page_001.json",
             "surveys/csat.csv", "surveys/ces.csv", "freshdesk/tickets_archive_export.csv")


def iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def load(root: Path, name: str):
    return json.loads((root / name).read_text(encoding="utf-8"))


def survey(root: Path, name: str, folder: str = "surveys") -> list[dict[str, str]]:
    with (root / folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def archive(root: Path) -> list[dict[str, str]]:
    return survey(root, "tickets_archive_export", folder="freshdesk")


@pytest.fixture(scope="module")
def dirty(generated: tuple[Path, dict[str, int]]) -> tuple[Path, dict[str, int]]:
    return generated  # generate(out, persons=200, seed=42), once per session (conftest.py)


@pytest.fixture(scope="module")
def clean(generated_clean: Path) -> Path:
    return generated_clean  # generate(out, persons=200, seed=42, defects=False), once per session


def test_the_committed_sample_is_what_the_generator_writes(dirty):
    root, _ = dirty
    for name in NEW_FILES:
        assert (root / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_counts_match_files_and_defects_are_extra_records(dirty, clean):
    root, counts = dirty
    assert counts["zendesk_satisfaction_ratings"] == load(root, NEW_FILES[0])["count"]
    assert counts["freshdesk_tickets"] == len(load(root, NEW_FILES[1]))
    assert counts["survey_csat"] == len(survey(root, "csat"))
    assert counts["survey_ces"] == len(survey(root, "ces"))
    assert counts["freshdesk_tickets_csv"] == len(archive(root))
    assert len(SUPPORT_DEFECTS) == sum(SUPPORT_DEFECT_ROWS.values()) == 10
    tidy = {"zendesk_satisfaction_ratings": load(clean, NEW_FILES[0])["count"],
            "freshdesk_tickets": len(load(clean, NEW_FILES[1])),
            "survey_csat": len(survey(clean, "csat")), "survey_ces": len(survey(clean, "ces")),
            "freshdesk_tickets_csv": len(archive(clean))}
    assert {k: counts[k] - tidy[k] for k in tidy} == SUPPORT_DEFECT_ROWS


def test_each_defect_is_present_once(dirty):
    root, _ = dirty
    ratings = load(root, NEW_FILES[0])["satisfaction_ratings"]
    assert sum(r["ticket_id"] is None for r in ratings) == 1
    assert sum(r["created_at"].startswith("2099") for r in ratings) == 1
    tickets = load(root, NEW_FILES[1])
    assert sum(t["requester_id"] is None for t in tickets) == 1
    assert [t["status"] for t in tickets if not isinstance(t["status"], int)] == ["Resolved"]
    archived = archive(root)
    assert sum(not r["Requester email"] for r in archived) == 1
    assert [r["Created time"] for r in archived if "." in r["Created time"]] == ["31.06.2026 10:00"]
    csat = survey(root, "csat")
    assert sum(not r["email"] and not r["user_id"] for r in csat) == 1
    assert [r["score"] for r in csat if r["score"] not in "12345"] == ["6"]
    ces = survey(root, "ces")
    assert [r["score"] for r in ces if r["score"] not in list("1234567")] == ["n/a"]
    rows = [tuple(r.values()) for r in ces]
    assert sum(a == b for a, b in zip(rows, rows[1:], strict=False)) == 1


def test_ratings_agree_with_the_tickets_and_follow_the_solve(clean):
    tickets = {t["id"]: t for t in load(clean, "zendesk/tickets.json")["tickets"]}
    ratings = load(clean, NEW_FILES[0])["satisfaction_ratings"]
    assert ratings and len({r["ticket_id"] for r in ratings}) == len(ratings)  # one per ticket
    for rating in ratings:
        ticket = tickets[rating["ticket_id"]]
        assert rating["score"] == ticket["satisfaction_rating"]["score"]
        assert rating["requester_id"] == ticket["requester_id"]
        assert ticket["status"] in ("solved", "closed")
        assert iso(ticket["created_at"]) <= iso(rating["created_at"]) <= iso(ticket["updated_at"])
    # a share of the answered tickets is left out: those keep their embedded rating (fallback)
    answered = [t for t in tickets.values() if t["satisfaction_rating"]["score"] in ("good", "bad")]
    assert 0 < sum(r["score"] in ("good", "bad") for r in ratings) < len(answered)


def test_freshdesk_is_the_older_helpdesk_of_known_people(clean):
    tickets = load(clean, NEW_FILES[1])
    archived = archive(clean)
    assert 20 <= len(tickets) + len(archived) <= 60
    # archived tickets are closed, and the list API no longer returns them
    assert archived and {r["Status"] for r in archived} == {"Closed"}
    assert not {int(r["Ticket ID"]) for r in archived} & {t["id"] for t in tickets}
    migration = datetime(2026, 6, 1, tzinfo=UTC).timestamp() + MIGRATION_DAY * 86400
    with (clean / "hubspot" / "contacts.csv").open(newline="", encoding="utf-8") as handle:
        emails = {r["Email"].strip().lower() for r in csv.DictReader(handle)}
    for t in tickets:
        assert iso(t["created_at"]).timestamp() < migration
        assert t["status"] in (2, 3, 4, 5) and t["source"] in (1, 2, 3, 7)
        assert t["requester"]["id"] == t["requester_id"]
        assert t["requester"]["email"].strip().lower() in emails
        resolved = t["stats"]["resolved_at"]
        assert (resolved is not None) == (t["status"] in (4, 5))
        assert START <= iso(t["created_at"]) <= iso(t["updated_at"]) < END
    assert [t["created_at"] for t in tickets] == sorted((t["created_at"] for t in tickets),
                                                        reverse=True)  # the API's default order


def test_survey_answers_have_an_identity_a_valid_score_and_a_time_in_the_window(clean):
    for name, top in (("csat", 5), ("ces", 7)):
        rows = survey(clean, name)
        assert rows and len({r["response_id"] for r in rows}) == len(rows)
        assert all(r["email"] or r["user_id"] for r in rows)
        assert any(not r["email"] for r in rows) and any(not r["user_id"] for r in rows)
        assert all(1 <= int(r["score"]) <= top for r in rows)
        assert all(START <= iso(r["answered_at"]) < END for r in rows)
