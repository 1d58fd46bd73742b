"""The figures and small tables of the explorer app and the static report, built from the warehouse.

One module draws for both (`journeyflow app` and `journeyflow report`), so a Sankey or a funnel reads the
same in either. Every function takes an open (read-only) connection and a `Filters`: the filters pick a
set of journeys in SQL (values bound as parameters, never formatted into the text), every figure is
computed over those journeys only, and only aggregated rows reach Python. Where a mart exists over all
journeys (touchpoint KPIs, the phase funnel), its own SQL file is run over the selected journeys, so a
figure without filters equals the mart and the definitions live in one place (docs/metrics.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import duckdb
import plotly.graph_objects as go
import polars as pl

from journeyflow.config import Settings
from journeyflow.connection import table_exists
from journeyflow.engines import used_params
from journeyflow.funnels import BREAKDOWNS, Funnel, FunnelStep, steps_cte
from journeyflow.markov import solve_chain
from journeyflow.sql_refs import reading, tables_read
from journeyflow.sql_templates import sql_text

PHASES = ("awareness", "consideration", "acquisition", "service", "loyalty", "churn")
PHASE_COLOURS = {
    "awareness": "#4C78A8", "consideration": "#72B7B2", "acquisition": "#54A24B", "service": "#EECA3B",
    "loyalty": "#B279A2", "churn": "#E45756", "unmapped": "#BAB0AC",
}
NODE_COLOURS = {"START": "#9D9D9D", "CONVERSION": "#2E7D32", "EXIT": "#6B6B6B"}
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2", "#FF9DA6",
           "#9D755D", "#BAB0AC")
OTHER, MORE = "(other)", "(more steps)"
SPECIAL = ("START", "CONVERSION", "EXIT")
PLOT_CONFIG = {"displaylogo": False, "responsive": True}

# What a Sankey node or a funnel step can be: a fixed list of columns of core.touchpoints (identifiers
# are chosen from these, never taken from the caller's text).
LEVELS = {"touchpoint": "t.touchpoint", "channel": "t.channel", "phase": "coalesce(t.phase, 'unmapped')"}
SEGMENTS = {"first_channel": "j.first_channel", "first_touchpoint": "j.first_touchpoint",
            "start_month": "strftime(j.started_at, '%Y-%m')"}


# --- readable numbers ---------------------------------------------------------------------------------------


def format_count(value: float | None) -> str:
    """12,345: thousands separators, no decimals."""
    return "–" if value is None else f"{round(value):,}"


def format_rate(value: float | None, digits: int = 1) -> str:
    """A 0..1 share as a percentage."""
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}%}"


def format_duration(seconds: float | None) -> str:
    """Seconds in the unit a person reads: 45 s, 12 min, 3.5 h, 4.2 days."""
    if seconds is None or math.isnan(seconds):
        return "–"
    if abs(seconds) < 60:
        return f"{seconds:.0f} s"
    if abs(seconds) < 3600:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.1f} days"


def format_money(amount: float | None, currency: str | None) -> str:
    """1,234.50 EUR: two decimals, thousands separators, the currency code after the amount."""
    if amount is None:
        return "–"
    return f"{amount:,.2f} {currency}" if currency else f"{amount:,.2f} (no currency)"


RATE_COLUMNS = re.compile(r"(_rate|^csat|_share|probability|removal_effect|^from_first|^from_previous)$")
DURATION_COLUMNS = re.compile(r"seconds")
SCORE_COLUMNS = re.compile(
    r"^(nps|ces|pain_score|first_touch|last_touch|linear|time_decay|position_based|last_non_direct|markov)$")


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as text a person reads, by column name: rates as percentages, `*seconds*` columns as
    durations (renamed without `seconds`), counts with thousands separators, scores with one or two
    decimals. For tables shown, not for further computing."""
    columns = {}
    for name, dtype in frame.schema.items():
        values = frame[name].to_list()
        if not dtype.is_numeric():
            columns[name] = ["–" if v is None else str(v) for v in values]
        elif DURATION_COLUMNS.search(name):
            label = name.replace("_seconds", "").replace("seconds_", "time_").replace("median", "median time")
            columns[label] = [format_duration(v) for v in values]
        elif RATE_COLUMNS.search(name):
            columns[name] = [format_rate(v) for v in values]
        elif dtype.is_integer():
            columns[name] = [format_count(v) for v in values]
        elif SCORE_COLUMNS.search(name):
            columns[name] = ["–" if v is None else f"{v:,.2f}" for v in values]
        else:
            columns[name] = ["–" if v is None else f"{v:,.1f}" for v in values]
    return pl.DataFrame(columns, schema={name: pl.String for name in columns})


