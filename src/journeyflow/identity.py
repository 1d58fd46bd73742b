"""Identity stitching: identifiers seen together on one record belong to one person.

Identifiers shared by too many persons (quality.identity_conflicts, built before this step) are
left out of the graph by `sql/core/identity_links.sql`: one office PC cookie must not merge everyone
who ever logged in on it.

The identifier graph's connected components are found by min-label propagation in SQL: each round
is one set-based statement, and the number of rounds is bounded by the graph's diameter (a handful),
never by the number of events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeyflow.engines import Engine, build_table

if TYPE_CHECKING:
    import duckdb

MAX_ROUNDS = 100


def edges_of(links: str) -> str:
    """Both directions of every link in `links`: a component is found by following links either way."""
    # `links` is a table or view name of this package, never user input
    return f"SELECT identifier AS a, anchor AS b FROM {links} UNION SELECT anchor, identifier FROM {links}"  # noqa: S608


ALL_EDGES = edges_of("core.identity_links")


def label_components(
    engine: Engine, edges: str = ALL_EDGES, into: str = "core.identity_components", temp: bool = False
) -> int:
    """Write `into` (identifier, component) from the `edges` (a, b) query; returns the rounds it took
    (in an incremental run, the rounds over the relabelled identifiers alone)."""
    engine.create_table("identity_edges", edges, temp=True)
    engine.create_table(
        into, "SELECT a AS identifier, min(least(a, b)) AS component FROM identity_edges GROUP BY a",
        temp=temp,
    )
    for rounds in range(1, MAX_ROUNDS + 1):
        engine.create_table(
            "next_components",
            f"""
            SELECT e.a AS identifier, least(min(c.component), min(own.component)) AS component
            FROM identity_edges AS e
            JOIN {into} AS c ON c.identifier = e.b
            JOIN {into} AS own ON own.identifier = e.a
            GROUP BY e.a
            """,  # noqa: S608 - `into` is a table name from this package, never user input
            temp=True,
        )
        changed = engine.fetch_arrow(
            f"""
            SELECT count(*) FROM next_components AS n
            JOIN {into} AS c USING (identifier)
            WHERE n.component <> c.component
            """  # noqa: S608
        ).column(0)[0].as_py()
        engine.create_table(into, "SELECT * FROM next_components", temp=temp)
        if changed == 0:
            return rounds
    raise RuntimeError(f"identity stitching did not converge in {MAX_ROUNDS} rounds")


def build_identity_map(engine: Engine) -> dict[str, int]:
    """core.identity_links → components → core.identity_map; returns figures for the run log."""
    links = build_table(engine, "core.identity_links")
    rounds = label_components(engine)
    build_table(engine, "core.identity_map")
    return identity_figures(engine.con, links, rounds)


def identity_figures(con: duckdb.DuckDBPyConnection, links: int, rounds: int) -> dict[str, int]:
    """What the run log shows of the identity graph (the tables are in the warehouse on either engine)."""
    identifiers, persons = con.execute(
        "SELECT count(*), count(DISTINCT person_id) FROM core.identity_map").fetchall()[0]
    shared = con.execute("SELECT count(*) FROM quality.identity_conflicts").fetchall()[0][0]
    return {"links": links, "rounds": rounds, "identifiers": identifiers, "persons": persons,
            "shared_identifiers_not_stitched": shared}
