"""`journeyflow app`: the journey explorer, a local Dash web app over the published warehouse.

Dash (Plotly's app framework) because the figures are plotly figures already (`journeyflow.figures`,
shared with the static report), a click on a Sankey node arrives as an event with the node, tables sort
and page by themselves (DataTable), and every interaction is one stateless request: each callback opens
the published file read-only (`journeyflow.api.open`), reads aggregated rows and closes it, so a nightly
`journeyflow run` can rename a new warehouse into place at any moment and the next request reads it.
Its JavaScript is served from the installed package: it works offline. docs/explorer.md says more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from dash import Dash, Input, Output, State, dash_table, dcc, html, no_update
from dash.dash_table.Format import Format, Group, Scheme

from journeyflow import figures
from journeyflow.api import open as open_warehouse
from journeyflow.config import Settings
from journeyflow.figures import Filters, FunnelStep
from journeyflow.funnels import MODES, UNITS

PAGES = {
    "map": "Journey map",
    "paths": "Paths",
    "funnels": "Funnels",
    "graph": "Transition graph",
    "attribution": "Attribution",
    "kpis": "Touchpoint KPIs",
    "segments": "Segments",
    "quality": "Data quality",
}
FILTERS = ("f-dates", "f-sources", "f-channels", "f-segment-by", "f-segments", "f-outcomes")
PAGE_SIZE = 15
CSS = {
    "font-family": "system-ui,-apple-system,Segoe UI,Roboto,sans-serif",
    "margin": "0 auto",
    "max-width": "1400px",
    "padding": "0 20px 40px",
    "color": "#222",
}
BAR = {"display": "flex", "flex-wrap": "wrap", "gap": "12px", "align-items": "end", "margin": "8px 0"}


@contextmanager
def reading(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published warehouse, opened read-only for one request (a new publish is seen next time)."""
    with open_warehouse(warehouse) as wh:
        yield wh.con


def to_filters(
    dates_start: str | None,
    dates_end: str | None,
    sources: list | None,
    channels: list | None,
    segment_by: str | None,
    segments: list | None,
    outcomes: list | None,
) -> Filters:
    """The global filter controls' values as `Filters`."""
    return Filters(
        start=date.fromisoformat(dates_start[:10]) if dates_start else None,
        end=date.fromisoformat(dates_end[:10]) if dates_end else None,
        sources=tuple(sources or ()),
        channels=tuple(channels or ()),
        segment_by=segment_by or "first_channel",
        segments=tuple(segments or ()),
        outcomes=tuple(outcomes or ()),
    )


def data_table(table_id: str, frame: pl.DataFrame, page_size: int = PAGE_SIZE) -> dash_table.DataTable:
    """A sortable, paged table: rates as percentages, counts with separators, times in readable units."""
    columns, data = [], {}
    for name, dtype in frame.schema.items():
        if dtype.is_numeric() and figures.DURATION_COLUMNS.search(name):
            data[name] = [figures.format_duration(v) for v in frame[name]]
            columns.append({"name": name.replace("_seconds", "").replace("seconds_", "time_"), "id": name})
        elif dtype.is_numeric():
            specifier = (
                Format(precision=1, scheme=Scheme.percentage)
                if figures.RATE_COLUMNS.search(name)
                else Format(group=Group.yes, precision=0 if dtype.is_integer() else 2, scheme=Scheme.fixed)
            )
            data[name] = frame[name].to_list()
            columns.append({"name": name, "id": name, "type": "numeric", "format": specifier})
        else:
            data[name] = [None if v is None else str(v) for v in frame[name]]
            columns.append({"name": name, "id": name})
    rows = [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
    return dash_table.DataTable(
        id=table_id,
        columns=columns,
        data=rows,
        sort_action="native",
        page_action="native",
        page_size=page_size,
        style_table={"overflowX": "auto"},
        style_cell={
            "font-family": CSS["font-family"],
            "font-size": "13px",
            "padding": "3px 8px",
            "text-align": "left",
            "max-width": "420px",
            "overflow": "hidden",
            "textOverflow": "ellipsis",
        },
        style_header={"font-weight": "600", "background": "#f5f5f5"},
    )


def graph(graph_id: str, fig: go.Figure) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=fig, config=figures.PLOT_CONFIG)


