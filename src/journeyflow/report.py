"""One self-contained HTML report of a published warehouse: numbers, journey map, step Sankey, funnel,
graph, attribution, KPIs, quality.

Built from the published file opened read-only. The figures come from `journeyflow.figures`, the same
code as the explorer app (`journeyflow app`); tables show the top rows and sum up the rest, in readable
units. plotly.js is inlined once, so the file opens without network access. A section whose table does
not exist (yet) says so instead of failing.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from journeyflow import figures
from journeyflow.connection import connect_published, table_exists
from journeyflow.figures import readable, top_with_rest
from journeyflow.segments import proportion_interval
from journeyflow.sources import file_label
from journeyflow.summary import summarise

PHASE_COLOURS = figures.PHASE_COLOURS
SANKEY_STEPS = 6  # columns of the step Sankey (the rest folds into one)
SANKEY_TOP = 6  # nodes per column (the rest is "(other)")
GRAPH_EDGES = 40
TOP_EDGES = 15
TOP_PATHS = 12
TOP_ROWS = 15  # rows of a table; the rest is summed up in one row
PLOT_CONFIG = figures.PLOT_CONFIG


@dataclass
class Section:
    """One part of the report: an anchor id, a heading and its HTML body."""

    id: str
    title: str
    body: str
    available: bool = True


def _frame(
    con: duckdb.DuckDBPyConnection, query: str, params: Sequence[object] | None = None
) -> pl.DataFrame:
    return con.sql(query, params=list(params) if params else None).pl()


def _with_file_label(frame: pl.DataFrame) -> pl.DataFrame:
    """`file`: each `source_file` as its path inside the source's folder (`file_label`), so two
    `part-00000.gz` in different day folders stay two files; one label per file, not per row."""
    pairs = frame.select("raw_table", "source_file").unique()
    labels = pairs.with_columns(file=pl.Series(
        [None if f is None else file_label(f, t) for t, f in pairs.iter_rows()], dtype=pl.String
    ))
    return frame.join(labels, on=["raw_table", "source_file"], how="left", maintain_order="left")


def _missing(table: str) -> str:
    return (
        f'<p class="missing">Not available: <code>{html.escape(table)}</code> does not exist in this '
        "warehouse yet (it is built by a newer pipeline version). Rerun <code>journeyflow run</code> "
        "after upgrading.</p>"
    )


def _figure(fig: go.Figure, div_id: str, height: int | None = None) -> str:
    if height is not None:
        fig.update_layout(height=height)
    fig.update_layout(margin={"l": 40, "r": 20, "t": 50, "b": 40}, template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def _format(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def html_table(frame: pl.DataFrame, css_class: str = "data") -> str:
    """An escaped HTML table of a small (aggregated) frame; pass `readable(frame)` for people."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_format(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()  # rows of an aggregated mart: dozens
    )
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# --- sections ---------------------------------------------------------------------------------------


def summary_section(con: duckdb.DuckDBPyConnection) -> Section:
    s = summarise(con)
    value = figures.headline(con)["conversion_value"]
    cards = [
        ("events loaded", f"{s.events_loaded:,}"),
        ("rows rejected", f"{s.rows_rejected:,}"),
        ("duplicate rows", f"{s.rows_duplicate:,}"),
        ("persons", f"{s.persons:,}"),
        ("journeys", f"{s.journeys:,}"),
        ("converted journeys", f"{s.converted_journeys:,}"),
        ("conversion rate", f"{s.conversion_rate:.1%}"),
        ("conversion value", value),
    ]
    if s.biggest_drop_off_phase:
        cards.append(("biggest drop-off", f"{s.biggest_drop_off_phase}: {s.biggest_drop_off_rate:.1%}"))
    body = '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{html.escape(k)}</div>'
        f'<div class="value" data-metric="{html.escape(k)}">{html.escape(v)}</div></div>'
        for k, v in cards
    ) + "</div>"
    return Section("summary", "Summary", body)


