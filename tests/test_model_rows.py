"""Models tested alone on given rows (journeyflow.model_rows): no pipeline run, milliseconds each.

The expected rows are worked out by hand in each test from the rows given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from journeyflow.model_rows import run_model
from journeyflow.models import ModelError

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PHASES = [{"phase": name, "phase_order": order} for name, order in [
    ("unaware", 0), ("awareness", 1), ("consideration", 2), ("acquisition", 3), ("service", 4),
    ("loyalty", 5), ("churn", None)]]


def touch(person: str, phase: str, order: int | None) -> dict:
    return {"person_id": person, "phase": phase, "phase_order": order}


def test_phase_funnel_counts_persons_by_the_furthest_phase_they_reached():
    rows = run_model("marts.phase_funnel", {
        "core.phases": PHASES,
        "core.touchpoints": [
            touch("p1", "awareness", 1), touch("p1", "consideration", 2), touch("p1", "acquisition", 3),
            touch("p2", "awareness", 1), touch("p2", "churn", None),  # churned after awareness
            touch("p3", "acquisition", 3),  # skipped the first two phases: still passed them
            touch("p4", "loyalty", 5),
        ],
    })
    # furthest phase: p1 3, p2 1 (churned), p3 3, p4 5
    # entered phase k = persons whose furthest phase >= k; next = furthest >= k + 1
    # 1: 4 entered, 3 went on (not p2): 1 dropped, 1/4; p2 churned there
    # 2: 3 entered (p1, p3, p4), 3 went on; 3: 3 entered, 1 went on (p4): 2 dropped, 2/3
    # 4: 1 entered (p4), 1 went on; 5 (the last): nothing after it
    # with a touchpoint in the phase: 1: p1, p2; 2: p1; 3: p1, p3; 4: nobody; 5: p4
    expected = [
        (1, "awareness", 4, 2, 3, 1, 1 / 4, 1),
        (2, "consideration", 3, 1, 3, 0, 0.0, 0),
        (3, "acquisition", 3, 2, 1, 2, 2 / 3, 0),
        (4, "service", 1, 0, 1, 0, 0.0, 0),
        (5, "loyalty", 1, 1, None, None, None, 0),
    ]
    columns = ["phase_order", "phase", "persons_entered", "persons_with_touchpoint", "persons_next",
               "drop_off", "drop_off_rate", "persons_churned"]
    assert [tuple(row[c] for c in columns) for row in rows] == expected  # IEEE: 2 / 3 alike


def keys(at: timedelta, anon=None, usr=None, email=None, crm=None) -> dict:
    return {"anon": anon, "usr": usr, "email": email, "crm": crm, "support": None,
            "first_seen_at": T0 + at}


def test_an_identifier_seen_with_more_strong_ids_of_one_kind_than_allowed_is_a_conflict():
    rows = run_model("quality.identity_conflicts", {"staging.identity_keys": [
        keys(timedelta(hours=1), anon="anon:pc1", usr="usr:u1"),
        keys(timedelta(hours=2), anon="anon:pc1", usr="usr:u2"),
        keys(timedelta(hours=3), anon="anon:pc1", usr="usr:u3"),
        keys(timedelta(hours=4), anon="anon:pc1", crm="crm:101"),
        # one person's email, user id and CRM contact: one of each kind, no conflict
        keys(timedelta(0), email="email:x", usr="usr:u1", crm="crm:101"),
    ]}, {"max_persons_per_identifier": 2})
    # anon:pc1 was seen with 3 user ids and 1 CRM contact: 3 persons at least (> 2), 4 strong ids;
    # email:x with one user and one contact (1 person); usr:u1 and crm:101 with one other id each
    assert rows == [{
        "identifier_kind": "anon", "identifier": "anon:pc1", "persons_linked": 3,
        "strong_identifiers": 4, "max_persons_per_identifier": 2,
        "reason": "would merge 3 persons (crm ids: 1, usr ids: 3; limit 2): likely a shared device "
                  "or browser; not used for stitching",
        "first_seen_at": T0 + timedelta(hours=1),
    }]
    # the limit is a setting: at 3 the office PC is one person's
    assert run_model("quality.identity_conflicts", {"staging.identity_keys": [
        keys(timedelta(hours=n), anon="anon:pc1", usr=f"usr:u{n}") for n in (1, 2, 3)]},
        {"max_persons_per_identifier": 3}) == []


def test_a_model_is_given_exactly_the_tables_and_parameters_its_sql_reads():
    with pytest.raises(ModelError, match=r"give the rows of core.phases"):
        run_model("marts.phase_funnel", {"core.touchpoints": [touch("p1", "awareness", 1)]})
    with pytest.raises(ModelError, match=r"core.sessions is not read by it"):
        run_model("marts.phase_funnel", {"core.phases": PHASES, "core.touchpoints": [],
                                         "core.sessions": [{"session_id": "s"}]})
    with pytest.raises(ModelError, match=r"needs the parameters \$max_persons_per_identifier"):
        run_model("quality.identity_conflicts", {"staging.identity_keys": [keys(timedelta(0))]})
    with pytest.raises(ModelError, match=r"core.touchpoints: no rows to infer its columns from"):
        run_model("marts.phase_funnel", {"core.phases": PHASES, "core.touchpoints": []})
    # an empty input as an Arrow table with its columns
    empty = pa.table({column: pa.array([], pa.string()) for column in ("anon", "usr", "email", "crm",
                                                                      "support")}
                     ).append_column("first_seen_at", pa.array([], pa.timestamp("us", "UTC")))
    assert run_model("quality.identity_conflicts", {"staging.identity_keys": empty},
                     {"max_persons_per_identifier": 1}) == []