def labelled(label: str, control: object, width: str = "220px") -> html.Div:
    return html.Div(
        [html.Label(label, style={"font-size": "12px", "color": "#666"}), control], style={"min-width": width}
    )


def filter_bar(options: dict[str, list]) -> html.Div:
    first, last = options["dates"]
    return html.Div(
        [
            labelled(
                "journeys started",
                dcc.DatePickerRange(
                    id="f-dates",
                    min_date_allowed=first,
                    max_date_allowed=last,
                    start_date=None,
                    end_date=None,
                    display_format="YYYY-MM-DD",
                    clearable=True,
                ),
                "260px",
            ),
            labelled("source", dcc.Dropdown(id="f-sources", options=options["sources"], multi=True)),
            labelled("channel", dcc.Dropdown(id="f-channels", options=options["channels"], multi=True)),
            labelled(
                "segment by",
                dcc.Dropdown(
                    id="f-segment-by", options=list(figures.SEGMENTS), value="first_channel", clearable=False
                ),
                "160px",
            ),
            labelled(
                "segment / cohort",
                dcc.Dropdown(id="f-segments", options=options["first_channel"], multi=True),
            ),
            labelled(
                "outcome", dcc.Dropdown(id="f-outcomes", options=options["outcomes"], multi=True), "180px"
            ),
        ],
        style=BAR,
    )


def headline_cards(stats: dict[str, object]) -> list[html.Div]:
    cards = [
        ("journeys", figures.format_count(stats["journeys"])),
        ("persons", figures.format_count(stats["persons"])),
        ("converted journeys", figures.format_count(stats["conversions"])),
        ("conversion rate", figures.format_rate(stats["conversion_rate"])),
        ("conversion value", str(stats["conversion_value"])),
    ]
    return [
        html.Div(
            [
                html.Div(k, style={"font-size": "11px", "color": "#666", "text-transform": "uppercase"}),
                html.Div(
                    v,
                    className="metric",
                    **{"data-metric": k},
                    style={"font-size": "20px", "font-weight": "600"},
                ),
            ],
            style={"border": "1px solid #ddd", "border-radius": "8px", "padding": "6px 14px"},
        )
        for k, v in cards
    ]


def funnel_step_options(options: dict[str, list]) -> list[dict[str, str]]:
    """Every step a funnel can use: phases first, then touchpoints, then channels."""
    steps = [FunnelStep.of(phase=p) for p in figures.PHASES]
    steps += [FunnelStep.of(touchpoint=t) for t in options["touchpoints"]]
    steps += [FunnelStep.of(channel=c) for c in options["channels"]]
    return [{"label": s.label, "value": s.text} for s in steps]