# --- filters ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which journeys a figure counts. Empty fields filter nothing.

    start/end: the journey started on one of these days (UTC, both inclusive); sources / channels: the
    journey has a touchpoint from one of these sources / in one of these channels; segments: the
    journey's `segment_by` value (first channel, first touchpoint or start month) is one of these;
    outcomes: converted, churned, dropped or open.
    """

    start: date | None = None
    end: date | None = None
    sources: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    segment_by: str = "first_channel"
    segments: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.segment_by not in SEGMENTS:
            raise ValueError(f"segment_by must be one of {', '.join(SEGMENTS)}, got {self.segment_by!r}")


NO_FILTERS = Filters()


def selection(filters: Filters) -> tuple[str, dict[str, object]]:
    """The query of the selected journeys (journey_id, person_id) and its parameters.

    Only the conditions of the filters that are set are written; their values are bound as `$f_*`.
    """
    conditions: list[str] = []
    params: dict[str, object] = {}
    if filters.start is not None:
        conditions.append("j.started_at >= $f_start")
        params["f_start"] = filters.start
    if filters.end is not None:
        conditions.append("j.started_at < $f_end + INTERVAL 1 DAY")
        params["f_end"] = filters.end
    if filters.outcomes:
        conditions.append("list_contains($f_outcomes, j.outcome)")
        params["f_outcomes"] = list(filters.outcomes)
    if filters.segments:
        conditions.append(f"list_contains($f_segments, {SEGMENTS[filters.segment_by]})")
        params["f_segments"] = list(filters.segments)
    for name, column in (("sources", "source"), ("channels", "channel")):
        values = getattr(filters, name)
        if values:
            conditions.append(
                f"j.journey_id IN (SELECT journey_id FROM core.touchpoints WHERE list_contains($f_{name}, "
                f"{column}))"
            )
            params[f"f_{name}"] = list(values)
    where = " AND ".join(conditions) or "true"
    return f"SELECT j.journey_id, j.person_id FROM core.journeys AS j WHERE {where}", params


def _frame(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object] | None = None
) -> pl.DataFrame:
    """The (aggregated) result as polars; only the parameters the query names are bound."""
    return con.sql(query, params=used_params(query, params) or None).pl()


SELECTED_INPUTS = {
    "core.touchpoints": "SELECT * FROM core.touchpoints "
                        "WHERE journey_id IN (SELECT journey_id FROM selected)",
    "marts.touchpoint_steps": "SELECT * FROM marts.touchpoint_steps "
                              "WHERE journey_id IN (SELECT journey_id FROM selected)",
}


def mart_over_selection(table: str, filters: Filters, settings: Settings | None = None) -> tuple[str, dict]:
    """The SQL file that builds `table`, run over the selected journeys' rows of the tables it reads."""
    query, params = selection(filters)
    mart = sql_text(table)
    ctes = [f"selected AS ({query})"]
    for name, rows in SELECTED_INPUTS.items():
        if name in tables_read(mart):
            alias = "selected_" + name.split(".")[1]
            mart = reading(mart, name, alias)
            ctes.append(f"{alias} AS ({rows})")
    settings = settings or Settings()
    params |= {"pain_min_journeys": settings.pain_min_journeys}
    return f"WITH {', '.join(ctes)} SELECT * FROM (\n{mart}\n)", params


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """The values each filter can take, and the first and last journey start (for the date pickers)."""
    options: dict[str, list] = {}
    for name, query in (
        ("sources", "SELECT DISTINCT source FROM core.touchpoints WHERE source IS NOT NULL ORDER BY 1"),
        ("channels", "SELECT DISTINCT channel FROM core.touchpoints WHERE channel IS NOT NULL ORDER BY 1"),
        ("outcomes", "SELECT DISTINCT outcome FROM core.journeys WHERE outcome IS NOT NULL ORDER BY 1"),
        ("touchpoints", "SELECT DISTINCT touchpoint FROM core.touchpoints ORDER BY 1"),
        ("event_names", "SELECT DISTINCT event_name FROM core.touchpoints WHERE event_name IS NOT NULL "
                        "ORDER BY 1"),
    ):
        options[name] = [row[0] for row in con.execute(query).fetchall()]
    for name, column in SEGMENTS.items():
        options[name] = [row[0] for row in con.execute(
            f"SELECT DISTINCT {column} FROM core.journeys AS j WHERE {column} IS NOT NULL ORDER BY 1"
        ).fetchall()]
    first, last = con.execute(
        "SELECT min(started_at)::DATE, max(started_at)::DATE FROM core.journeys"
    ).fetchall()[0]
    options["dates"] = [first, last]
    return options


def headline(con: duckdb.DuckDBPyConnection, filters: Filters = NO_FILTERS) -> dict[str, object]:
    """Journeys, persons, conversions and conversion value (per currency) of the selected journeys."""
    query, params = selection(filters)
    journeys, persons, converted = con.execute(
        f"WITH selected AS ({query}) SELECT count(*), count(DISTINCT s.person_id), "
        "count(*) FILTER (WHERE j.converted) FROM selected AS s JOIN core.journeys AS j USING (journey_id)",
        params,
    ).fetchall()[0]
    values = con.execute(
        f"WITH selected AS ({query}) SELECT currency, sum(value) FROM core.touchpoints "
        "WHERE is_conversion AND value IS NOT NULL AND journey_id IN (SELECT journey_id FROM selected) "
        "GROUP BY currency ORDER BY 2 DESC",
        params,
    ).fetchall()
    return {
        "journeys": journeys, "persons": persons, "conversions": converted,
        "conversion_rate": converted / journeys if journeys else None,
        "conversion_value": " + ".join(format_money(amount, currency) for currency, amount in values)
        or "0.00",
    }


