"""Identity guard: an identifier shared by many persons is reported, not stitched; email variants."""

from datetime import timedelta

from builders import (
    CONTACT_HEADER,
    NPS_HEADER,
    T0,
    ga4_event,
    hubspot_contact,
    write_csv,
    write_ga4,
    write_zendesk,
    zendesk_user,
)
from conftest import rows


def office_pc(folder, users: int) -> None:
    """`users` colleagues log in on the office PC (cookie `office`); each also browses from home."""
    events = [ga4_event(T0, "page_view", "office", path="/")]  # before anyone logs in
    for n in range(1, users + 1):
        at = T0 + timedelta(hours=n)
        events += [
            ga4_event(at, "login", "office", user_id=f"u{n}"),
            ga4_event(at + timedelta(days=1), "page_view", f"home{n}", user_id=f"u{n}", path="/pricing"),
        ]
    write_ga4(folder, events)


def person_of(con, identifier: str) -> str:
    return con.execute(
        "SELECT person_id FROM core.identity_map WHERE identifier = ?", [identifier]
    ).fetchall()[0][0]


def test_shared_cookie_of_five_users_is_not_stitched(build, tmp_path):
    office_pc(tmp_path / "input", users=5)
    con = build()
    conflicts = rows(con, """
        SELECT identifier_kind, identifier, persons_linked, strong_identifiers, reason
        FROM quality.identity_conflicts
    """)
    assert conflicts == [(
        "anon", "anon:office", 5, 5,
        "would merge 5 persons (user ids: 5; limit 3): likely a shared device or browser; "
        "not used for stitching",
    )]
    users = {person_of(con, f"user:u{n}") for n in range(1, 6)}
    assert len(users) == 5
    # each user keeps their home cookie; the office cookie is a person of its own
    assert all(person_of(con, f"anon:home{n}") == person_of(con, f"user:u{n}") for n in range(1, 6))
    assert person_of(con, "anon:office") not in users
    touchpoint_persons = rows(con, """
        SELECT count(DISTINCT t.person_id) FROM core.touchpoints AS t
        JOIN staging.events AS e USING (event_id) WHERE e.user_id IS NOT NULL
    """)
    assert touchpoint_persons == [(5,)]


def test_a_cookie_of_few_users_and_a_raised_limit_still_stitch(build_core, tmp_path):
    office_pc(tmp_path / "input", users=3)
    con = build_core()
    assert rows(con, "SELECT count(*) FROM quality.identity_conflicts") == [(0,)]
    assert len({person_of(con, f"user:u{n}") for n in range(1, 4)}) == 1
    con.close()  # DuckDB would hand the next connect() this still-open database again

    office_pc(tmp_path / "input", users=5)
    con = build_core(max_persons_per_identifier=5)
    assert rows(con, "SELECT count(*) FROM quality.identity_conflicts") == [(0,)]
    assert len({person_of(con, f"user:u{n}") for n in range(1, 6)}) == 1


def test_support_mailbox_used_by_many_contacts_is_not_stitched(build_core, tmp_path):
    folder = tmp_path / "input"
    # four CRM contacts all entered with the shop's support address; Anna has her own address,
    # shop login and Zendesk profile: her email links a user id and a CRM id, which is one person
    contacts = [hubspot_contact(str(100 + n), "Support@Shop.example", "2026-06-01 10:00") for n in range(4)]
    contacts.append(hubspot_contact("200", "anna@example.com", "2026-06-01 10:00", user_id="u1"))
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, contacts)
    write_zendesk(folder, [], [zendesk_user(900, "anna@example.com", external_id="u1")])
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", user_id="u1")])
    con = build_core()
    conflicts = rows(con, "SELECT identifier_kind, persons_linked, reason FROM quality.identity_conflicts")
    assert conflicts == [
        ("email", 4, "would merge 4 persons (hubspot ids: 4; limit 3): likely a shared mailbox; "
                     "not used for stitching"),
    ]
    assert len({person_of(con, f"hubspot:{100 + n}") for n in range(4)}) == 4
    assert person_of(con, "hubspot:200") == person_of(con, "user:u1") == person_of(con, "zendesk:900")
    # the email is stored as a hash: no plain address in the conflicts table
    assert rows(con, "SELECT count(*) FROM quality.identity_conflicts WHERE identifier LIKE '%@%'") == [(0,)]
    # their touchpoints stay apart too: each contact's 2 events (created, lead) on its own person
    assert rows(con, """
        SELECT count(DISTINCT person_id), count(*) FROM core.touchpoints
        WHERE source = 'hubspot' AND event_name = 'contact_created'
    """) == [(5, 5)]


def write_plus_addressed(folder) -> None:
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER,
              [hubspot_contact("101", " Anna+Newsletter@Example.com", "2026-06-01 09:05")])
    write_csv(folder / "surveys" / "nps.csv", NPS_HEADER,
              [["r1", "anna@example.com", "9", "", "2026-06-08T10:00:00Z"]])


def test_plus_addressing_is_kept_by_default(build_core, tmp_path):
    write_plus_addressed(tmp_path / "input")
    con = build_core()
    assert rows(con, "SELECT count(DISTINCT email_hash) FROM staging.events") == [(2,)]
    assert person_of(con, "hubspot:101") != rows(con, """
        SELECT person_id FROM core.touchpoints WHERE source = 'survey'""")[0][0]


def test_strip_plus_addressing_joins_the_tagged_address(build_core, tmp_path):
    write_plus_addressed(tmp_path / "input")
    con = build_core(strip_plus_addressing=True)
    assert rows(con, "SELECT count(DISTINCT email_hash) FROM staging.events") == [(1,)]
    assert rows(con, "SELECT count(DISTINCT person_id) FROM core.touchpoints") == [(1,)]
