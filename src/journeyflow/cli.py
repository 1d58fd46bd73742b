"""`journeyflow` command line: run the pipeline, generate exports, report, query, graph, sources, doctor."""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Annotated

import duckdb
import networkx as nx
import polars as pl
import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from journeyflow.checks import QualityGateFailed
from journeyflow.config import DEFAULT_TAXONOMY, Settings, load_settings
from journeyflow.connection import (
    READER_SANDBOX,
    connect_published,
    first_line,
    refused_by_sandbox,
    table_exists,
)
from journeyflow.engines import ENGINES
from journeyflow.pipeline import STEPS, Step, run_pipeline
from journeyflow.run_context import Metadata
from journeyflow.scope import ALL_FILES, LoadScope
from journeyflow.sources import file_label
from journeyflow.summary import RunSummary, summarise

app = typer.Typer(
    help="journeyflow: customer journeys from web analytics, CRM, support and survey exports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Settings file (default: ./journeyflow.yaml if present).")
]


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


def installed_version() -> str:
    """The version of the installed journeyflow (its package metadata)."""
    try:
        return importlib.metadata.version("journeyflow")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"journeyflow {installed_version()}\n")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=print_version, is_eager=True,
                           help="Print the installed version and exit.")
    ] = False,
) -> None:
    # only the global options; each command has its own
    return None


def shorten_path(path: str | PurePath, width: int | None = None) -> str:
    """`path` in at most `width` characters (default: half the terminal, for a path inside a sentence),
    cut from the left (at a folder boundary when one fits) so that its meaningful end stays:
    `…/ga4/events_20260601.ndjson`. In a table cell of its own, use PathCell (it fits the column)."""
    text = str(path)
    width = max(24, console.width // 2) if width is None else width
    if len(text) <= width:
        return text
    parts = PurePath(text).parts
    kept = parts[-1] if parts else text
    for part in reversed(parts[:-1]):
        if len(kept) + len(part) + 3 > width:  # "…/" + part + "/" + kept
            break
        kept = f"{part}/{kept}"
    if len(kept) + 2 <= width:
        return f"…/{kept}"
    return "…" + text[len(text) - max(width - 1, 0):]


class PathCell:
    """A file path in a table cell: shortened from the left (shorten_path) to the width the table
    gives the column, so a narrow terminal shows `…/ga4/events_20260601.ndjson`, not `data/sampl…`."""

    def __init__(self, path: str | PurePath) -> None:
        self.path = str(path)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(len(self.path), 16), len(self.path))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(shorten_path(self.path, options.max_width), no_wrap=True, overflow="ignore")


# --as-of: a day (its midnight), or a time with or without a UTC offset (without: UTC)
AS_OF_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z",
                 "%Y-%m-%d %H:%M:%S%z"]