def style(fig: go.Figure, height: int = 480, title: str | None = None) -> go.Figure:
    """The one look of every figure (white template, tight margins)."""
    fig.update_layout(height=height, margin={"l": 40, "r": 20, "t": 50 if title else 30, "b": 40},
                      template="plotly_white", title=title)
    return fig


def _phase_colour(phase: str | None) -> str:
    return PHASE_COLOURS.get(phase or "unmapped", "#999999")


def touchpoint_phases(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each touchpoint's phase (the earliest, should rules disagree), for colouring."""
    rows = con.execute(
        "SELECT touchpoint, arg_min(phase, coalesce(phase_order, 99)) FROM core.touchpoints GROUP BY 1"
    ).fetchall()
    return {touchpoint: phase for touchpoint, phase in rows}


# --- step Sankey --------------------------------------------------------------------------------------------

# Each selected journey as a sequence of positions: 0 START, then its steps (runs of one node at the
# level), CONVERSION right after the step holding its first conversion, EXIT after its last step. The
# nodes past $max_steps fold into one last column (CONVERSION and EXIT keep their name, anything else
# is "(more steps)"); per column, the nodes beyond the $top_n most frequent become "(other)".
SEQUENCE_SQL = """
WITH selected AS ({selection}),
touchpoint_rows AS (
    SELECT t.journey_id, t.touchpoint_number, t.is_conversion, {node} AS node,
        ({node}) IS DISTINCT FROM lag({node}) OVER (PARTITION BY t.journey_id ORDER BY t.touchpoint_number)
            AS starts_step
    FROM core.touchpoints AS t
    WHERE t.journey_id IN (SELECT journey_id FROM selected)
),
numbered AS (
    SELECT *, sum(CASE WHEN starts_step THEN 1 ELSE 0 END) OVER (
        PARTITION BY journey_id ORDER BY touchpoint_number ROWS UNBOUNDED PRECEDING) AS step
    FROM touchpoint_rows
),
steps AS (
    SELECT journey_id, step, any_value(node) AS node, bool_or(is_conversion) AS has_conversion
    FROM numbered
    GROUP BY journey_id, step
),
journey_steps AS (
    SELECT journey_id, max(step) AS last_step, min(step) FILTER (WHERE has_conversion) AS conversion_step
    FROM steps
    GROUP BY journey_id
),
sequence AS (
    SELECT journey_id, 0 AS position, 'START' AS node FROM journey_steps
    UNION ALL
    SELECT s.journey_id, s.step + CASE WHEN s.step > j.conversion_step THEN 1 ELSE 0 END, s.node
    FROM steps AS s JOIN journey_steps AS j USING (journey_id)
    UNION ALL
    SELECT journey_id, conversion_step + 1, 'CONVERSION' FROM journey_steps WHERE conversion_step IS NOT NULL
    UNION ALL
    SELECT journey_id, last_step + CASE WHEN conversion_step IS NULL THEN 1 ELSE 2 END, 'EXIT'
    FROM journey_steps
),
shown AS (
    SELECT * FROM sequence WHERE position <= $max_steps + 1
),
counted AS (
    SELECT position, node, count(*) AS journeys
    FROM shown
    WHERE position BETWEEN 1 AND $max_steps AND node NOT IN ('START', 'CONVERSION', 'EXIT')
    GROUP BY position, node
),
ranked AS (
    SELECT position, node, row_number() OVER (PARTITION BY position ORDER BY journeys DESC, node) AS node_rank
    FROM counted
),
labelled AS (
    SELECT q.journey_id, q.position,
        CASE
            WHEN q.node IN ('START', 'CONVERSION', 'EXIT') THEN q.node
            WHEN q.position > $max_steps THEN '(more steps)'
            WHEN r.node_rank > $top_n THEN '(other)'
            ELSE q.node
        END AS node
    FROM shown AS q
    LEFT JOIN ranked AS r ON r.position = q.position AND r.node = q.node
)
"""

SANKEY_LINKS_SQL = SEQUENCE_SQL + """,
links AS (
    SELECT position, node AS source,
        lead(node) OVER (PARTITION BY journey_id ORDER BY position) AS target
    FROM labelled
)
SELECT position, source, target, count(*) AS journeys
FROM links
WHERE target IS NOT NULL
GROUP BY position, source, target
ORDER BY position, journeys DESC, source, target
"""

PATHS_THROUGH_SQL = SEQUENCE_SQL + """,
through AS (
    SELECT journey_id FROM labelled WHERE position = $position AND node = $node
),
paths AS (
    SELECT l.journey_id,
        string_agg(l.node, ' > ' ORDER BY l.position) FILTER (WHERE l.position > 0) AS path,
        bool_or(l.node = 'CONVERSION') AS converted
    FROM labelled AS l
    WHERE l.journey_id IN (SELECT journey_id FROM through)
    GROUP BY l.journey_id
)
SELECT path, count(*) AS journeys, count(*) FILTER (WHERE converted) AS conversions
FROM paths
GROUP BY path
ORDER BY journeys DESC, path
"""


@dataclass
class SankeyData:
    """Nodes as (position, label) with the journeys at them, and links between them with journeys."""

    level: str
    max_steps: int
    nodes: list[tuple[int, str]] = field(default_factory=list)
    journeys: list[int] = field(default_factory=list)
    links: list[tuple[int, int, int]] = field(default_factory=list)  # source index, target index, journeys

    def node_journeys(self) -> dict[tuple[int, str], int]:
        return dict(zip(self.nodes, self.journeys, strict=True))

    def link_journeys(self) -> dict[tuple[tuple[int, str], tuple[int, str]], int]:
        return {(self.nodes[s], self.nodes[t]): n for s, t, n in self.links}


def _sequence_query(template: str, filters: Filters, level: str) -> tuple[str, dict[str, object]]:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    query, params = selection(filters)
    return template.format(selection=query, node=LEVELS[level]), params


def step_sankey_data(
    con: duckdb.DuckDBPyConnection, filters: Filters = NO_FILTERS, level: str = "touchpoint",
    max_steps: int = 6, top_n: int = 6,
) -> SankeyData:
    """The step Sankey of the selected journeys: column k = the k-th step, loops read left to right."""
    query, params = _sequence_query(SANKEY_LINKS_SQL, filters, level)
    rows = con.execute(query, params | {"max_steps": max_steps, "top_n": top_n}).fetchall()
    data = SankeyData(level=level, max_steps=max_steps)
    index: dict[tuple[int, str], int] = {}
    inflow: dict[tuple[int, str], int] = {}
    for position, source, target, journeys in rows:  # aggregated links: at most steps × (top_n + 4)²
        for node in ((position, source), (position + 1, target)):
            if node not in index:
                index[node] = len(data.nodes)
                data.nodes.append(node)
        inflow[(position + 1, target)] = inflow.get((position + 1, target), 0) + journeys
        if position == 0:
            inflow[(0, source)] = inflow.get((0, source), 0) + journeys
        data.links.append((index[(position, source)], index[(position + 1, target)], journeys))
    data.journeys = [inflow.get(node, 0) for node in data.nodes]
    return data


def _node_order(label: str, journeys: int) -> tuple[int, int, str]:
    """In a column: CONVERSION on top, then the nodes by size, (other), (more steps), EXIT at the bottom."""
    rank = {"CONVERSION": 0, OTHER: 2, MORE: 3, "EXIT": 4}.get(label, 1)
    return rank, -journeys, label


def step_sankey_figure(
    data: SankeyData, phases: dict[str, str] | None = None, height: int = 560
) -> go.Figure:
    """The Sankey with one column per step; small nodes keep their label in the hover only."""
    phases = phases or {}
    if not data.nodes:
        return style(go.Figure(), height, "no journeys match the filters")
    last = max(position for position, _ in data.nodes) or 1
    totals: dict[int, int] = {}
    for (position, _), journeys in zip(data.nodes, data.journeys, strict=True):
        totals[position] = totals.get(position, 0) + journeys
    grand = max(totals.values())
    xs, ys = [0.0] * len(data.nodes), [0.0] * len(data.nodes)
    for position in totals:
        members = sorted((i for i, (p, _) in enumerate(data.nodes) if p == position),
                         key=lambda i: _node_order(data.nodes[i][1], data.journeys[i]))
        filled = 0
        for i in members:
            xs[i] = 0.001 + 0.998 * position / last
            ys[i] = 0.001 + 0.998 * (filled + data.journeys[i] / 2) / max(totals[position], 1)
            filled += data.journeys[i]
    colours, labels, hovers = [], [], []
    for (position, label), journeys in zip(data.nodes, data.journeys, strict=True):
        if label in NODE_COLOURS:
            colour = NODE_COLOURS[label]
        elif label in (OTHER, MORE):
            colour = "#D0D0D0"
        elif data.level == "phase":
            colour = _phase_colour(label)
        elif data.level == "touchpoint":
            colour = _phase_colour(phases.get(label))
        else:
            colour = PALETTE[sum(map(ord, label)) % len(PALETTE)]
        colours.append(colour)
        labels.append(label if journeys >= 0.03 * grand else "")
        hovers.append(f"step {position}: {label}<br>{journeys:,} journeys")
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "color": colours, "x": xs, "y": ys, "pad": 8, "thickness": 14,
              "customdata": hovers, "hovertemplate": "%{customdata}<extra></extra>"},
        link={"source": [s for s, _, _ in data.links], "target": [t for _, t, _ in data.links],
              "value": [n for _, _, n in data.links], "color": "rgba(120,120,120,0.25)",
              "customdata": [
                  f"step {data.nodes[s][0]} {data.nodes[s][1]} → {data.nodes[t][1]}: {n:,} journeys"
                  for s, t, n in data.links
              ],
              "hovertemplate": "%{customdata}<extra></extra>"},
    ))
    title = (f"journeys step by step ({data.level}s; step {data.max_steps + 1} folds the rest: "
             "(more steps) = still going)")
    return style(fig, height, title)