def create_app(warehouse: Path, settings: Settings | None = None) -> Dash:
    """The explorer over `warehouse` (the published file; opened read-only per request)."""
    warehouse = Path(warehouse)
    settings = settings or Settings()
    app = Dash(
        __name__,
        title="journeyflow explorer",
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
    )

    def layout() -> html.Div:
        with reading(warehouse) as con:  # a page load reads the warehouse as published now
            options = figures.filter_options(con)
        return html.Div(
            [
                html.H2("journeyflow explorer"),
                html.Div(f"warehouse {warehouse} (read-only)", style={"color": "#666", "font-size": "13px"}),
                dcc.Store(id="options", data={k: v for k, v in options.items() if k != "dates"}),
                filter_bar(options),
                html.Div(id="headline", style=BAR),
                dcc.Tabs(
                    id="page", value="map", children=[dcc.Tab(label=v, value=k) for k, v in PAGES.items()]
                ),
                dcc.Loading(html.Div(id="page-content", style={"padding-top": "10px"})),
            ],
            style=CSS,
        )

    app.layout = layout
    filter_inputs = [
        Input("f-dates", "start_date"),
        Input("f-dates", "end_date"),
        Input("f-sources", "value"),
        Input("f-channels", "value"),
        Input("f-segment-by", "value"),
        Input("f-segments", "value"),
        Input("f-outcomes", "value"),
    ]
    filter_states = [State(i.component_id, i.component_property) for i in filter_inputs]

    @app.callback(
        Output("f-segments", "options"),
        Output("f-segments", "value"),
        Input("f-segment-by", "value"),
        State("options", "data"),
    )
    def segment_values(segment_by: str, options: dict) -> tuple[list, list]:
        return options.get(segment_by or "first_channel", []), []

    @app.callback(Output("headline", "children"), *filter_inputs)
    def headline(*values: object) -> list[html.Div]:
        with reading(warehouse) as con:
            return headline_cards(figures.headline(con, to_filters(*values)))

    @app.callback(
        Output("page-content", "children"), Input("page", "value"), *filter_inputs, State("options", "data")
    )
    def page(name: str, *values: object) -> object:
        *filter_values, options = values
        filters = to_filters(*filter_values)
        with reading(warehouse) as con:
            return PAGE_BUILDERS[name](con, filters, options, settings)

    register_page_callbacks(app, warehouse, settings, filter_states)
    return app


# --- pages -------------------------------------------------------------------------------------------------


def map_page(con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings) -> object:
    kpis = figures.touchpoint_kpis(con, filters, settings)
    funnel = figures.phase_funnel(con, filters)
    return html.Div(
        [
            html.P(
                "Phases left to right, under each its touchpoints passed by the most journeys: reach, "
                "conversion rate after it, NPS/CSAT/CES after it, pain score (red = higher); on top the "
                "drop-off between "
                "phases. Computed over the journeys the filters select."
            ),
            graph("map-graph", figures.journey_map_figure(kpis, funnel)),
            html.H4("phase funnel"),
            data_table("map-table", funnel.drop("phase_order")),
        ]
    )


def paths_page(con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings) -> object:
    return html.Div(
        [
            html.Div(
                [
                    labelled(
                        "node",
                        dcc.RadioItems(
                            id="sankey-level", options=list(figures.LEVELS), value="touchpoint", inline=True
                        ),
                        "260px",
                    ),
                    labelled("steps", dcc.Slider(id="sankey-steps", min=2, max=12, step=1, value=6), "300px"),
                    labelled(
                        "nodes per step", dcc.Slider(id="sankey-top", min=2, max=15, step=1, value=6), "300px"
                    ),
                ],
                style=BAR,
            ),
            html.P(
                "Column k = the k-th step of each journey (repeats of one node are one step), so loops read "
                "left "
                "to right. Click a node to see the paths through it."
            ),
            dcc.Loading(graph("sankey-graph", go.Figure())),
            html.H4(id="paths-title", children="paths through a node: click one"),
            html.Div(id="paths-through"),
        ]
    )