@app.command()
def run(
    input_dir: Annotated[
        Path | None, typer.Option("--input", help="Folder of exports (default: data/sample).")
    ] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option("--warehouse", help="Published DuckDB file (default: warehouse/journeyflow.duckdb)."),
    ] = None,
    taxonomy: Annotated[
        Path | None, typer.Option("--taxonomy", help="Touchpoint taxonomy YAML (default: shipped).")
    ] = None,
    session_gap: Annotated[
        int | None, typer.Option("--session-gap", min=1, help="Minutes of inactivity that end a session.")
    ] = None,
    session_max: Annotated[
        int | None, typer.Option("--session-max", min=1,
                                 help="Minutes after which a long visit is cut into a new session "
                                      "(default 720).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Rebuild every layer from all files (default: only "
                                          "new or changed files and the persons they affect).")
    ] = False,
    day: Annotated[
        datetime | None, typer.Option("--day", formats=["%Y-%m-%d"],
                                      help="The nightly run of this day: its files and the lookback days'.")
    ] = None,
    first_day: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"],
                                      help="Backfill: first day of the range (with --to).")
    ] = None,
    last_day: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"],
                                      help="Backfill: last day; files dated later are not read.")
    ] = None,
    lookback: Annotated[
        int | None, typer.Option("--lookback", min=0,
                                 help="Days before --day/--from whose files are re-read (default 3).")
    ] = None,
    engine: Annotated[
        str | None, typer.Option("--engine", help="Where the SQL runs: duckdb (default) or spark.")
    ] = None,
    spark_master: Annotated[
        str | None, typer.Option("--spark-master", help="Spark master URL (default: local[2]).")
    ] = None,
    parquet_root: Annotated[
        str | None,
        typer.Option("--parquet-root", help="Spark: folder or object store URL of the Parquet layers."),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=AS_OF_FORMATS, metavar="YYYY-MM-DD[THH:MM:SS[+HH:MM]]",
                     help="The run's \"now\" (UTC unless an offset is given): a timestamp more than a day "
                          "later is rejected. Default: the run's start; the same --as-of reruns alike."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Load the exports in the input folder, update all layers and publish the warehouse.

    By default only files that are new or changed since the last run are read, and only the
    persons they affect are recomputed; the result is the same as `--full`.
    """
    settings = resolve_settings(  # a bad settings file or option: every problem, then exit 1
        config, input_dir=input_dir, warehouse=warehouse, taxonomy=taxonomy,
        session_gap_minutes=session_gap, session_max_minutes=session_max,
        late_data_lookback_days=lookback, engine=engine,
        spark_master=spark_master, parquet_root=parquet_root,
    )
    try:
        scope = run_scope(settings, full, day, first_day, last_day)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if settings.engine not in ENGINES:
        raise fail(f"--engine must be one of {', '.join(ENGINES)}, got {settings.engine!r}")
    if not settings.input_dir.is_dir():
        raise fail(f"input folder {settings.input_dir} does not exist: give the folder of exports with "
                   "--input, or input_dir in journeyflow.yaml")
    if not settings.taxonomy.is_file():
        raise fail(f"taxonomy file {settings.taxonomy} does not exist")

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        task = progress.add_task("building", total=len(STEPS))

        def advance(step: Step, metadata: Metadata) -> None:
            progress.update(task, advance=1, description=step.name)

        try:
            results = run_pipeline(settings, on_step=advance, incremental=not full, scope=scope,
                                   as_of=as_of)
        except (duckdb.Error, ValueError, OSError, QualityGateFailed, *spark_errors()) as exc:
            raise fail(f"run failed, the published warehouse was left as it was: {exc}") from None

    if not full:
        print_increment(results)
    con = connect_published(settings.warehouse)
    try:
        print_summary(summarise(con), settings.warehouse)
    finally:
        con.close()


def run_scope(settings: Settings, full: bool, day: datetime | None, first_day: datetime | None,
              last_day: datetime | None) -> LoadScope:
    """The files a run reads: --day (plus lookback), --from/--to (plus lookback), or all."""
    if day and (first_day or last_day):
        raise ValueError("give either --day or --from/--to, not both")
    if last_day and not first_day and not full:
        raise ValueError("--to needs --from (or --full: rebuild from all files up to --to)")
    if first_day and last_day and first_day > last_day:
        raise ValueError(f"--from {first_day:%Y-%m-%d} is after --to {last_day:%Y-%m-%d}")
    if full:
        end = day or last_day
        return LoadScope(last_day=end.date() if end else None)
    if day:
        return settings.day_scope(day.date())
    if first_day:
        return settings.day_scope(first_day.date(), last_day.date() if last_day else None)
    return ALL_FILES


def print_increment(results: dict[str, Metadata]) -> None:
    """What an incremental run actually did: files read and persons recomputed."""
    read = sum(int(m.get("files", 0)) for name, m in results.items() if name.startswith("raw."))
    kept = sum(int(m.get("files_unchanged", 0)) for m in results.values())
    removed = sum(int(m.get("files_removed", 0)) for m in results.values())
    persons = results.get("core.touchpoints", {}).get("persons_recomputed", "all")
    console.print(f"incremental: {read} file(s) read, {kept} unchanged, {removed} removed; "
                  f"persons recomputed: {persons}")
def spark_errors() -> tuple[type[Exception], ...]:
    """pyspark's errors, when the Spark engine was loaded (pyspark is not imported otherwise)."""
    errors = sys.modules.get("pyspark.errors")
    return (errors.PySparkException,) if errors else ()


def print_summary(summary: RunSummary, warehouse: Path) -> None:
    table = Table(title="journeyflow run", show_header=False, title_justify="left")
    table.add_row("events loaded", f"{summary.events_loaded:,}")
    table.add_row("rows rejected", f"{summary.rows_rejected:,} (see quality.rejected_rows)")
    table.add_row("duplicate rows", f"{summary.rows_duplicate:,}")
    table.add_row("persons", f"{summary.persons:,}")
    table.add_row("journeys", f"{summary.journeys:,}")
    table.add_row(
        "conversion rate",
        f"{summary.conversion_rate:.1%} ({summary.converted_journeys:,} converted journeys)",
    )
    if summary.biggest_drop_off_phase:
        table.add_row(
            "biggest drop-off",
            f"{summary.biggest_drop_off_phase}: {summary.biggest_drop_off_rate:.1%} leave",
        )
    table.add_row("warehouse", PathCell(warehouse))
    console.print(table)
    if summary.rejects_by_file:
        rejects = Table(title="rejected rows by file", title_justify="left")
        for column in ("table", "file", "rows", "example reason"):
            rejects.add_column(column)
        for raw_table, source_file, count, reason in summary.rejects_by_file:
            rejects.add_row(raw_table, PathCell(file_label(source_file, raw_table)), str(count), reason)
        console.print(rejects)


class Ga4Format(StrEnum):
    ndjson = "ndjson"
    parquet = "parquet"


class SalesforceFormat(StrEnum):
    export = "export"
    fivetran = "fivetran"
    airbyte = "airbyte"


class HubspotFormat(StrEnum):
    export = "export"
    fivetran = "fivetran"
    airbyte = "airbyte"


class ZendeskFormat(StrEnum):
    export = "export"
    fivetran = "fivetran"
    airbyte = "airbyte"


class ShopFormat(StrEnum):
    shopify = "shopify"
    woocommerce = "woocommerce"


class SnowplowFormat(StrEnum):
    enriched = "enriched"
    atomic = "atomic"


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the exports to.")],
    persons: Annotated[int, typer.Option("--persons", min=1, help="Number of people.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same files.")] = 42,
    start: Annotated[
        str, typer.Option("--start", help="First day of the generated history (YYYY-MM-DD).")
    ] = "2026-06-01",
    days: Annotated[int, typer.Option("--days", min=1, help="Length of the history in days.")] = 120,
    defects: Annotated[
        bool, typer.Option("--defects/--no-defects", help="Add the deliberately broken rows.")
    ] = True,
    ga4_format: Annotated[
        Ga4Format, typer.Option("--ga4-format", help="GA4 as NDJSON day files or a Parquet shard.")
    ] = Ga4Format.ndjson,
    salesforce_format: Annotated[
        SalesforceFormat, typer.Option("--salesforce-format",
                                       help="Salesforce as Data Export CSVs (salesforce/), Fivetran's "
                                            "connector tables (fivetran_salesforce/) or Airbyte's "
                                            "stream tables (airbyte_salesforce/), as Parquet.")
    ] = SalesforceFormat.export,
    hubspot_format: Annotated[
        HubspotFormat, typer.Option("--hubspot-format",
                                    help="HubSpot as the CRM's exports (hubspot/), Fivetran's connector "
                                         "tables (fivetran_hubspot/) or Airbyte's stream tables "
                                         "(airbyte_hubspot/), as Parquet.")
    ] = HubspotFormat.export,
    zendesk_format: Annotated[
        ZendeskFormat, typer.Option("--zendesk-format",
                                    help="Zendesk as the API export (zendesk/), Fivetran's connector "
                                         "tables (fivetran_zendesk/) or Airbyte's stream tables "
                                         "(airbyte_zendesk/), as Parquet.")
    ] = ZendeskFormat.export,
    shop_format: Annotated[
        ShopFormat, typer.Option("--shop-format",
                                 help="The store orders as a Shopify orders export (shopify/) or a "
                                      "WooCommerce order export (woocommerce/).")
    ] = ShopFormat.shopify,
    snowplow_format: Annotated[
        SnowplowFormat, typer.Option("--snowplow-format",
                                     help="Snowplow as enriched TSV and SDK JSON (snowplow/) or a CSV "
                                          "dump of the atomic.events table (snowplow_atomic/).")
    ] = SnowplowFormat.enriched,
    linkedin_ads: Annotated[
        bool, typer.Option("--linkedin-ads/--no-linkedin-ads",
                           help="Add a LinkedIn Campaign Manager report (linkedin_ads/) to the ad reports.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty: the files of an "
                                           "earlier generate there are replaced, all others are kept.")
    ] = False,
) -> None:
    """Write realistic synthetic exports (GA4, Snowplow, Segment, HubSpot, Salesforce, Zendesk,
    Freshdesk, surveys, shop orders, ad reports, lead forms, email) for demos and benchmarks.

    The folder must be empty (or new) unless --force is given. Files that generate did not write are
    never deleted or overwritten, with --force neither: it lists what it wrote in
    OUT/.journeyflow-generated and replaces or removes only those files.
    """
    from journeyflow.generate import describe_files
    from journeyflow.generate import generate as write_exports

    try:
        first_day: date = datetime.strptime(start, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--start must be a date like 2026-06-01, got {start!r}") from None
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file, not a folder")
    present = sorted(f"{p.name}/" if p.is_dir() else p.name for p in out.iterdir()) if out.is_dir() else []
    if present and not force:
        raise fail(f"{out} is not empty: it holds {describe_files(present)}. generate writes into an empty "
                   "folder: choose another one, or give --force to write into this one (the files of an "
                   "earlier generate there are replaced; every other file is kept, never overwritten)")
    try:
        with console.status(f"generating {persons:,} persons over {days} days into {out} …"):
            counts = write_exports(out, persons=persons, seed=seed, start=first_day, days=days,
                                   defects=defects, ga4_format=Ga4Format(ga4_format).value, force=force,
                                   salesforce_format=SalesforceFormat(salesforce_format).value,
                                   shop_format=ShopFormat(shop_format).value,
                                   snowplow_format=SnowplowFormat(snowplow_format).value,
                                   linkedin_ads=linkedin_ads,
                                   hubspot_format=HubspotFormat(hubspot_format).value,
                                   zendesk_format=ZendeskFormat(zendesk_format).value)
    except ValueError as exc:  # GenerateRefused: it would overwrite a file it did not write
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write to {out}: {exc}") from None
    table = Table(title=f"generated in {out}", title_justify="left")
    table.add_column("file kind")
    table.add_column("rows", justify="right")
    for kind, rows in counts.items():
        table.add_row(kind, f"{rows:,}")
    console.print(table)


WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help="Published DuckDB file to read (default: journeyflow.yaml, else warehouse/journeyflow.duckdb).",
    ),
]
MISSING_WAREHOUSE = "warehouse {path} does not exist: run `journeyflow run` first"


