"""Identity stitching: identifiers seen together on one record belong to one person.

Identifiers shared by too many persons (quality.identity_conflicts, built before this step) are
left out of the graph by `sql/core/identity_links.sql`: one office PC cookie must not merge everyone
who ever logged in on it.

The identifier graph's connected components are found by min-label propagation in SQL: each round
is one set-based statement, and the number of rounds is bounded by the graph's diameter (a handful),
never by the number of events.
"""

from __future__ import annotations

import duckdb

from journeyflow.warehouse import build_table

MAX_ROUNDS = 100


def label_components(con: duckdb.DuckDBPyConnection) -> int:
    """Write core.identity_components (identifier, component); returns the rounds it took."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE identity_edges AS
        SELECT identifier AS a, anchor AS b FROM core.identity_links
        UNION
        SELECT anchor, identifier FROM core.identity_links
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE core.identity_components AS
        SELECT a AS identifier, min(least(a, b)) AS component FROM identity_edges GROUP BY a
        """
    )
    for rounds in range(1, MAX_ROUNDS + 1):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE next_components AS
            SELECT e.a AS identifier, least(min(c.component), min(own.component)) AS component
            FROM identity_edges AS e
            JOIN core.identity_components AS c ON c.identifier = e.b
            JOIN core.identity_components AS own ON own.identifier = e.a
            GROUP BY e.a
            """
        )
        changed = con.execute(
            """
            SELECT count(*) FROM next_components AS n
            JOIN core.identity_components AS c USING (identifier)
            WHERE n.component <> c.component
            """
        ).fetchall()[0][0]
        con.execute("CREATE OR REPLACE TABLE core.identity_components AS SELECT * FROM next_components")
        if changed == 0:
            return rounds
    raise RuntimeError(f"identity stitching did not converge in {MAX_ROUNDS} rounds")


def build_identity_map(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """core.identity_links → components → core.identity_map; returns figures for the run log."""
    links = build_table(con, "core.identity_links")
    rounds = label_components(con)
    identifiers = build_table(con, "core.identity_map")
    persons = con.execute("SELECT count(DISTINCT person_id) FROM core.identity_map").fetchall()[0][0]
    shared = con.execute("SELECT count(*) FROM quality.identity_conflicts").fetchall()[0][0]
    return {"links": links, "rounds": rounds, "identifiers": identifiers, "persons": persons,
            "shared_identifiers_not_stitched": shared}