def funnels_page(
    con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings
) -> object:
    step_options = funnel_step_options(options)
    return html.Div(
        [
            html.Div(
                [
                    labelled(
                        "steps, in order (phases, touchpoints or channels)",
                        dcc.Dropdown(
                            id="funnel-steps",
                            options=step_options,
                            multi=True,
                            value=["phase=awareness", "phase=consideration", "phase=acquisition"],
                        ),
                        "520px",
                    ),
                    labelled(
                        "unit",
                        dcc.RadioItems(
                            id="funnel-unit", options=list(UNITS), value="person", inline=True
                        ),
                        "240px",
                    ),
                    labelled(
                        "mode",
                        dcc.RadioItems(
                            id="funnel-mode", options=list(MODES), value="ordered", inline=True
                        ),
                        "220px",
                    ),
                    labelled(
                        "window (days from step 1; empty: none)",
                        dcc.Input(
                            id="funnel-window", type="number", min=0, debounce=True, placeholder="none"
                        ),
                        "240px",
                    ),
                ],
                style=BAR,
            ),
            html.Div(
                [
                    labelled(
                        "compare with",
                        dcc.RadioItems(
                            id="funnel-compare",
                            options=[
                                {"label": "nothing", "value": "none"},
                                {"label": "segment", "value": "segment"},
                                {"label": "date range", "value": "dates"},
                            ],
                            value="none",
                            inline=True,
                        ),
                        "300px",
                    ),
                    labelled(
                        "B: segment / cohort",
                        dcc.Dropdown(
                            id="funnel-b-segments", multi=True, options=options.get(filters.segment_by, [])
                        ),
                    ),
                    labelled(
                        "B: journeys started",
                        dcc.DatePickerRange(id="funnel-b-dates", display_format="YYYY-MM-DD", clearable=True),
                        "260px",
                    ),
                ],
                style=BAR,
            ),
            html.P(
                "ordered: each step is the first touchpoint matching it after the previous step (others in "
                "between allowed; the same step may come twice); strict: the very next touchpoint; any: the "
                "steps in any order. Every step within the window of step 1. A = the global "
                "filters; B = the same with the segment or date range given here. The same funnel in Python: "
                "journeyflow.open(...).funnel(steps, unit=..., mode=..., window_days=...); on the command "
                "line: journeyflow funnel --step ...; defined funnels: marts.funnels (funnels.yaml)."
            ),
            dcc.Loading(graph("funnel-graph", go.Figure())),
            html.Div(id="funnel-table"),
        ]
    )