def resolve_settings(config: Path | None, **overrides: object) -> Settings:
    """Settings file plus the CLI options that were given; a bad settings file is a clear error."""
    from rich.markup import escape

    from journeyflow.config import SettingsError

    try:
        return load_settings(config).with_overrides(**overrides)
    except SettingsError as exc:
        err.print("[bold red]error:[/] the settings are not valid:")
        for line in exc.lines:  # one line per problem, also when the output is a log file
            err.print(f"  {escape(line)}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from None


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the published warehouse read-only, or exit with a message saying what to do."""
    if not path.is_file():
        raise fail(MISSING_WAREHOUSE.format(path=path))
    try:
        return connect_published(path)
    except duckdb.Error as exc:
        raise fail(f"cannot open warehouse {path} read-only: {exc}") from None


def require_tables(con: duckdb.DuckDBPyConnection, path: Path, *tables: str) -> None:
    missing = [table for table in tables if not table_exists(con, table)]
    if missing:
        con.close()
        raise fail(f"warehouse {path} has no {', '.join(missing)}: run `journeyflow run` first")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write (one self-contained file).")],
    warehouse: WarehouseOption = None,
    config: ConfigOption = None,
) -> None:
    """Write an HTML report: summary, Sankey, phase funnel, transition graph, paths, attribution, quality.

    The file embeds plotly.js, so it opens offline; the warehouse is only read.
    """
    from journeyflow.report import render

    settings = resolve_settings(config, warehouse=warehouse)
    con = open_published(settings.warehouse)
    try:
        require_tables(con, settings.warehouse, "core.journeys", "staging.events", "quality.load_summary")
        document = render(con, str(settings.warehouse))
    except duckdb.Error as exc:
        raise fail(f"could not build the report from {settings.warehouse}: {exc}") from None
    finally:
        con.close()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(document, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from None
    console.print(f"report written to [bold]{out}[/] ({out.stat().st_size / 1e6:.1f} MB)")


@app.command("app")
def app_command(
    warehouse: WarehouseOption = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8050,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")]
    = "127.0.0.1",
    config: ConfigOption = None,
) -> None:
    """Start the journey explorer (a local web app) over the published warehouse, read-only.

    Journey map, step Sankey, funnels, transition graph, attribution, KPIs, segments and data quality,
    with filters by date, source, channel, segment and outcome. It reads the file anew for every
    request, so it keeps answering while `journeyflow run` publishes a new warehouse.
    """
    from journeyflow.explorer import serve

    settings = resolve_settings(config, warehouse=warehouse)
    open_published(settings.warehouse).close()  # a missing or unreadable warehouse: say so now
    err.print(f"journeyflow explorer on http://{host}:{port}/ (warehouse {settings.warehouse}); "
              "Ctrl+C stops it")
    serve(settings.warehouse, host=host, port=port, settings=settings)


@app.command()
def funnel(
    step: Annotated[list[str] | None, typer.Option(
        "--step", help="A step, in order: a touchpoint (pricing_page), key=value (phase=acquisition) or "
                       "several keys (phase=awareness,channel=search); keys: touchpoint, event_name, phase, "
                       "channel, category, source, page_path, utm_source, utm_medium, utm_campaign, origin. "
                       "Repeat for each step.")] = None,
    name: Annotated[str | None, typer.Option(
        "--funnel", help="A funnel of the funnels file (the `funnels` setting) instead of --step; "
                         "--mode, --unit and --window-days override its own.")] = None,
    mode: Annotated[str | None, typer.Option(
        "--mode", help="ordered (default: each step after the previous, others in between), strict (the "
                       "very next touchpoint) or any (any order).")] = None,
    unit: Annotated[str | None, typer.Option(
        "--unit", help="Count persons (default), journeys or sessions.")] = None,
    window_days: Annotated[float | None, typer.Option(
        "--window-days", min=0, help="Each step within this many days of step 1 (default: none).")] = None,
    breakdown: Annotated[str, typer.Option(
        "--breakdown", help="all, channel, campaign, cohort_month or segment.")] = "all",
    warehouse: WarehouseOption = None,
    config: ConfigOption = None,
) -> None:
    """A funnel over any steps: units reaching each step, conversion and median time between steps.

    The same computation as marts.funnels, the Funnels page of `journeyflow app` and
    `journeyflow.open(...).funnel(...)`.
    """
    from journeyflow.figures import funnel as run_funnel
    from journeyflow.funnels import FunnelError, FunnelStep, find_funnel, load_funnels

    settings = resolve_settings(config, warehouse=warehouse)
    if bool(step) == bool(name):
        raise fail("give either --step (one per step) or --funnel NAME")
    try:
        if name:
            defined = find_funnel(load_funnels(settings.funnels), name, settings.funnels)
            steps = list(defined.steps)
            mode = mode or defined.mode
            unit = unit or defined.unit
            window_days = window_days if window_days is not None else defined.window_days
        else:
            steps = [FunnelStep.parse(text) for text in step or []]
    except (ValueError, FunnelError) as exc:
        raise fail(str(exc)) from None
    con = open_published(settings.warehouse)
    try:
        require_tables(con, settings.warehouse, "core.touchpoints", "core.journeys", "marts.segment_journeys")
        result = run_funnel(con, steps, unit=unit or "person", window_days=window_days,
                            mode=mode or "ordered", breakdown=breakdown)
    except ValueError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
    print_rows(result, limit=len(result))


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run, e.g. \"select * from bi.phase_funnel\".")],
    warehouse: WarehouseOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the result to FILE.csv or FILE.parquet instead of printing it."),
    ] = None,
    fmt: Annotated[
        QueryFormat,
        typer.Option("--format", help="table: at most --limit rows, one block per row when the columns do "
                                       "not fit; csv or json (JSON lines): every row to stdout, nothing "
                                       "else (`> result.csv`)."),
    ] = QueryFormat.table,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Rows to print as a table (csv, json and --out: every row).")
    ] = 50,
    config: ConfigOption = None,
) -> None:
    """Run SQL against the published warehouse, opened read-only in a sandbox: no writes, no ATTACH, no
    file access (read_csv, COPY ... TO), no extensions, no settings. --out and --format write the
    result from Python, after the query."""
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise typer.BadParameter(f"{out.name}: use a .csv or .parquet file name", param_hint="--out")
    if out is not None and fmt is not QueryFormat.table:
        raise typer.BadParameter("give either --format csv/json (to stdout) or --out FILE (its suffix "
                                 "names the format)", param_hint="--format")
    settings = resolve_settings(config, warehouse=warehouse)
    con = open_published(settings.warehouse)
    try:
        result = con.sql(sql)
        frame = result.pl() if result is not None else pl.DataFrame()
    except duckdb.Error as exc:
        if refused_by_sandbox(exc):
            raise refused(exc) from None
        raise fail(f"query failed: {exc}") from None
    finally:
        con.close()
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.suffix.lower() == ".csv":
                csv_ready(frame).write_csv(out)
            else:
                frame.write_parquet(out)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise fail(f"cannot write {out}: {exc}") from None
        console.print(f"{frame.height:,} rows written to [bold]{out}[/]")
        return
    if fmt is not QueryFormat.table:
        write_rows(frame, fmt)
        return
    print_rows(frame, limit)
    if frame.height > limit:
        console.print(f"[dim]{frame.height - limit:,} more rows: raise --limit, or use --format csv or "
                      "--out FILE.csv[/]")


def refused(exc: duckdb.Error) -> typer.Exit:
    """One line: the query was refused by design, and DuckDB's reason."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] refused: the query runs on the published warehouse "
              f"{READER_SANDBOX}. DuckDB: {escape(first_line(exc))}", soft_wrap=True)
    return typer.Exit(code=1)


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """frame with its nested columns (lists, structs) as JSON text, which a CSV cell can hold."""
    return frame.with_columns(
        pl.when(pl.col(name).is_not_null())
        .then(pl.struct(pl.col(name).alias("v")).struct.json_encode()
              .str.strip_prefix('{"v":').str.strip_suffix("}"))
        .alias(name)
        for name, dtype in frame.schema.items() if dtype.is_nested()
    )


