"""`journeyflow` command line: run the pipeline, generate sample exports."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from journeyflow.config import load_settings
from journeyflow.pipeline import STEPS, Metadata, Step, run_pipeline
from journeyflow.summary import RunSummary, summarise
from journeyflow.warehouse import connect

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
    config: ConfigOption = None,
) -> None:
    """Load every export in the input folder, build all layers and publish the warehouse."""
    try:
        settings = load_settings(config).with_overrides(
            input_dir=input_dir, warehouse=warehouse, taxonomy=taxonomy,
            session_gap_minutes=session_gap,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not settings.input_dir.is_dir():
        raise fail(f"input folder {settings.input_dir} does not exist")
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
            run_pipeline(settings, on_step=advance)
        except (duckdb.Error, ValueError, OSError) as exc:
            raise fail(f"run failed, the published warehouse was left as it was: {exc}") from None

    con = connect(settings.warehouse, read_only=True)
    try:
        print_summary(summarise(con), settings.warehouse)
    finally:
        con.close()


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
    table.add_row("warehouse", str(warehouse))
    console.print(table)
    if summary.rejects_by_file:
        rejects = Table(title="rejected rows by file", title_justify="left")
        for column in ("table", "file", "rows", "example reason"):
            rejects.add_column(column)
        for raw_table, source_file, count, reason in summary.rejects_by_file:
            rejects.add_row(raw_table, Path(source_file).name, str(count), reason)
        console.print(rejects)


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
) -> None:
    """Write realistic synthetic exports (GA4, HubSpot, Zendesk, NPS) for demos and benchmarks."""
    from journeyflow.generate import generate as write_exports

    try:
        first_day: date = datetime.strptime(start, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--start must be a date like 2026-06-01, got {start!r}") from None
    counts = write_exports(out, persons=persons, seed=seed, start=first_day, days=days,
                           defects=defects)
    table = Table(title=f"generated in {out}", title_justify="left")
    table.add_column("file kind")
    table.add_column("rows", justify="right")
    for kind, rows in counts.items():
        table.add_row(kind, f"{rows:,}")
    console.print(table)


if __name__ == "__main__":
    app()