def graph_page(con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings) -> object:
    edges = figures.transition_edges(con, filters)
    most = int(edges["transitions"].max() or 1) if edges.height else 1
    return html.Div(
        [
            html.Div(
                [
                    labelled(
                        "edges with at least … transitions",
                        dcc.Slider(id="graph-min-edge", min=1, max=max(most, 2), value=max(1, most // 10)),
                        "360px",
                    ),
                    labelled(
                        "nodes with at least … visits",
                        dcc.Slider(id="graph-min-visits", min=0, max=max(most, 2), value=0),
                        "360px",
                    ),
                    labelled(
                        "bottlenecks marked",
                        dcc.Slider(id="graph-bottlenecks", min=0, max=10, step=1, value=3),
                        "260px",
                    ),
                ],
                style=BAR,
            ),
            dcc.Loading(graph("transition-graph", go.Figure())),
            html.H4("nodes: Markov removal effect, exit rate and bottleneck rank"),
            html.Div(id="graph-table"),
        ]
    )


def attribution_page(
    con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings
) -> object:
    return html.Div(
        [
            labelled(
                "credit to",
                dcc.RadioItems(
                    id="attribution-level", options=["channel", "touchpoint"], value="channel", inline=True
                ),
            ),
            html.Div(id="attribution-content"),
        ]
    )


KPI_METRICS = (
    "pain_score",
    "journeys",
    "conversion_rate",
    "drop_off_rate",
    "ticket_rate",
    "nps",
    "csat",
    "ces",
    "median_seconds_to_next",
)


def kpis_page(con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings) -> object:
    kpis = figures.touchpoint_kpis(con, filters, settings)
    table = kpis.select(
        "touchpoint",
        "phase",
        "pain_rank",
        "pain_score",
        "persons",
        "journeys",
        "conversion_rate",
        "nps",
        "csat",
        "ces",
        "ticket_rate",
        "median_seconds_to_next",
        "exit_rate",
        "drop_off_rate",
    ).sort("pain_rank", nulls_last=True)
    return html.Div(
        [
            labelled(
                "top 15 by",
                dcc.Dropdown(id="kpi-metric", options=list(KPI_METRICS), value="pain_score", clearable=False),
            ),
            dcc.Loading(graph("kpi-graph", go.Figure())),
            data_table("kpi-table", table),
        ]
    )


def segments_page(
    con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings
) -> object:
    values = options.get(filters.segment_by, [])
    return html.Div(
        [
            html.P(
                f"Two values of the segment dimension '{filters.segment_by}' (set in the filter bar) side by "
                "side, over the journeys the other filters select."
            ),
            html.Div(
                [
                    labelled(
                        "A", dcc.Dropdown(id="segment-a", options=values, value=values[0] if values else None)
                    ),
                    labelled(
                        "B",
                        dcc.Dropdown(
                            id="segment-b", options=values, value=values[1] if len(values) > 1 else None
                        ),
                    ),
                ],
                style=BAR,
            ),
            html.Div(id="segment-content"),
        ]
    )


def quality_page(
    con: duckdb.DuckDBPyConnection, filters: Filters, options: dict, settings: Settings
) -> object:
    tables = figures.data_quality(con)
    parts: list[object] = [
        html.P("What was loaded and what was not: the whole warehouse (the filters do not apply to files).")
    ]
    if "rejects_by_reason" in tables:
        by_reason = tables["rejects_by_reason"].group_by("reason").agg(pl.col("rows").sum())
        parts += [
            graph(
                "rejects-graph",
                figures.top_bar_figure(
                    by_reason, "reason", "rows", 15, title="rejected rows by reason", colour="#E45756"
                ),
            ),
            data_table("rejects-table", tables["rejects_by_reason"]),
        ]
    for key, title in (
        ("load_summary", "load summary per file, most rejects first"),
        ("unmapped_events", "unmapped events (no taxonomy rule matched)"),
        ("checks", "quality checks of the last run"),
    ):
        if key in tables:
            parts += [html.H4(title), data_table(f"{key}-table", tables[key])]
    return html.Div(parts)


PAGE_BUILDERS = {
    "map": map_page,
    "paths": paths_page,
    "funnels": funnels_page,
    "graph": graph_page,
    "attribution": attribution_page,
    "kpis": kpis_page,
    "segments": segments_page,
    "quality": quality_page,
}


def register_page_callbacks(
    app: Dash, warehouse: Path, settings: Settings, filter_states: list[State]
) -> None:
    """The callbacks of the controls inside the pages (they read the global filters as state)."""

    @app.callback(
        Output("sankey-graph", "figure"),
        Input("sankey-level", "value"),
        Input("sankey-steps", "value"),
        Input("sankey-top", "value"),
        *filter_states,
    )
    def sankey(level: str, steps: int, top: int, *values: object) -> go.Figure:
        with reading(warehouse) as con:
            data = figures.step_sankey_data(con, to_filters(*values), level, steps, top)
            return figures.step_sankey_figure(data, figures.touchpoint_phases(con))

    @app.callback(
        Output("paths-through", "children"),
        Output("paths-title", "children"),
        Input("sankey-graph", "clickData"),
        State("sankey-level", "value"),
        State("sankey-steps", "value"),
        State("sankey-top", "value"),
        *filter_states,
        prevent_initial_call=True,
    )
    def through(click: dict | None, level: str, steps: int, top: int, *values: object) -> tuple:
        point = (click or {}).get("points", [{}])[0]
        if "customdata" not in point or "step " not in str(point.get("customdata")):
            return no_update, no_update
        head = str(point["customdata"]).split("<br>")[0]  # "step 2: pricing_page"
        position, node = head.removeprefix("step ").split(": ", 1)
        with reading(warehouse) as con:
            paths = figures.paths_through(
                con, int(position), node, to_filters(*values), level, steps, top, 20
            )
        return data_table("paths-table", paths), f"paths through {node} at step {position}"

    @app.callback(
        Output("funnel-graph", "figure"),
        Output("funnel-table", "children"),
        Input("funnel-steps", "value"),
        Input("funnel-unit", "value"),
        Input("funnel-mode", "value"),
        Input("funnel-window", "value"),
        Input("funnel-compare", "value"),
        Input("funnel-b-segments", "value"),
        Input("funnel-b-dates", "start_date"),
        Input("funnel-b-dates", "end_date"),
        *filter_states,
    )
    def funnel(
        chosen: list | None,
        unit: str,
        mode: str,
        window: float | None,
        compare: str,
        b_segments: list | None,
        b_start: str | None,
        b_end: str | None,
        *values: object,
    ) -> tuple:
        steps = [FunnelStep.parse(text) for text in chosen or []]
        if not steps:
            return go.Figure(), html.P("Pick at least one step.")
        a = to_filters(*values)
        selections = {"A": a}
        if compare == "segment" and b_segments:
            selections["B"] = Filters(**{**a.__dict__, "segments": tuple(b_segments)})
        elif compare == "dates" and (b_start or b_end):
            selections["B"] = to_filters(b_start, b_end, *values[2:])
        with reading(warehouse) as con:
            results = {
                name: figures.funnel(con, steps, selection, unit, window, mode)
                for name, selection in selections.items()
            }
        table = pl.concat(
            [
                frame.with_columns(selection=pl.lit(name)).select("selection", pl.all().exclude("selection"))
                for name, frame in results.items()
            ]
        )
        return figures.funnel_figure(results, unit), data_table("funnel-data", table, page_size=30)

    @app.callback(
        Output("transition-graph", "figure"),
        Output("graph-table", "children"),
        Input("graph-min-edge", "value"),
        Input("graph-min-visits", "value"),
        Input("graph-bottlenecks", "value"),
        *filter_states,
    )
    def transition_graph(min_edge: int, min_visits: int, bottlenecks: int, *values: object) -> tuple:
        with reading(warehouse) as con:
            edges = figures.transition_edges(con, to_filters(*values))
            metrics = figures.graph_metrics(con, edges, settings)
            fig = figures.transition_graph_figure(
                edges,
                metrics,
                figures.touchpoint_phases(con),
                min_edge or 1,
                min_visits or 0,
                bottlenecks or 0,
            )
        return fig, data_table("graph-data", metrics.sort("bottleneck_rank", nulls_last=True))

    @app.callback(
        Output("attribution-content", "children"), Input("attribution-level", "value"), *filter_states
    )
    def attribution(level: str, *values: object) -> object:
        with reading(warehouse) as con:
            frame = figures.attribution(con, to_filters(*values), level)
        return html.Div(
            [
                graph("attribution-graph", figures.attribution_figure(frame)),
                data_table("attribution-table", frame),
            ]
        )

    @app.callback(Output("kpi-graph", "figure"), Input("kpi-metric", "value"), *filter_states)
    def kpi_chart(metric: str, *values: object) -> go.Figure:
        with reading(warehouse) as con:
            kpis = figures.touchpoint_kpis(con, to_filters(*values), settings)
        return figures.top_bar_figure(kpis, "touchpoint", metric, 15, percent=metric.endswith("rate"))

    @app.callback(
        Output("segment-content", "children"),
        Input("segment-a", "value"),
        Input("segment-b", "value"),
        *filter_states,
    )
    def segments(a: str | None, b: str | None, *values: object) -> object:
        if not a or not b:
            return html.P("Pick two segments.")
        filters = to_filters(*values)
        with reading(warehouse) as con:
            frame = figures.segment_comparison(
                con, filters.segment_by, a, b, Filters(**{**filters.__dict__, "segments": ()})
            )
        fig = figures.top_bar_figure(
            frame, "segment", "conversion_rate", 2, percent=True, title="conversion rate per segment"
        )
        return html.Div([graph("segment-graph", fig), data_table("segment-table", frame)])


def serve(
    warehouse: Path, host: str = "127.0.0.1", port: int = 8050, settings: Settings | None = None
) -> None:
    """Run the explorer until interrupted (Flask's threaded server: a local tool, not a public site)."""
    create_app(warehouse, settings).run(host=host, port=port, debug=False)