def paths_through(
    con: duckdb.DuckDBPyConnection, position: int, node: str, filters: Filters = NO_FILTERS,
    level: str = "touchpoint", max_steps: int = 6, top_n: int = 6, limit: int = 10,
) -> pl.DataFrame:
    """The paths (as the Sankey shows them) of the journeys at `node` in column `position`: the `limit`
    most frequent, the rest summed in one "(other paths)" row."""
    query, params = _sequence_query(PATHS_THROUGH_SQL, filters, level)
    frame = _frame(con, query, params | {"max_steps": max_steps, "top_n": top_n, "position": position,
                                         "node": node})
    return top_with_rest(frame, "path", limit, "(other paths)")


NOT_ADDITIVE = re.compile(
    r"(_rate|^csat|_share|probability|removal_effect|seconds|rank|^nps$|^ces$|pain_score)")


def top_with_rest(frame: pl.DataFrame, label: str, limit: int, rest: str) -> pl.DataFrame:
    """The first `limit` rows and one row summing the others' counts and credits (rates, times and
    ranks do not add up: left empty)."""
    if frame.height <= limit:
        return frame
    others = frame.slice(limit)
    summary = {c: others[c].sum() if frame.schema[c].is_numeric() and not NOT_ADDITIVE.search(c) else None
               for c in frame.columns}
    summary[label] = f"{rest} ({others.height:,} more)"
    return pl.concat([frame.head(limit), pl.DataFrame([summary], schema=frame.schema)])