def journey_map_section(con: duckdb.DuckDBPyConnection) -> Section:
    title = "Journey map"
    for table in ("marts.touchpoint_kpis", "marts.phase_funnel"):
        if not table_exists(con, table):
            return Section("map", title, _missing(table), False)
    kpis = _frame(con, "SELECT * FROM marts.touchpoint_kpis")
    funnel = _frame(con, "SELECT * FROM marts.phase_funnel ORDER BY phase_order")
    note = ("<p>Phases left to right with the persons who reached each (or a later one) and the drop-off "
            "to the next; under each, its touchpoints passed by the most journeys: reach, conversion rate "
            "after it, NPS/CSAT/CES after it and the pain score (docs/metrics.md).</p>")
    return Section("map", title, note + _figure(figures.journey_map_figure(kpis, funnel), "map-plot"))


def sankey_section(con: duckdb.DuckDBPyConnection) -> Section:
    title = "Journeys step by step"
    for table in ("core.touchpoints", "core.journeys"):
        if not table_exists(con, table):
            return Section("sankey", title, _missing(table), False)
    data = figures.step_sankey_data(con, max_steps=SANKEY_STEPS, top_n=SANKEY_TOP)
    if not data.nodes:
        return Section("sankey", title, "<p>No journeys yet.</p>")
    fig = figures.step_sankey_figure(data, figures.touchpoint_phases(con), height=620)
    note = ("<p>Column k is the k-th step of every journey (a repeated touchpoint is one step), so a journey "
            f"that comes back to a touchpoint moves on to the right. Per column the {SANKEY_TOP} most "
            "frequent touchpoints; the rest is (other). CONVERSION follows a journey's first conversion, "
            f"EXIT its end; after step {SANKEY_STEPS}, (more steps) collects the journeys still going. "
            "Colour = phase. Other levels, depths and filters: <code>journeyflow app</code>.</p>")
    return Section("sankey", title, note + _figure(fig, "sankey-plot"))


def funnel_section(con: duckdb.DuckDBPyConnection) -> Section:
    if not table_exists(con, "marts.phase_funnel"):
        return Section("funnel", "Phase funnel", _missing("marts.phase_funnel"), False)
    funnel = _frame(
        con,
        "SELECT phase, persons_entered, persons_next, drop_off, drop_off_rate, persons_churned "
        "FROM marts.phase_funnel ORDER BY phase_order",
    )
    fig = go.Figure(go.Funnel(
        y=funnel["phase"].to_list(), x=funnel["persons_entered"].to_list(),
        textinfo="value+percent initial+percent previous",
        marker={"color": [PHASE_COLOURS.get(p, "#999999") for p in funnel["phase"]]},
    ))
    fig.update_layout(title="persons who reached each phase (or a later one)")
    body = _figure(fig, "funnel-plot", 420) + html_table(readable(funnel))
    return Section("funnel", "Phase funnel with drop-off", body)


def graph_section(con: duckdb.DuckDBPyConnection) -> Section:
    title = "Transition graph"
    if not table_exists(con, "marts.transitions"):
        return Section("graph", title, _missing("marts.transitions"), False)
    edges = _frame(con, "SELECT from_node, to_node, transitions, persons, probability, median_seconds "
                        "FROM marts.transitions ORDER BY transitions DESC, from_node, to_node")
    if edges.is_empty():
        return Section("graph", title, "<p>No transitions yet.</p>")
    if table_exists(con, "marts.touchpoint_graph_metrics"):
        metrics = _frame(con, "SELECT touchpoint, visits, exits, exit_rate, bottleneck_rank, "
                              "conversion_probability, removal_effect FROM marts.touchpoint_graph_metrics "
                              "WHERE unit = 'journey'")
    else:
        metrics = figures.graph_metrics(con, edges)
    threshold = int(edges["transitions"][min(GRAPH_EDGES, edges.height) - 1])
    fig = figures.transition_graph_figure(edges, metrics, figures.touchpoint_phases(con),
                                          min_transitions=threshold)
    top = top_with_rest(edges, "from_node", TOP_EDGES, "(other edges)")
    return Section("graph", title, _figure(fig, "graph-plot") + html_table(readable(top)))


