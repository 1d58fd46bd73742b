"""The few numbers a run ends with: what was loaded, who was seen, where people drop off."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass
class RunSummary:
    events_loaded: int
    rows_rejected: int
    rows_duplicate: int
    persons: int
    journeys: int
    converted_journeys: int
    biggest_drop_off_phase: str | None
    biggest_drop_off_rate: float | None
    rejects_by_file: list[tuple[str, str, int, str]] = field(default_factory=list)

    @property
    def conversion_rate(self) -> float:
        return self.converted_journeys / self.journeys if self.journeys else 0.0


def _scalar(con: duckdb.DuckDBPyConnection, query: str) -> object:
    return con.execute(query).fetchall()[0][0]


def summarise(con: duckdb.DuckDBPyConnection) -> RunSummary:
    drop = con.execute(
        """
        SELECT phase || ' → ' || lead(phase) OVER (ORDER BY phase_order), drop_off_rate
        FROM marts.phase_funnel
        QUALIFY drop_off_rate IS NOT NULL
        ORDER BY drop_off_rate DESC, phase_order
        LIMIT 1
        """
    ).fetchall()
    rejects = con.execute(
        """
        SELECT raw_table, source_file, count(*) AS n, min(reason) AS example
        FROM quality.rejected_rows
        GROUP BY raw_table, source_file
        ORDER BY raw_table, source_file
        """
    ).fetchall()
    return RunSummary(
        events_loaded=_scalar(con, "SELECT count(*) FROM staging.events"),
        rows_rejected=_scalar(con, "SELECT count(*) FROM quality.rejected_rows"),
        rows_duplicate=_scalar(con, "SELECT coalesce(sum(rows_duplicate), 0) FROM quality.load_summary"),
        persons=_scalar(con, "SELECT count(DISTINCT person_id) FROM core.touchpoints"),
        journeys=_scalar(con, "SELECT count(*) FROM core.journeys"),
        converted_journeys=_scalar(con, "SELECT count(*) FROM core.journeys WHERE converted"),
        biggest_drop_off_phase=drop[0][0] if drop else None,
        biggest_drop_off_rate=drop[0][1] if drop else None,
        rejects_by_file=[(r[0], r[1], r[2], r[3]) for r in rejects],
    )