def write_rows(frame: pl.DataFrame, fmt: QueryFormat) -> None:
    """Every row to stdout as CSV (with a header) or JSON lines, and nothing else."""
    sys.stdout.flush()
    try:
        if fmt is QueryFormat.csv:
            csv_ready(frame).write_csv(sys.stdout.buffer)
        else:
            frame.write_ndjson(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # `journeyflow query … --format csv | head`: the reader has gone
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (keeps Python's exit flush quiet)
        raise typer.Exit(code=1) from None
    except pl.exceptions.PolarsError as exc:
        raise fail(f"cannot write the result as {fmt.value}: {exc}") from None


QUERY_MIN_COLUMN = 12  # a query column narrower than this (or its values) is unreadable


def print_rows(frame: pl.DataFrame, limit: int) -> None:
    """At most `limit` rows as a table; when its columns cannot each get a readable width, one block
    per row instead (`column  value` lines, like psql's \\x)."""
    rows = frame.head(limit).rows()
    cells = [[Text("∅", style="dim") if value is None else Text(str(value)) for value in row] for row in rows]
    widths = [max(len(column), len(str(dtype))) for column, dtype in frame.schema.items()]
    for row in cells:
        widths = [max(width, cell.cell_len) for width, cell in zip(widths, row, strict=True)]
    needed = sum(min(width, QUERY_MIN_COLUMN) for width in widths) + 3 * len(widths) + 1  # with borders
    if needed <= console.width:
        table = Table(title=f"{frame.height:,} rows", title_justify="left")
        for column, dtype in frame.schema.items():
            table.add_column(Text.assemble(column, "\n", (str(dtype), "dim")),
                             justify="right" if dtype.is_numeric() else "left")
        for row in cells:  # at most --limit rows
            table.add_row(*row)
        console.print(table)
        return
    console.print(f"{frame.height:,} rows, one block per row ({frame.width} columns do not fit in "
                  f"{console.width} characters)", soft_wrap=True)
    for number, row in enumerate(cells, start=1):
        console.rule(f"row {number}", align="left", style="dim")
        block = Table.grid(padding=(0, 2))
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")
        for column, cell in zip(frame.columns, row, strict=True):
            block.add_row(column, cell)
        console.print(block)


class GraphFormat(StrEnum):
    graphml = "graphml"
    json = "json"
    gexf = "gexf"


def graph_text(digraph: nx.DiGraph, fmt: GraphFormat) -> str:
    """The journey graph serialised as GraphML, node-link JSON or GEXF."""
    if fmt is GraphFormat.json:
        return json.dumps(nx.node_link_data(digraph, edges="edges"), indent=1)
    lines = nx.generate_graphml(digraph) if fmt is GraphFormat.graphml else nx.generate_gexf(digraph)
    return "\n".join(lines)


@app.command("graph")
def graph_command(
    fmt: Annotated[
        GraphFormat,
        typer.Option("--format", help="graphml (yEd, Gephi), json (node-link, d3) or gexf (Gephi)."),
    ] = GraphFormat.graphml,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: print to stdout).")
    ] = None,
    unit: Annotated[str, typer.Option(
        "--unit", help="One sequence per journey (default), session or person (docs/metrics.md, Units).")
    ] = "journey",
    warehouse: WarehouseOption = None,
    config: ConfigOption = None,
) -> None:
    """Export the journey graph (touchpoints plus START, CONVERSION, EXIT) from marts.transitions."""
    from journeyflow.graph import UNITS, from_transitions

    if unit not in UNITS:
        raise fail(f"--unit must be one of {', '.join(UNITS)}, not {unit!r}")
    settings = resolve_settings(config, warehouse=warehouse)
    con = open_published(settings.warehouse)
    try:
        require_tables(con, settings.warehouse,
                       "marts.transitions" if unit == "journey" else "marts.transitions_by_scope")
        try:
            text = graph_text(from_transitions(con, unit), fmt)
        except ValueError as exc:
            raise fail(str(exc)) from None
    finally:
        con.close()
    if out is None:
        sys.stdout.write(text + "\n")
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from None
    err.print(f"graph written to {out} ({fmt.value})")


