"""Synthetic support and survey exports: Zendesk satisfaction ratings, Freshdesk tickets, CSAT and
CES answers, for the persons ``journeyflow.generate`` already made (see docs/sources.md).

Story: Zendesk asks for a rating when a ticket is solved; the ratings export holds the answers of a
share of the tickets, with the same score the ticket carries. Freshdesk was the helpdesk before
the move to Zendesk (MIGRATION_DAY days after the start): contacts who were around then have a few
dozen tickets there: the API pages, plus the archived (long closed) tickets, which the list API no
longer returns, as the web app's CSV export. A survey tool sends a CSAT question (1-5) after a
solved ticket and a CES question (1-7, "it was easy") after a solved ticket or a purchase, by email
or in the shop (then only the login user id is known).

Ticket and requester ids are assigned when ``generate`` writes ``zendesk/tickets.json`` and
``users.json``, so the ratings are derived from those two files as written (read back once with
polars), which also keeps them consistent with the ratings embedded in the tickets. Own RNG stream
``default_rng([seed, 2 << 40, 3])``: every file ``generate`` wrote before stays byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from journeyflow.generate.core import (
    _FIRST,
    _LAST,
    _SUBJECTS,
    _TOPICS,
    DAY_US,
    HOUR_US,
    ISO_FMT,
    MINUTE_US,
    _email,
    _fmt,
    _lognormal,
    _ns,
    _sequential_ids,
)

__all__ = ["SUPPORT_DEFECTS", "SUPPORT_DEFECT_ROWS", "write_support_exports"]

SUPPORT_DEFECTS: dict[str, str] = {
    "zendesk_rating_without_ticket": "Zendesk ratings: one rating with ticket_id null (ticket deleted)",
    "zendesk_rating_in_2099": "Zendesk ratings: one rating created in 2099",
    "freshdesk_ticket_without_requester": "Freshdesk: one ticket with requester_id null",
    "freshdesk_status_as_text": 'Freshdesk: one ticket with status "Resolved" instead of a code',
    "freshdesk_csv_without_email": "Freshdesk archive CSV: one row without Requester email",
    "freshdesk_csv_bad_created_time": "Freshdesk archive CSV: one row with Created time 31.06.2026",
    "csat_without_identity": "CSAT: one answer with neither email nor user_id",
    "csat_score_6": "CSAT: one answer with score 6",
    "ces_score_na": "CES: one answer with score n/a",
    "ces_duplicate_row": "CES: one row repeated right after itself",
}
"""Injected defects of these exports; every one is exactly one extra record."""

SUPPORT_DEFECT_ROWS: dict[str, int] = {
    "zendesk_satisfaction_ratings": 2,
    "freshdesk_tickets": 2,
    "freshdesk_tickets_csv": 2,
    "survey_csat": 2,
    "survey_ces": 2,
}

MIGRATION_DAY = 44  # Zendesk replaced Freshdesk on 2026-07-15 in the default sample window
RATING_EXPORTED_P = 0.8  # share of answered (good/bad) ticket ratings found in the ratings export
OFFER_EXPORTED_P = 0.5  # share of offered, unanswered ratings in the export
_BAD_REASONS = ((5, "The issue took too long to resolve"), (6, "The issue was not resolved"),
                (7, "The agent's knowledge is unsatisfactory"),
                (8, "The agent's attitude is unsatisfactory"))
_RATING_COMMENTS = ("Thanks, quick and friendly help!", "Solved in one reply.",
                    "Took a week and three emails.", "Still not fixed, I had to call twice.", None)
ZENDESK = "https://example.zendesk.com/api/v2"
FRESHDESK_REQUESTER0 = 47_000_012_001
FRESHDESK_TICKET0 = 2841
FRESHDESK_PER_PAGE = 100
# Freshdesk archives closed tickets after a period without activity; the list API no longer returns
# them, the web app's Archive view exports them as CSV (tickets closed before this day)
ARCHIVE_BEFORE_DAY = 40
FRESHDESK_CSV_HEADER = (
    "Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group",
    "Created time", "Due by Time", "Resolved time", "Closed time", "Last update time", "Tags",
    "Requester name", "Requester email",
)
_FD_NAMES = {
    "status": {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"},
    "priority": {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"},
    "source": {1: "Email", 2: "Portal", 3: "Phone", 7: "Chat"},
}
CSV_TIME_FMT = "%Y-%m-%d %H:%M:%S"
_FD_SOURCE = np.array([1, 2, 3, 7])  # email, portal, phone, chat
_FD_SOURCE_P = np.array([0.5, 0.25, 0.1, 0.15])
_FD_TYPE = {"incident": "Incident", "problem": "Problem", "question": "Question", "task": "Refund"}
_CSAT_P = np.array([[0.05, 0.07, 0.13, 0.35, 0.40], [0.25, 0.25, 0.20, 0.20, 0.10]])
_CES_P = np.array([[0.03, 0.04, 0.08, 0.15, 0.25, 0.25, 0.20],
                   [0.15, 0.20, 0.20, 0.15, 0.15, 0.10, 0.05]])
_SURVEY_COMMENTS = ("Quick, friendly answer.", "Easy, thanks", "Had to explain it twice,\nstill open.",
                    "Too many steps to get a refund.", None)
SURVEY_HEADER = ("response_id", "email", "user_id", "score", "comment", "answered_at")


def write_support_exports(out_dir: Path, people: pl.DataFrame, seed: int, start_us: int,
                          end_us: int, defects: bool) -> dict[str, int]:
    """Write zendesk/satisfaction_ratings.json, freshdesk/tickets_page_NNN.json and
    tickets_archive_export.csv, surveys/csat.csv and surveys/ces.csv; return records written per
    file kind (with defects)."""
    rng = np.random.default_rng([seed, 2 << 40, 3])
    out_dir = Path(out_dir)
    for sub in ("zendesk", "freshdesk", "surveys"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    for old in (out_dir / "freshdesk").glob("tickets_page_*.json"):
        old.unlink()
    people = people.with_columns(
        pl.when(pl.col("signed")).then(pl.concat_str(
            pl.lit("u_"), (pl.col("pid") + 1).cast(pl.String).str.zfill(6))).alias("user_id"))
    tickets = _zendesk_tickets(out_dir / "zendesk", people)
    counts = {"zendesk_satisfaction_ratings": _write_ratings(rng, tickets, out_dir / "zendesk",
                                                             defects)}
    fd, counts["freshdesk_tickets"], counts["freshdesk_tickets_csv"] = _write_freshdesk(
        rng, people, out_dir / "freshdesk", start_us, end_us, defects)
    solved = pl.concat([
        tickets.filter(pl.col("status").is_in(["solved", "closed"])).select(
            "pid", "churn", pl.col("solved").alias("at")),
        fd.filter(pl.col("resolved") >= 0).select("pid", "churn", pl.col("resolved").alias("at")),
    ]).sort("at", "pid")
    purchases = people.filter(pl.col("customer") >= 0).select(
        "pid", pl.lit(False).alias("churn"), pl.col("customer").alias("at"))
    counts["survey_csat"] = _write_survey(rng, people, solved, None, 0.3, _CSAT_P, "cs",
                                          out_dir / "surveys" / "csat.csv", end_us, defects)
    counts["survey_ces"] = _write_survey(rng, people, solved, purchases, 0.2, _CES_P, "ce",
                                         out_dir / "surveys" / "ces.csv", end_us, defects)
    return counts


def _zendesk_tickets(zendesk_dir: Path, people: pl.DataFrame) -> pl.DataFrame:
    """tickets.json joined to its requesters' persons (users.json email = the person's Zendesk email)."""
    def records(name: str) -> pl.DataFrame:
        """The list's records, one row each (an empty list: no columns)."""
        listed = pl.read_json(zendesk_dir / f"{name}.json").select(name)
        if not isinstance(listed.schema[name], pl.List) or listed.schema[name].inner == pl.Null:
            return pl.DataFrame()
        return listed.explode(name).unnest(name)

    users = records("users")
    tickets = records("tickets")
    # a tiny run: no ticket, or none but the defect one, or no end-user
    if "assignee_id" not in tickets.columns or "role" not in users.columns:
        return pl.DataFrame(schema={
            "id": pl.Int64, "requester_id": pl.Int64, "assignee_id": pl.Int64,
            "group_id": pl.Int64, "status": pl.String, "score": pl.String, "updated": pl.Int64,
            "churn": pl.Boolean, "zd_email": pl.String, "pid": pl.Int64, "solved": pl.Int64})
    users = users.filter(pl.col("role") == "end-user").select(
        pl.col("id").alias("requester_id"), pl.col("email").alias("zd_email"))
    ts = pl.col("updated_at").str.to_datetime(ISO_FMT, time_zone="UTC").dt.epoch("us")
    return (
        tickets
        .filter(pl.col("created_at").is_not_null())
        .select("id", "requester_id", "assignee_id", "group_id", "status",
                pl.col("satisfaction_rating").struct.field("score").alias("score"),
                ts.alias("updated"), pl.col("tags").list.contains("churn_risk").alias("churn"))
        .join(users, on="requester_id", how="inner", maintain_order="left")
        .join(people.select("pid", "zd_email"), on="zd_email", how="inner", maintain_order="left")
        # a closed ticket was solved four days before (Zendesk's auto-close), see core.py
        .with_columns(pl.when(pl.col("status") == "closed").then(pl.col("updated") - 4 * DAY_US)
                      .otherwise(pl.col("updated")).alias("solved"))
    )