# --- journey map --------------------------------------------------------------------------------------------


def touchpoint_kpis(
    con: duckdb.DuckDBPyConnection, filters: Filters = NO_FILTERS, settings: Settings | None = None
) -> pl.DataFrame:
    """marts.touchpoint_kpis over the selected journeys (the mart's own SQL on their steps)."""
    query, params = mart_over_selection("marts.touchpoint_kpis", filters, settings)
    return _frame(con, query, params)


def phase_funnel(con: duckdb.DuckDBPyConnection, filters: Filters = NO_FILTERS) -> pl.DataFrame:
    """marts.phase_funnel over the persons and touchpoints of the selected journeys."""
    query, params = mart_over_selection("marts.phase_funnel", filters)
    return _frame(con, query, params)


def journey_map_figure(kpis: pl.DataFrame, funnel: pl.DataFrame, top_n: int = 6) -> go.Figure:
    """The customer journey map: one column per phase, its top touchpoints by journeys as cards (reach,
    conversion after, NPS/CSAT/CES, pain score; red = painful), the drop-off between phases on top."""
    fig = go.Figure()
    entered = dict(zip(funnel["phase"], funnel["persons_entered"], strict=True)) if funnel.height else {}
    drop = dict(zip(funnel["phase"], funnel["drop_off_rate"], strict=True)) if funnel.height else {}
    rows = 0
    for column, phase in enumerate(PHASES):
        cards = kpis.filter(pl.col("phase") == phase).sort(["journeys", "touchpoint"],
                                                            descending=[True, False])
        header = f"<b>{phase}</b>"
        if phase in entered:
            header += f"<br>{format_count(entered[phase])} persons"
        fig.add_annotation(x=column, y=-0.1, text=header, showarrow=False,
                           font={"size": 13, "color": "white"},
                           bgcolor=_phase_colour(phase), borderpad=6, width=190)
        if drop.get(phase) is not None and column + 1 < len(PHASES) - 1:
            fig.add_annotation(x=column + 0.5, y=0.35, text=f"−{format_rate(drop[phase])} drop-off",
                               showarrow=False, font={"size": 11, "color": "#E45756"})
        for row, card in enumerate(cards.head(top_n).iter_rows(named=True), start=1):
            pain = card["pain_score"]
            scores = " · ".join(part for part in (
                f"NPS {card['nps']:.0f}" if card["nps"] is not None else "",
                f"CSAT {format_rate(card['csat'], 0)}" if card["csat"] is not None else "",
                f"CES {card['ces']:.1f}" if card["ces"] is not None else "",
            ) if part) or "no answers"
            text = (f"<b>{card['touchpoint']}</b><br>{format_count(card['journeys'])} journeys · "
                    f"conv. after {format_rate(card['conversion_rate'])}<br>{scores}<br>"
                    f"pain {'–' if pain is None else f'{pain:.2f}'}")
            shade = 0.0 if pain is None else pain
            fig.add_annotation(x=column, y=-row, text=text, showarrow=False, align="left", width=190,
                               font={"size": 11}, bordercolor="#CCCCCC", borderpad=5,
                               bgcolor=f"rgba(228,87,86,{0.08 + 0.5 * shade:.2f})")
        rest = cards.slice(top_n)
        if rest.height:
            fig.add_annotation(x=column, y=-(top_n + 1) + 0.3, showarrow=False,
                               font={"size": 11, "color": "#666"},
                               text=f"+ {rest.height} more ({format_count(rest['journeys'].sum())} journeys)")
        rows = max(rows, min(cards.height, top_n) + (1 if rest.height else 0))
    fig.update_xaxes(visible=False, range=[-0.6, len(PHASES) - 0.4])
    fig.update_yaxes(visible=False, range=[-rows - 0.7, 0.6])
    fig.add_scatter(x=[None], y=[None], showlegend=False)  # keeps the axes for the annotations
    return style(fig, 110 + 88 * rows,
                 "journey map: phases left to right, top touchpoints by journeys (red = higher pain score)")


# --- funnels ------------------------------------------------------------------------------------------------