@app.command()
def sources(
    input_dir: Annotated[
        Path | None,
        typer.Option("--input", help="Export folder to compare with what was loaded (default: settings)."),
    ] = None,
    warehouse: WarehouseOption = None,
    config: ConfigOption = None,
) -> None:
    """Show, per source and file, the rows read, loaded, rejected and duplicate in the last run.

    Files in the input folder that the warehouse has not loaded yet are listed as "not loaded".
    """
    from rich.markup import escape

    from journeyflow.sources import SOURCES
    from journeyflow.sources.landing import input_name
    from journeyflow.sources.readers import find_files
    from journeyflow.sources.unread import unread_inputs

    settings = resolve_settings(config, warehouse=warehouse, input_dir=input_dir)
    if input_dir is not None and not input_dir.is_dir():
        raise fail(f"input folder {input_dir} does not exist")
    con = open_published(settings.warehouse)
    try:
        require_tables(con, settings.warehouse, "quality.load_summary")
        loaded = con.sql("SELECT * FROM quality.load_summary ORDER BY raw_table, source_file").pl()
        if "outcome" not in loaded.columns:  # a warehouse published by an earlier release
            loaded = loaded.with_columns(outcome=pl.lit("read"))
        loaded = loaded.select("raw_table", "source_file", "rows_read", "rows_loaded", "rows_rejected",
                               "rows_duplicate", "outcome")
    finally:
        con.close()
    known = set(loaded.filter(pl.col("outcome") == "read").select("raw_table", "source_file").rows())
    pending = [
        (source.raw_table, name)
        for source in SOURCES
        if settings.input_dir.is_dir()
        for path in find_files(settings.input_dir, source)
        if (source.raw_table, name := input_name(settings.input_dir, path)) not in known
    ]
    unread = (unread_inputs(settings.input_dir, settings.ignore_inputs)
              if settings.input_dir.is_dir() else [])
    loaded = loaded.filter(pl.col("outcome") == "read").drop("outcome")
    table = Table(title=f"sources loaded into {settings.warehouse}", title_justify="left")
    for column in ("source", "file", "read", "loaded", "rejected", "duplicate"):
        table.add_column(column, justify="left" if column in ("source", "file") else "right")
    for raw_table, source_file, *counts in loaded.iter_rows():  # one row per input file
        table.add_row(raw_table.removeprefix("raw."), PathCell(source_file), *(f"{n:,}" for n in counts))
    for raw_table, path in pending:
        table.add_row(raw_table.removeprefix("raw."), PathCell(path), "[yellow]not loaded[/]", "", "", "")
    for item in unread:
        status = "[dim]ignored[/]" if item.ignored_by else "[bold red]not read[/]"
        table.add_row("", PathCell(item.path), status, "", "", "")
    totals = loaded.select(pl.col("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate").sum())
    table.add_section()
    table.add_row("[bold]total[/]", f"{loaded.height} files", *(f"{n:,}" for n in totals.row(0)))
    console.print(table)
    if pending:
        console.print(f"[yellow]{len(pending)} file(s) in {settings.input_dir} are not loaded yet:[/] "
                      "run `journeyflow run` to load them")
    if settings.input_dir.is_dir():
        print_custom_sources(settings.input_dir)
    not_read = [item for item in unread if item.ignored_by is None]
    if not_read:
        err.print(f"[bold red]{len(not_read)} file(s) or folder(s) in {settings.input_dir} are read by no "
                  "source[/] (a run stops on them; list the ones you mean under ignore_inputs):")
        for item in not_read:
            err.print(f"  {escape(item.path)}: {escape(item.reason)}", soft_wrap=True)
        raise typer.Exit(code=1)