def paths_section(con: duckdb.DuckDBPyConnection) -> Section:
    if not table_exists(con, "marts.paths"):
        return Section("paths", "Top paths to conversion and to drop-off", _missing("marts.paths"), False)
    columns = ("path_rank, touchpoint_path, units AS journeys, conversions, "
               "units - conversions AS drop_offs, conversion_rate")
    converting = _frame(
        con,
        f"SELECT {columns} FROM marts.paths WHERE unit = 'journey' AND conversions > 0 AND NOT is_other "  # noqa: S608
        "ORDER BY conversions DESC, path_rank LIMIT ?",
        [TOP_PATHS],
    )
    dropping = _frame(
        con,
        f"SELECT {columns} FROM marts.paths WHERE unit = 'journey' AND units > conversions AND NOT is_other "  # noqa: S608
        "ORDER BY units - conversions DESC, path_rank LIMIT ?",
        [TOP_PATHS],
    )
    body = (
        '<div class="columns"><div><h3>to conversion</h3>' + html_table(readable(converting)) + "</div>"
        '<div><h3>to drop-off</h3>' + html_table(readable(dropping)) + "</div></div>"
    )
    return Section("paths", "Top paths to conversion and to drop-off", body)


ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based",
                      "last_non_direct", "markov")


def attribution_section(con: duckdb.DuckDBPyConnection) -> Section:
    if not table_exists(con, "marts.attribution"):
        return Section("attribution", "Attribution by model", _missing("marts.attribution"), False)
    frame = _frame(con, "SELECT * FROM marts.attribution WHERE level = 'channel' "
                        "ORDER BY linear DESC, journeys DESC, name")
    models = [m for m in ATTRIBUTION_MODELS if m in frame.columns]
    if frame.is_empty() or not models:
        return Section("attribution", "Attribution by model, side by side",
                       "<p>No channel attribution (no conversions yet).</p>")
    fig = figures.attribution_figure(frame)
    table = top_with_rest(frame.select("name", "journeys", "conversions_touched", *models), "name", TOP_ROWS,
                          "(other channels)").rename({"name": "channel"})
    return Section("attribution", "Attribution by model, side by side",
                   _figure(fig, "attribution-plot", 460) + html_table(readable(table)))


TOP_PAIN_POINTS = 15
PAIN_COMPONENTS = (("drop_off", 0.5, "#E45756"), ("ticket", 0.25, "#EECA3B"), ("low_score", 0.25, "#B279A2"))


def touchpoint_kpis_section(con: duckdb.DuckDBPyConnection) -> Section:
    title = "Touchpoint KPIs and pain points"
    if not table_exists(con, "marts.touchpoint_kpis"):
        return Section("kpis", title, _missing("marts.touchpoint_kpis"), False)
    kpis = _frame(
        con,
        "SELECT pain_rank, touchpoint, phase, journeys, conversion_rate, nps, csat, ticket_rate, "
        "median_seconds_to_next, exit_rate, drop_off_rate, "
        "low_score_rate, pain_score, drop_off_component, ticket_component, low_score_component "
        "FROM marts.touchpoint_kpis ORDER BY pain_rank NULLS LAST, journeys DESC, touchpoint",
    )
    if kpis.is_empty():
        return Section("kpis", title, "<p>No touchpoints yet.</p>")
    ranked = kpis.filter(pl.col("pain_rank").is_not_null()).head(TOP_PAIN_POINTS)
    parts = []
    if ranked.is_empty():
        parts.append("<p>No touchpoint is passed by enough journeys to be ranked (pain_min_journeys).</p>")
    else:
        shown = ranked.reverse()  # the biggest pain point on top of the horizontal bars
        fig = go.Figure()
        for component, weight, colour in PAIN_COMPONENTS:  # three stacked parts
            fig.add_bar(name=f"{component} × {weight}", y=shown["touchpoint"].to_list(),
                        x=(shown[f"{component}_component"] * weight).to_list(), orientation="h",
                        marker={"color": colour})
        fig.update_layout(barmode="stack", title="pain score = 0.5 drop-off + 0.25 tickets + 0.25 low scores",
                          xaxis_title="pain score (0..1)", yaxis={"automargin": True})
        parts.append(_figure(fig, "pain-plot", 160 + 28 * len(shown)))
    parts.append(
        "<p>Per touchpoint: conversion rate of the journeys that passed it before converting; NPS, CSAT "
        "and tickets that came after it in the same journey; drop-off = share of its visits before a "
        "conversion that ended the journey (docs/metrics.md).</p>"
    )
    table = kpis.select(
        "pain_rank", "touchpoint", "phase", "journeys", "conversion_rate", "nps", "csat", "ticket_rate",
        "median_seconds_to_next", "exit_rate", "drop_off_rate", "low_score_rate", "pain_score",
    )
    parts.append(f"<p>The {min(TOP_ROWS, table.height)} biggest pain points of {table.height:,} touchpoints "
                 "(all of them: <code>bi.touchpoint_kpis</code>, or the KPIs page of "
                 "<code>journeyflow app</code>).</p>")
    parts.append(html_table(readable(top_with_rest(table, "touchpoint", TOP_ROWS, "(other touchpoints)"))))
    return Section("kpis", title, "".join(parts))