def _write_ratings(rng: np.random.Generator, tickets: pl.DataFrame, out: Path,
                   defects: bool) -> int:
    """satisfaction_ratings.json: the answers (and some open offers) of solved tickets."""
    n = tickets.height
    answered = tickets["score"].is_in(["good", "bad"]).to_numpy()
    offered = (tickets["score"] == "offered").to_numpy()
    u = rng.random(n)
    keep = (answered & (u < RATING_EXPORTED_P)) | (offered & (u < OFFER_EXPORTED_P))
    # answered some hours after the solve, before the auto-close (a solved ticket: at the solve)
    lag = np.minimum(_ns(_lognormal(rng, 5 * 3600.0, 0.8, n)),
                     (tickets["updated"] - tickets["solved"]).to_numpy())
    reason = rng.integers(len(_BAD_REASONS), size=n)
    comment = np.where(rng.random(n) < 0.4, np.where(
        tickets["score"].to_numpy() == "good", rng.integers(2, size=n), 2 + rng.integers(2, size=n)),
        len(_RATING_COMMENTS) - 1)
    df = tickets.with_columns(
        pl.Series("created", np.where(answered, tickets["solved"].to_numpy() + lag,
                                      tickets["solved"].to_numpy())),
        pl.Series("reason", reason), pl.Series("comment", comment),
    ).filter(pl.Series(keep)).sort("created", "id")
    df = df.with_columns(pl.Series("rating_id", _sequential_ids(rng, df.height, 360_001_001, 3)))
    is_bad = pl.col("score") == "bad"
    rows = df.select(
        pl.col("rating_id").alias("id"),
        pl.concat_str(pl.lit(f"{ZENDESK}/satisfaction_ratings/"), pl.col("rating_id").cast(pl.String),
                      pl.lit(".json")).alias("url"),
        "assignee_id", "group_id", "requester_id", pl.col("id").alias("ticket_id"), "score",
        pl.when(pl.col("score") != "offered").then(
            pl.lit(pl.Series(list(_RATING_COMMENTS), dtype=pl.String)).gather(pl.col("comment")))
        .alias("comment"),
        pl.when(is_bad).then(pl.lit(pl.Series([r[1] for r in _BAD_REASONS])).gather(pl.col("reason")))
        .otherwise(pl.lit("No reason provided")).alias("reason"),
        pl.when(is_bad).then(pl.lit(pl.Series([r[0] for r in _BAD_REASONS])).gather(pl.col("reason")))
        .otherwise(pl.lit(0)).alias("reason_id"),
        _fmt("created", ISO_FMT).alias("created_at"),
        _fmt("created", ISO_FMT).alias("updated_at"),
    ).to_dicts()
    if defects and rows:
        base = rows[len(rows) // 2]
        last_id = int(df["rating_id"].max())  # type: ignore[arg-type]
        deleted = dict(base, id=last_id + 1, ticket_id=None,
                       url=f"{ZENDESK}/satisfaction_ratings/{last_id + 1}.json")
        future = dict(rows[len(rows) // 3], id=last_id + 2, created_at="2099-01-01T10:00:00Z",
                      url=f"{ZENDESK}/satisfaction_ratings/{last_id + 2}.json")
        rows.insert(len(rows) // 2 + 1, deleted)
        rows.insert(len(rows) // 3 + 1, future)
    body = {"satisfaction_ratings": rows, "next_page": None, "previous_page": None,
            "count": len(rows)}
    (out / "satisfaction_ratings.json").write_text(
        json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(rows)


def _write_freshdesk(rng: np.random.Generator, people: pl.DataFrame, out: Path, start_us: int,
                     end_us: int, defects: bool) -> tuple[pl.DataFrame, int]:
    """tickets_page_NNN.json: `GET /api/v2/tickets?include=requester,stats` pages (newest first),
    tickets of contacts created before the migration, opened before it; the archived ones (closed
    before ARCHIVE_BEFORE_DAY) only in the archive CSV."""
    migration = min(start_us + MIGRATION_DAY * DAY_US, end_us)
    n = people.height
    create = people["create"].to_numpy()
    customer = people["customer"].to_numpy()
    p = np.where((customer >= 0) & (customer < migration), 0.8, 0.35)
    n_t = np.where((create >= 0) & (create < migration - 3 * HOUR_US) & (rng.random(n) < p),
                   np.minimum(rng.geometric(0.5, size=n), 3), 0)
    who = np.repeat(np.arange(n), n_t)
    T = len(who)
    created = create[who] + HOUR_US + (rng.random(T) * (migration - 2 * HOUR_US - create[who]))
    created = created.astype(np.int64)
    resolved = created + _ns(np.clip(_lognormal(rng, 0.8 * 86400.0, 1.0, T), 1800, 12 * 86400.0))
    still_open = rng.random(T) < 0.1
    closed = resolved + 3 * DAY_US
    status = np.where(still_open, 2 + (rng.random(T) < 0.3), np.where(closed < end_us, 5, 4))
    resolved = np.where(still_open | (resolved >= end_us), -1, resolved)
    status = np.where((status >= 4) & (resolved < 0), 2, status)
    first_resp = created + _ns(rng.uniform(600, 8 * 3600, T))
    updated = np.where(status == 5, closed, np.where(status == 4, resolved,
                                                     np.minimum(first_resp, end_us - MINUTE_US)))
    topic = rng.integers(len(_TOPICS), size=T)
    subj_n = np.array([len(t[1]) for t in _TOPICS])
    subj_off = np.concatenate([[0], np.cumsum(subj_n)[:-1]])
    tp = people[who].select("pid", "first", "last", "pattern", "domain").with_columns(
        pl.Series("created", created), pl.Series("resolved", resolved),
        pl.Series("closed", np.where(status == 5, closed, -1)), pl.Series("updated", updated),
        pl.Series("first_resp", first_resp), pl.Series("status", status),
        pl.Series("priority", rng.choice(4, size=T, p=[0.3, 0.45, 0.2, 0.05]) + 1),
        pl.Series("source", rng.choice(_FD_SOURCE, size=T, p=_FD_SOURCE_P)),
        pl.Series("topic", topic),
        pl.Series("subject", subj_off[topic] + (rng.random(T) * subj_n[topic]).astype(int)),
        pl.Series("fd_variant", rng.choice(3, size=T, p=[0.85, 0.1, 0.05])),
        pl.lit(False).alias("churn"),
    ).sort("created", "pid")
    requesters = tp.select("pid").unique(maintain_order=True)
    requesters = requesters.with_columns(
        pl.Series("requester_id", _sequential_ids(rng, requesters.height, FRESHDESK_REQUESTER0, 4)))
    tp = tp.join(requesters, on="pid", how="left", maintain_order="left").with_columns(
        pl.Series("id", _sequential_ids(rng, T, FRESHDESK_TICKET0, 3)))
    name = pl.concat_str(pl.lit(pl.Series(list(_FIRST))).gather(pl.col("first")), pl.lit(" "),
                         pl.lit(pl.Series(list(_LAST))).gather(pl.col("last")))
    email = _email("fd_variant")
    archived = (pl.col("status") == 5) & (pl.col("closed") < start_us + ARCHIVE_BEFORE_DAY * DAY_US)
    csv_count = _write_freshdesk_archive(tp.filter(archived), out, defects)
    ticket_rows = tp.filter(~archived).sort("created", "id", descending=True).select(
        pl.lit([], dtype=pl.List(pl.String)).alias("cc_emails"),
        pl.lit([], dtype=pl.List(pl.String)).alias("fwd_emails"),
        pl.lit([], dtype=pl.List(pl.String)).alias("reply_cc_emails"),
        pl.lit(False).alias("fr_escalated"), pl.lit(False).alias("spam"),
        pl.lit(None, pl.Int64).alias("email_config_id"), pl.lit(None, pl.Int64).alias("group_id"),
        "priority", "requester_id",
        pl.when(pl.col("status") >= 3).then(pl.lit(47_000_000_101)).alias("responder_id"),
        "source", pl.lit(None, pl.Int64).alias("company_id"), "status",
        pl.lit(pl.Series(_SUBJECTS)).gather(pl.col("subject")).alias("subject"),
        pl.lit(None, pl.List(pl.String)).alias("to_emails"), pl.lit(None, pl.Int64).alias("product_id"),
        "id",
        pl.lit(pl.Series([_FD_TYPE[t[2]] for t in _TOPICS])).gather(pl.col("topic")).alias("type"),
        pl.lit(None, pl.String).alias("due_by"), pl.lit(None, pl.String).alias("fr_due_by"),
        pl.lit(False).alias("is_escalated"),
        pl.struct(pl.lit(None, pl.String).alias("cf_order_number")).alias("custom_fields"),
        _fmt("created", ISO_FMT).alias("created_at"), _fmt("updated", ISO_FMT).alias("updated_at"),
        pl.concat_list(pl.lit(pl.Series([t[0] for t in _TOPICS])).gather(pl.col("topic")),
                       pl.lit("sister-brand")).alias("tags"),
        pl.struct(pl.col("requester_id").alias("id"), name.alias("name"), email.alias("email"),
                  pl.lit(None, pl.String).alias("mobile"), pl.lit(None, pl.String).alias("phone"))
        .alias("requester"),
        pl.struct(
            _fmt("first_resp", ISO_FMT).alias("agent_responded_at"),
            pl.lit(None, pl.String).alias("requester_responded_at"),
            _fmt("first_resp", ISO_FMT).alias("first_responded_at"),
            _fmt("updated", ISO_FMT).alias("status_updated_at"),
            pl.lit(None, pl.String).alias("reopened_at"),
            _fmt("resolved", ISO_FMT).alias("resolved_at"),
            _fmt("closed", ISO_FMT).alias("closed_at"),
            pl.when(pl.col("status") == 3).then(_fmt("updated", ISO_FMT)).alias("pending_since"),
        ).alias("stats"),
    ).with_columns(pl.col("created_at").alias("due_by"), pl.col("created_at").alias("fr_due_by"))
    rows = ticket_rows.to_dicts()
    if defects and rows:
        last_id = int(tp["id"].max())  # type: ignore[arg-type]
        rows.insert(len(rows) // 3, dict(rows[len(rows) // 3], id=last_id + 1, requester_id=None))
        rows.insert(2 * len(rows) // 3, dict(rows[2 * len(rows) // 3], id=last_id + 2,
                                             status="Resolved"))
    for page, lo in enumerate(range(0, max(len(rows), 1), FRESHDESK_PER_PAGE), start=1):
        (out / f"tickets_page_{page:03d}.json").write_text(
            json.dumps(rows[lo:lo + FRESHDESK_PER_PAGE], ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8")
    return tp, len(rows), csv_count


def _write_freshdesk_archive(tp: pl.DataFrame, out: Path, defects: bool) -> int:
    """tickets_archive_export.csv: the archived tickets as the web app exports them (names, local
    times without a zone; the sample's helpdesk runs on UTC)."""
    def names(column: str) -> pl.Expr:
        mapping = _FD_NAMES[column]
        return pl.col(column).replace_strict(list(mapping), list(mapping.values()),
                                             return_dtype=pl.String)

    rows = tp.sort("created", "id").select(
        pl.col("id").cast(pl.String).alias("Ticket ID"),
        pl.lit(pl.Series(_SUBJECTS)).gather(pl.col("subject")).alias("Subject"),
        names("status").alias("Status"), names("priority").alias("Priority"),
        names("source").alias("Source"),
        pl.lit(pl.Series([_FD_TYPE[t[2]] for t in _TOPICS])).gather(pl.col("topic")).alias("Type"),
        pl.lit("Nora Support").alias("Agent"), pl.lit("Sister brand").alias("Group"),
        _fmt("created", CSV_TIME_FMT).alias("Created time"),
        _fmt("created", CSV_TIME_FMT).alias("Due by Time"),
        _fmt("resolved", CSV_TIME_FMT).alias("Resolved time"),
        _fmt("closed", CSV_TIME_FMT).alias("Closed time"),
        _fmt("updated", CSV_TIME_FMT).alias("Last update time"),
        pl.concat_str(pl.lit(pl.Series([t[0] for t in _TOPICS])).gather(pl.col("topic")),
                      pl.lit(",sister-brand")).alias("Tags"),
        pl.concat_str(pl.lit(pl.Series(list(_FIRST))).gather(pl.col("first")), pl.lit(" "),
                      pl.lit(pl.Series(list(_LAST))).gather(pl.col("last"))).alias("Requester name"),
        _email("fd_variant").alias("Requester email"),
    )
    if defects and rows.height:
        next_id = str(int(tp["id"].max()) + 3)  # type: ignore[arg-type]
        no_email = rows.slice(rows.height // 2, 1).with_columns(
            pl.lit(next_id).alias("Ticket ID"), pl.lit(None, pl.String).alias("Requester email"))
        bad_date = rows.slice(rows.height // 3, 1).with_columns(
            pl.lit(str(int(next_id) + 1)).alias("Ticket ID"),
            pl.lit("31.06.2026 10:00").alias("Created time"))
        order = np.insert(np.arange(rows.height), [rows.height // 3, rows.height // 2],
                          [rows.height, rows.height + 1])
        rows = pl.concat([rows, bad_date, no_email])[order]
    rows.write_csv(out / "tickets_archive_export.csv")
    return rows.height


def _write_survey(rng: np.random.Generator, people: pl.DataFrame, after_ticket: pl.DataFrame,
                  after_purchase: pl.DataFrame | None, p_ticket: float, score_p: np.ndarray,
                  prefix: str, path: Path, end_us: int, defects: bool) -> int:
    """One survey's CSV: an answer to a share of the moments, hours after each, by email, by
    shop login (in-app) or both; churners answer lower."""
    moments = after_ticket.with_columns(pl.lit(p_ticket).alias("p"))
    if after_purchase is not None:
        moments = pl.concat([moments, after_purchase.with_columns(pl.lit(0.25).alias("p"))])
    m = moments.height
    lag = _ns(np.clip(_lognormal(rng, 6 * 3600.0, 1.0, m), 600, 10 * 86400.0))
    answered = moments["at"].to_numpy() + lag
    pick = (rng.random(m) < moments["p"].to_numpy()) & (answered < end_us - HOUR_US)
    churn = moments["churn"].to_numpy().astype(int)
    u = rng.random(m)
    score = (u[:, None] > np.cumsum(score_p[churn], axis=1)).sum(axis=1) + 1
    score = np.minimum(score, score_p.shape[1])
    how = rng.choice(3, size=m, p=[0.55, 0.3, 0.15])  # email, in-app (user id), both
    df = moments.select("pid").with_columns(
        pl.Series("answered", answered), pl.Series("score", score), pl.Series("how", how),
        # praise for a top score, a complaint for a low one, mostly no comment
        pl.Series("comment", np.where(rng.random(m) < 0.5, len(_SURVEY_COMMENTS) - 1, np.where(
            score >= score_p.shape[1] - 1, rng.integers(2, size=m), np.where(
                score <= 2, 2 + rng.integers(2, size=m), len(_SURVEY_COMMENTS) - 1)))),
        pl.Series("variant", rng.choice(3, size=m, p=[0.85, 0.1, 0.05])),
    ).filter(pl.Series(pick)).sort("answered", "pid").join(
        people.select("pid", "first", "last", "pattern", "domain", "user_id"), on="pid",
        how="inner", maintain_order="left")
    in_app = (pl.col("how") >= 1) & pl.col("user_id").is_not_null()
    rows = df.select(
        pl.concat_str(pl.lit(prefix + "_"), pl.int_range(1, pl.len() + 1).cast(pl.String)
                      .str.zfill(6)).alias("response_id"),
        pl.when(~in_app | (pl.col("how") == 2)).then(_email("variant")).alias("email"),
        pl.when(in_app).then(pl.col("user_id")).alias("user_id"),
        pl.col("score").cast(pl.String),
        pl.lit(pl.Series(list(_SURVEY_COMMENTS), dtype=pl.String)).gather(pl.col("comment"))
        .alias("comment"),
        _fmt("answered", ISO_FMT).alias("answered_at"),
    )
    if defects and rows.height:
        mid = rows.height // 2
        if prefix == "cs":
            extra = [rows.slice(mid, 1).with_columns(
                         pl.lit(f"{prefix}_{rows.height + 1:06d}").alias("response_id"),
                         pl.lit(None, pl.String).alias("email"),
                         pl.lit(None, pl.String).alias("user_id")),
                     rows.slice(mid // 2, 1).with_columns(
                         pl.lit(f"{prefix}_{rows.height + 2:06d}").alias("response_id"),
                         pl.lit("6").alias("score"))]
            order = np.insert(np.arange(rows.height), [mid // 2, mid], [rows.height, rows.height + 1])
        else:
            extra = [rows.slice(mid, 1).with_columns(
                pl.lit(f"{prefix}_{rows.height + 1:06d}").alias("response_id"),
                pl.lit("n/a").alias("score"))]
            order = np.insert(np.arange(rows.height), mid, rows.height)
            dup_at = rows.height // 3
            order = np.insert(order, dup_at + 1, order[dup_at])  # exact copy right after itself
        rows = pl.concat([rows, *extra])[order]
    rows.select(SURVEY_HEADER).write_csv(path)
    return rows.height