def print_custom_sources(input_dir: Path) -> None:
    """The custom sources found under `input_dir/custom/` with their mapping, or why it is unusable."""
    from rich.markup import escape

    from journeyflow.sources.custom import describe_mapping, discover

    found = discover(input_dir)
    if not found:
        return
    table = Table(title=f"custom sources in {input_dir / 'custom'}", title_justify="left")
    for column in ("source", "mapping", "files", "maps"):
        table.add_column(column)
    for custom in found:
        if custom.mapping is None:
            table.add_row(custom.folder.name, PathCell(custom.mapping_file.relative_to(input_dir)), "",
                          f"[bold red]not loaded:[/] {escape(custom.error or '')}")
            continue
        files = ", ".join(p.name for p in custom.files) or "[yellow]no data files[/]"
        table.add_row(custom.name, PathCell(custom.mapping_file.relative_to(input_dir)), files,
                      describe_mapping(custom.mapping))
    console.print(table)


DOCTOR_PACKAGES = ("duckdb", "polars", "pyarrow", "networkx", "dagster", "typer", "rich", "pyyaml", "plotly",
                   "dash")


def doctor_checks(settings: Settings, config: Path | None) -> list[tuple[str, bool, str]]:
    """(check, ok, detail) for Python, packages, settings, input, taxonomy and warehouse."""
    from rich.markup import escape

    from journeyflow.config import SettingsError
    from journeyflow.sources import SOURCES
    from journeyflow.sources.readers import find_files
    from journeyflow.taxonomy import load_taxonomy

    version = sys.version_info
    checks = [("python", version >= (3, 11), f"{sys.version.split()[0]} (needs 3.11 or newer)")]
    for package in DOCTOR_PACKAGES:  # a handful of packages
        try:
            checks.append((f"package {package}", True, importlib.metadata.version(package)))
        except importlib.metadata.PackageNotFoundError:
            checks.append((f"package {package}", False, "not installed: pip install -e ."))
    config_path = config or Path("journeyflow.yaml")
    try:
        load_settings(config)
        detail = f"{config_path} read" if config_path.exists() else f"{config_path} absent: using defaults"
        checks.append(("config file", True, detail))
    except SettingsError as exc:  # every problem, one per line; doctor checks the rest with the defaults
        checks.append(("config file", False, "\n".join([*map(escape, exc.lines), "(the checks below use "
                                                          "the defaults and the options given)"])))
    except OSError as exc:
        checks.append(("config file", False, escape(f"{config_path} cannot be read: {exc}")))
    if settings.input_dir.is_dir():
        files = sum(len(find_files(settings.input_dir, source)) for source in SOURCES)
        expected = ", ".join(dict.fromkeys(f"{source.folder}/" for source in SOURCES))
        checks.append(("input folder", files > 0,
                       f"{shorten_path(settings.input_dir)}: {files} export file(s)"
                       + ("" if files else f" (expected sub-folders {expected})")))
    else:
        checks.append(("input folder", False, f"{shorten_path(settings.input_dir)} does not exist"))
    if settings.input_dir.is_dir():
        checks.append(unread_inputs_check(settings))
        checks.append(custom_sources_check(settings.input_dir))
    try:
        rules = load_taxonomy(settings.taxonomy, DEFAULT_TAXONOMY)
        checks.append(("taxonomy", True, f"{shorten_path(settings.taxonomy)}: {len(rules.rules)} rules"))
    except Exception as exc:  # any problem with the file is reported, not raised
        checks.append(("taxonomy", False, f"{shorten_path(settings.taxonomy)}: {exc}"))
    checks.append(warehouse_check(settings.warehouse))
    checks.append(("duckdb resources", True, duckdb_resources(settings)))
    return checks