def funnel(
    con: duckdb.DuckDBPyConnection, steps: list[FunnelStep], filters: Filters = NO_FILTERS,
    unit: str = "person", window_days: float | None = None, mode: str = "ordered", breakdown: str = "all",
) -> pl.DataFrame:
    """Units (persons, journeys or sessions) reaching each step under `mode` (ordered, strict, any), the
    conversion from the first and the previous step and the median time from the previous step: the SQL
    of marts.funnels (sql/marts/funnels.sql) run for these steps over the selected journeys. With a
    `breakdown` (channel, campaign, cohort_month, segment) one block of steps per `breakdown_value`."""
    if breakdown not in BREAKDOWNS:
        raise ValueError(f"breakdown must be one of {', '.join(BREAKDOWNS)}, got {breakdown!r}")
    definition = Funnel("ad hoc", tuple(steps), mode, unit, window_days)
    query, params = mart_over_selection("marts.funnels", filters)
    values, step_params = steps_cte(definition)
    query = query.replace("WITH ", f"WITH funnel_steps AS ({values}), ", 1)
    columns = "step, label, units, from_first, from_previous, median_seconds_from_previous"
    if breakdown != "all":
        columns = "breakdown_value, " + columns
    frame = _frame(con, f"SELECT {columns} FROM ({query}) WHERE breakdown = $breakdown "
                        "ORDER BY ALL", params | step_params | {"breakdown": breakdown})
    schema = {"step": pl.Int64, "label": pl.String, "units": pl.Int64, "from_first": pl.Float64,
              "from_previous": pl.Float64, "median_seconds_from_previous": pl.Float64}
    if breakdown != "all":
        return frame.cast({"breakdown_value": pl.String, **schema})
    # nobody at step 1: every step with 0 units
    skeleton = pl.DataFrame({"step": range(1, len(steps) + 1), "label": [s.label for s in steps]},
                            schema={"step": pl.Int64, "label": pl.String})
    return (skeleton.join(frame.cast(schema).drop("label"), on="step", how="left")
            .with_columns(pl.col("units").fill_null(0)).select(list(schema)))


def funnel_figure(funnels: dict[str, pl.DataFrame], unit: str = "person", height: int = 460) -> go.Figure:
    """One funnel per compared selection (A, B), side by side on the same steps."""
    fig = go.Figure()
    for (name, frame), colour in zip(funnels.items(), PALETTE, strict=False):
        fig.add_trace(go.Funnel(
            name=name, y=frame["label"].to_list(), x=frame["units"].to_list(), marker={"color": colour},
            textinfo="value+percent initial+percent previous", textposition="inside",
        ))
    return style(fig, height, f"{unit}s reaching each step")


# --- transition graph ---------------------------------------------------------------------------------------


def transition_edges(con: duckdb.DuckDBPyConnection, filters: Filters = NO_FILTERS) -> pl.DataFrame:
    """The journey graph's edges (touchpoint scope) over the selected journeys."""
    query, params = selection(filters)
    return _frame(
        con,
        f"WITH selected AS ({query}) SELECT from_node, to_node, count(*) AS transitions, "
        "count(DISTINCT person_id) AS persons, median(gap_seconds) AS median_seconds "
        "FROM core.journey_transitions WHERE scope = 'touchpoint' AND unit = 'journey' "
        "AND unit_id IN (SELECT journey_id FROM selected) GROUP BY ALL ORDER BY transitions DESC, 1, 2",
        params,
    )


def graph_metrics(
    con: duckdb.DuckDBPyConnection, edges: pl.DataFrame, settings: Settings | None = None
) -> pl.DataFrame:
    """Per touchpoint: visits, exits, exit rate, bottleneck rank, Markov conversion probability and removal
    effect, as marts.touchpoint_graph_metrics defines them, on the given (selected) edges."""
    settings = settings or Settings()
    schema = {"touchpoint": pl.String, "visits": pl.Int64, "exits": pl.Int64, "exit_rate": pl.Float64,
              "bottleneck_rank": pl.Int64, "conversion_probability": pl.Float64, "removal_effect": pl.Float64}
    if edges.is_empty():
        return pl.DataFrame(schema=schema)
    solution = solve_chain(edges.select("from_node", "to_node", "transitions").iter_rows())
    conversions = {row[0] for row in con.execute(
        "SELECT DISTINCT touchpoint FROM core.touchpoints WHERE is_conversion").fetchall()}
    flows = (edges.filter(~pl.col("from_node").is_in(SPECIAL))
             .group_by("from_node").agg(
                 visits=pl.col("transitions").sum(),
                 exits=pl.col("transitions").filter(pl.col("to_node") == "EXIT").sum())
             .rename({"from_node": "touchpoint"}))
    chain = pl.DataFrame({"touchpoint": solution.nodes,
                          "conversion_probability": solution.conversion_probability.tolist(),
                          "removal_effect": solution.removal_effect.tolist()})
    metrics = chain.join(flows, on="touchpoint", how="left").with_columns(
        pl.col("visits", "exits").fill_null(0).cast(pl.Int64),
    ).with_columns(exit_rate=pl.when(pl.col("visits") > 0).then(pl.col("exits") / pl.col("visits")))
    rankable = (pl.col("visits") >= settings.bottleneck_min_visits) & ~pl.col("touchpoint").is_in(conversions)
    ranked = (metrics.filter(rankable)
              .sort(["exit_rate", "visits", "touchpoint"], descending=[True, True, False])
              .with_row_index("bottleneck_rank", 1))
    metrics = metrics.join(ranked.select("touchpoint", "bottleneck_rank"), on="touchpoint", how="left")
    return metrics.select(list(schema)).cast(schema).sort("removal_effect", descending=True)