def segment_section(con: duckdb.DuckDBPyConnection) -> Section:
    title = "Segment comparison"
    if not table_exists(con, "marts.segment_comparison"):
        return Section("segments", title, _missing("marts.segment_comparison"), False)
    segments = _frame(
        con,
        "SELECT segment_by, segment_role, segment, journeys, persons, conversions, conversion_rate, "
        "reach_awareness, reach_consideration, reach_acquisition, reach_service, reach_loyalty, "
        "rate_difference, z, p_value, ci_low, ci_high, confidence "
        "FROM marts.segment_comparison ORDER BY segment_role",
    )
    if segments.is_empty():
        return Section("segments", title, "<p>No segments configured.</p>")
    first = segments.row(0, named=True)
    labels = [f"{r} ({role})" for r, role in zip(segments["segment"], segments["segment_role"], strict=True)]
    rates, lower, upper = [], [], []
    for conversions, journeys in zip(segments["conversions"], segments["journeys"], strict=True):  # two
        interval = proportion_interval(conversions, journeys, first["confidence"])
        rate = conversions / journeys if journeys else None
        rates.append(rate)
        lower.append(rate - interval[0] if interval else None)
        upper.append(interval[1] - rate if interval else None)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "conversion rate per segment", "difference b − a"))
    fig.add_bar(x=labels, y=rates, row=1, col=1, marker={"color": ["#4C78A8", "#F58518"]},
                error_y={"type": "data", "symmetric": False, "array": upper, "arrayminus": lower},
                name="conversion rate")
    difference = first["rate_difference"]
    if difference is not None:
        fig.add_bar(x=["b − a"], y=[difference], row=1, col=2, marker={"color": "#54A24B"},
                    error_y={"type": "data", "symmetric": False, "array": [first["ci_high"] - difference],
                             "arrayminus": [difference - first["ci_low"]]}, name="difference")
    fig.update_layout(showlegend=False)
    confidence = f"{first['confidence']:.0%}"
    if difference is None:
        verdict = "<p>No comparison: one of the segments has no journeys.</p>"
    else:
        z_text = "undefined" if first["z"] is None else f"{first['z']:.2f}"
        p_text = "undefined" if first["p_value"] is None else f"{first['p_value']:.3f}"
        verdict = (
            f"<p>Journeys split by <code>{html.escape(first['segment_by'])}</code>. Conversion rate "
            f"difference (b − a) {difference:+.1%}, {confidence} interval [{first['ci_low']:+.1%}, "
            f"{first['ci_high']:+.1%}] (Wald); pooled two-proportion z = {html.escape(z_text)}, "
            f"two-sided p = {html.escape(p_text)}. Error bars: {confidence} Wald intervals.</p>"
        )
    table = readable(segments.drop("segment_by", "confidence"))
    return Section("segments", title, verdict + _figure(fig, "segments-plot", 420) + html_table(table))