def duckdb_resources(settings: Settings) -> str:
    """What a run gives DuckDB, and whether it was set or derived from the machine."""
    from rich.markup import escape

    def origin(value: object) -> str:
        return "set" if value is not None else "from the machine"

    spill = "set" if settings.duckdb_temp_directory is not None else "removed after the run"
    return escape(f"{settings.threads} threads ({origin(settings.duckdb_threads)}), memory limit "
                  f"{settings.memory_limit} ({origin(settings.duckdb_memory_limit)}), spills to "
                  f"{shorten_path(settings.spill_dir)} ({spill})")


def unread_inputs_check(settings: Settings) -> tuple[str, bool, str]:
    """Every file and folder of the input is read by a source or listed in ignore_inputs."""
    from rich.markup import escape

    from journeyflow.sources.unread import unread_inputs

    found = unread_inputs(settings.input_dir, settings.ignore_inputs)
    not_read = [item for item in found if item.ignored_by is None]
    ignored = len(found) - len(not_read)
    if not_read:
        return ("unread inputs", False, "\n".join(escape(f"{item.path}: {item.reason}") for item in not_read))
    return ("unread inputs", True, f"none ({ignored} ignored by ignore_inputs)" if ignored else "none")


def custom_sources_check(input_dir: Path) -> tuple[str, bool, str]:
    """Every custom/<name>/source.yaml must be a valid mapping whose files are inside its folder (an
    invalid one is not loaded)."""
    from rich.markup import escape

    from journeyflow.sources.custom import discover

    found = discover(input_dir)
    bad = [c.error for c in found if c.error]
    if bad:
        return ("custom sources", False, escape("; ".join(bad)))
    detail = ", ".join(f"{c.name} ({len(c.files)} file(s))" for c in found) or "none (custom/ is optional)"
    return ("custom sources", True, detail)