def transition_graph_figure(
    edges: pl.DataFrame, metrics: pl.DataFrame, phases: dict[str, str], min_transitions: int = 1,
    min_visits: int = 1, bottlenecks: int = 3, height: int = 620,
) -> go.Figure:
    """The graph laid out by phase (START left, EXIT right): edges of at least `min_transitions`, nodes
    of at least `min_visits`; node colour = Markov removal effect, red ring = the top bottlenecks."""
    visits = dict(zip(metrics["touchpoint"], metrics["visits"], strict=True))
    kept = {n for n, v in visits.items() if v >= min_visits} | set(SPECIAL)
    shown = edges.filter((pl.col("transitions") >= min_transitions) & pl.col("from_node").is_in(kept)
                         & pl.col("to_node").is_in(kept))
    nodes = sorted(set(shown["from_node"]) | set(shown["to_node"]))
    column = {"START": 0, "CONVERSION": 3.5, "EXIT": 7}
    by_column: dict[float, list[str]] = {}
    for node in nodes:
        x = column.get(node, PHASES.index(phases[node]) + 1 if phases.get(node) in PHASES else 6)
        by_column.setdefault(x, []).append(node)
    position = {}
    for x, members in by_column.items():
        for i, node in enumerate(sorted(members, key=lambda n: -visits.get(n, 0))):
            position[node] = (x, -i + (len(members) - 1) / 2)
    fig = go.Figure()
    widest = max(shown["transitions"].max() or 1, 1) if shown.height else 1
    for source, target, transitions in shown.select("from_node", "to_node", "transitions").iter_rows():
        (x0, y0), (x1, y1) = position[source], position[target]
        bend = 0.25 if x1 <= x0 else 0.0  # a loop or a step back curves below the line
        fig.add_scatter(x=[x0, (x0 + x1) / 2, x1], y=[y0, (y0 + y1) / 2 - bend, y1], mode="lines",
                        line={"width": 0.5 + 6 * transitions / widest, "color": "rgba(100,100,100,0.35)",
                              "shape": "spline"},
                        hoverinfo="text", text=f"{source} → {target}: {transitions:,}", showlegend=False)
    effect = dict(zip(metrics["touchpoint"], metrics["removal_effect"], strict=True))
    rank = dict(zip(metrics["touchpoint"], metrics["bottleneck_rank"], strict=True))
    xs, ys, colours, sizes, texts, hovers, rings = [], [], [], [], [], [], []
    for node in nodes:
        xs.append(position[node][0])
        ys.append(position[node][1])
        colours.append(effect.get(node) or 0.0)
        sizes.append(12 + 30 * math.sqrt(visits.get(node, 0) / max(max(visits.values(), default=1), 1)))
        is_bottleneck = rank.get(node) is not None and rank[node] <= bottlenecks
        texts.append(f"⚠ {node}" if is_bottleneck else node)
        rings.append("#E45756" if is_bottleneck else "#FFFFFF")
        hovers.append(f"{node}<br>visits {format_count(visits.get(node))}<br>removal effect "
                      f"{format_rate(effect.get(node))}<br>bottleneck rank {rank.get(node) or '–'}")
    fig.add_scatter(x=xs, y=ys, mode="markers+text", text=texts, textposition="top center", hovertext=hovers,
                    hoverinfo="text", showlegend=False,
                    marker={"size": sizes, "color": colours, "colorscale": "Viridis", "showscale": True,
                            "colorbar": {"title": "removal<br>effect"}, "line": {"width": 3, "color": rings}})
    fig.update_xaxes(tickvals=list(range(8)), ticktext=["START", *PHASES, "EXIT"], showgrid=False)
    fig.update_yaxes(visible=False)
    height = max(height, 60 + 45 * max((len(m) for m in by_column.values()), default=1))
    return style(fig, height, f"transition graph: {shown.height} edges with ≥ {min_transitions} transitions "
                              f"(⚠ = top {bottlenecks} bottlenecks by exit rate)")


# --- attribution, KPIs, segments ----------------------------------------------------------------------------


ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based",
                      "last_non_direct", "markov")