def quality_section(con: duckdb.DuckDBPyConnection) -> Section:
    parts = []
    if table_exists(con, "quality.rejected_rows"):
        rejects = _with_file_label(_frame(
            con,
            "SELECT reason, raw_table, source_file, count(*) AS rows "
            "FROM quality.rejected_rows GROUP BY ALL",
        )).select("reason", "raw_table", "file", "rows").sort(
            ["rows", "reason", "raw_table", "file"], descending=[True, False, False, False]
        )
        if rejects.is_empty():
            parts.append("<h3>rejected rows</h3><p>No rows were rejected.</p>")
        else:
            by_reason = rejects.group_by("reason").agg(pl.col("rows").sum()).sort("rows", "reason")
            fig = go.Figure(go.Bar(x=by_reason["rows"].to_list(), y=by_reason["reason"].to_list(),
                                   orientation="h", marker={"color": "#E45756"}))
            fig.update_layout(title="rejected rows by reason", yaxis={"automargin": True})
            parts.append("<h3>rejected rows by reason and file</h3>"
                         + _figure(fig, "rejects-plot", 120 + 30 * len(by_reason))
                         + html_table(readable(top_with_rest(rejects, "reason", TOP_ROWS, "(other files)"))))
    else:
        parts.append(_missing("quality.rejected_rows"))
    if table_exists(con, "quality.load_summary"):
        load = _with_file_label(_frame(
            con,
            "SELECT raw_table, source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate "
            "FROM quality.load_summary ORDER BY rows_rejected DESC NULLS LAST, rows_read DESC, source_file",
        )).select("file", "raw_table", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")
        parts.append("<h3>load summary (rows read = loaded + rejected + duplicate), files with the most "
                     "rejects first</h3>"
                     + html_table(readable(top_with_rest(load, "file", TOP_ROWS, "(other files)"))))
    else:
        parts.append(_missing("quality.load_summary"))
    if table_exists(con, "marts.unmapped_events"):
        unmapped = _frame(
            con,
            "SELECT source, event_name, page_path, events, persons FROM marts.unmapped_events "
            "ORDER BY volume_rank",
        )
        parts.append("<h3>unmapped events (no taxonomy rule matched)</h3>" + (
            html_table(readable(top_with_rest(unmapped, "source", TOP_ROWS, "(other events)")))
            if not unmapped.is_empty()
            else "<p>Every event matched a taxonomy rule.</p>"))
    else:
        parts.append(_missing("marts.unmapped_events"))
    if table_exists(con, "quality.check_results"):
        checks = _frame(
            con,
            "SELECT check_name, table_name, blocking, passed, expectation FROM quality.check_results "
            "WHERE load_id = (SELECT arg_max(load_id, checked_at) FROM quality.check_results) "
            "ORDER BY passed, check_name",
        )
        failed = checks.filter(~pl.col("passed"))
        passed = checks.height - failed.height
        parts.append(f"<h3>quality checks of the last run (Great Expectations): {passed} of {checks.height} "
                     "passed</h3>"
                     + (html_table(readable(failed)) if failed.height else "<p>Every check passed.</p>"))
    else:
        parts.append(_missing("quality.check_results"))
    return Section("quality", "Data quality", "".join(parts))


SECTIONS: tuple[Callable[[duckdb.DuckDBPyConnection], Section], ...] = (
    summary_section, journey_map_section, sankey_section, funnel_section, graph_section, paths_section,
    attribution_section,
    touchpoint_kpis_section, segment_section, quality_section,
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1300px;
padding:0 24px 48px;color:#222}
h1{margin-top:24px}h2{border-bottom:2px solid #eee;padding-bottom:4px;margin-top:40px}
nav a{margin-right:14px}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 16px;min-width:150px}
.card .label{font-size:12px;color:#666;text-transform:uppercase}.card .value{font-size:22px;font-weight:600}
table.data{border-collapse:collapse;margin:12px 0;font-size:13px}
table.data th,table.data td{border:1px solid #ddd;padding:3px 8px;text-align:left}
table.data th{background:#f5f5f5}.missing{color:#8a6d3b;background:#fcf8e3;padding:8px 12px;border-radius:6px}
.columns{display:flex;gap:24px;flex-wrap:wrap}.meta{color:#666;font-size:13px}
"""


def render(con: duckdb.DuckDBPyConnection, source: str = "") -> str:
    """The report as one HTML document (plotly.js inlined)."""
    sections = [build(con) for build in SECTIONS]  # nine sections
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.id}" data-available="{str(s.available).lower()}"><h2>{html.escape(s.title)}</h2>'
        f"{s.body}</section>"
        for s in sections
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>journeyflow report</title>"
        f"<style>{CSS}</style><script>{get_plotlyjs()}</script></head><body>"
        "<h1>journeyflow report</h1>"
        f'<p class="meta">warehouse {html.escape(source)} · generated {generated}</p>'
        f"<nav>{nav}</nav>{body}</body></html>"
    )


def write_report(warehouse: Path, out: Path) -> Path:
    """Render the report of a published warehouse (opened read-only) to `out`, atomically."""
    con = connect_published(warehouse)
    try:
        document = render(con, str(warehouse))
    finally:
        con.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(document, encoding="utf-8")
    os.replace(tmp, out)
    return out