def warehouse_check(path: Path) -> tuple[str, bool, str]:
    if not path.is_file():
        return ("warehouse", False, MISSING_WAREHOUSE.format(path=shorten_path(path)))
    try:
        con = connect_published(path)
    except duckdb.Error as exc:
        return ("warehouse", False, f"{shorten_path(path)} cannot be opened read-only: {exc}")
    try:
        missing = [t for t in ("core.journeys", "marts.transitions", "quality.load_summary")
                   if not table_exists(con, t)]
        if missing:
            return ("warehouse", False,
                    f"{shorten_path(path)} lacks {', '.join(missing)}: run `journeyflow run` first")
        journeys = con.execute("SELECT count(*) FROM core.journeys").fetchall()[0][0]
        return ("warehouse", True, f"{shorten_path(path)}: readable, {journeys:,} journeys")
    finally:
        con.close()


@app.command()
def doctor(
    input_dir: Annotated[Path | None, typer.Option("--input", help="Folder of exports to check.")] = None,
    warehouse: WarehouseOption = None,
    taxonomy: Annotated[Path | None, typer.Option("--taxonomy", help="Taxonomy YAML to check.")] = None,
    config: ConfigOption = None,
) -> None:
    """Check the installation and settings: Python, packages, config, input, taxonomy, warehouse.

    Exits with code 1 when any check finds a problem.
    """
    paths = {"input_dir": input_dir, "warehouse": warehouse, "taxonomy": taxonomy}
    try:
        settings = load_settings(config).with_overrides(**paths)
    except (ValueError, OSError):  # the "config file" check says why; the rest is checked with the defaults
        try:
            settings = Settings().with_overrides(**paths)
        except ValueError as exc:  # a bad option itself (an empty --input)
            raise fail(str(exc)) from None
    checks = doctor_checks(settings, config)
    table = Table(title="journeyflow doctor", title_justify="left")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    for name, ok, detail in checks:
        table.add_row(name, "[green]ok[/]" if ok else "[bold red]problem[/]", detail)
    console.print(table)
    problems = sum(not ok for _, ok, _ in checks)
    if problems:
        err.print(f"[bold red]{problems} problem(s) found[/]")
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