def attribution(con: duckdb.DuckDBPyConnection, filters: Filters = NO_FILTERS,
                level: str = "channel") -> pl.DataFrame:
    """marts.attribution over the selected journeys: rule-based credits summed from marts.path_steps,
    Markov credit = the node's share of the removal effects × conversions, on the same paths."""
    if level not in ("touchpoint", "channel"):
        raise ValueError(f"level must be touchpoint or channel, got {level!r}")
    query, params = selection(filters)
    name = level  # path_steps has a column per level
    rules = _frame(
        con,
        f"WITH selected AS ({query}) SELECT {name} AS name, count(DISTINCT journey_id) AS journeys, "
        "count(DISTINCT journey_id) FILTER (WHERE converted) AS conversions_touched, "
        "sum(first_touch) AS first_touch, sum(last_touch) AS last_touch, sum(linear) AS linear, "
        "sum(time_decay) AS time_decay, sum(position_based) AS position_based, "
        "sum(last_non_direct) AS last_non_direct "
        "FROM marts.path_steps WHERE journey_id IN (SELECT journey_id FROM selected) GROUP BY 1",
        params,
    )
    edges = con.execute(
        f"WITH selected AS ({query}), steps AS (SELECT * FROM marts.path_steps "
        "WHERE journey_id IN (SELECT journey_id FROM selected)) "
        f"SELECT 'START' AS from_node, {name} AS to_node, count(*) FROM steps WHERE step_number = 1 "
        "GROUP BY ALL "
        f"UNION ALL SELECT {name}, CASE WHEN step_number < path_steps THEN next_{name} "
        "WHEN converted THEN 'CONVERSION' ELSE 'EXIT' END, count(*) FROM steps GROUP BY ALL",
        params,
    ).fetchall()
    conversions = con.execute(
        f"WITH selected AS ({query}) SELECT count(DISTINCT journey_id) FROM marts.path_steps "
        "WHERE converted AND journey_id IN (SELECT journey_id FROM selected)", params,
    ).fetchall()[0][0]
    schema = {"name": pl.String, "markov": pl.Float64, "markov_removal_effect": pl.Float64}
    markov = pl.DataFrame(schema=schema)
    edges = [(f, t, n) for f, t, n in edges if t is not None]
    if edges:
        solution = solve_chain(edges)
        effects = solution.removal_effect
        total = float(effects.sum())
        markov = pl.DataFrame({
            "name": solution.nodes,
            "markov": [conversions * e / total if total else 0.0 for e in effects.tolist()],
            "markov_removal_effect": effects.tolist(),
        }, schema=schema)
    return (rules.join(markov, on="name", how="left")
            .with_columns(pl.col("markov").fill_null(0.0))
            .sort(["linear", "journeys", "name"], descending=[True, True, False]))


def attribution_figure(frame: pl.DataFrame, top_n: int = 10, height: int = 440) -> go.Figure:
    """The top-N names by linear credit, one bar per model."""
    top = frame.head(top_n)
    fig = go.Figure()
    for model, colour in zip(ATTRIBUTION_MODELS, PALETTE, strict=False):
        if model in top.columns:
            fig.add_bar(name=model, x=top["name"].to_list(), y=top[model].to_list(), marker={"color": colour})
    rest = frame.height - top.height
    title = "conversions credited, one bar per model"
    if rest:
        title += f" (top {top_n}; {rest} more in the table)"
    fig.update_layout(barmode="group", yaxis_title="credited conversions")
    return style(fig, height, title)


def top_bar_figure(frame: pl.DataFrame, label: str, value: str, top_n: int = 15, percent: bool = False,
                   title: str | None = None, colour: str = "#4C78A8") -> go.Figure:
    """Horizontal bars of the `top_n` largest `value`s, the largest on top."""
    top = frame.filter(pl.col(value).is_not_null()).sort(value, descending=True).head(top_n).reverse()
    fig = go.Figure(go.Bar(x=top[value].to_list(), y=top[label].to_list(), orientation="h",
                           marker={"color": colour}))
    if percent:
        fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(automargin=True)
    return style(fig, 120 + 26 * max(top.height, 1), title or f"top {top_n} by {value}")


def segment_comparison(
    con: duckdb.DuckDBPyConnection, segment_by: str, a: str, b: str, filters: Filters = NO_FILTERS
) -> pl.DataFrame:
    """Two segments of the selected journeys side by side: journeys, conversions, conversion rate."""
    from dataclasses import replace

    rows = []
    for role, value in (("a", a), ("b", b)):
        stats = headline(con, replace(filters, segment_by=segment_by, segments=(value,)))
        rows.append({"segment_role": role, "segment": value, "journeys": stats["journeys"],
                     "persons": stats["persons"], "conversions": stats["conversions"],
                     "conversion_rate": stats["conversion_rate"],
                     "conversion_value": stats["conversion_value"]})
    return pl.DataFrame(rows)


def data_quality(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """Rejected rows by reason, load summary per file (most rejects first), unmapped events, checks."""
    tables: dict[str, pl.DataFrame] = {}
    if table_exists(con, "quality.rejected_rows"):
        tables["rejects_by_reason"] = _frame(
            con, "SELECT reason, raw_table, count(*) AS rows FROM quality.rejected_rows GROUP BY ALL "
            "ORDER BY rows DESC, reason")
    if table_exists(con, "quality.load_summary"):
        tables["load_summary"] = _frame(
            con, "SELECT raw_table, source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate, "
            "rows_rejected / nullif(rows_read, 0) AS reject_rate FROM quality.load_summary "
            "ORDER BY rows_rejected DESC NULLS LAST, rows_read DESC, source_file")
    if table_exists(con, "marts.unmapped_events"):
        tables["unmapped_events"] = _frame(
            con, "SELECT source, event_name, page_path, events, persons FROM marts.unmapped_events "
            "ORDER BY volume_rank")
    if table_exists(con, "quality.check_results"):
        tables["checks"] = _frame(
            con, "SELECT check_name, table_name, blocking, passed, expectation FROM quality.check_results "
            "WHERE load_id = (SELECT arg_max(load_id, checked_at) FROM quality.check_results) "
            "ORDER BY passed, check_name")
    return tables
