"""journeyflow.open: the published warehouse as polars frames and a NetworkX graph, read-only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import networkx as nx
import polars as pl
import pytest

import journeyflow
from builders import T0, ga4_event, write_ga4
from conftest import open_build


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: the tests using it only read the warehouse."""
    base = tmp_path_factory.mktemp("api")
    write_ga4(base / "input", [
        ga4_event(T0, "session_start", "c1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", value=10.0),
        ga4_event(T0, "page_view", "c2", path="/blog/a"),
    ])
    open_build(base).close()
    return base / "warehouse" / "jf.duckdb"


def test_tables_as_polars_frames(warehouse: Path) -> None:
    with journeyflow.open(warehouse) as jf:
        assert isinstance(jf.journeys, pl.DataFrame)
        assert jf.journeys.height == 2
        assert jf.phase_funnel["persons_entered"].to_list() == [2, 1, 1, 0, 0]
        assert jf.table("marts.transitions").equals(jf.transitions)
        assert jf.table("bi.journeys").filter(pl.col("converted")).height == 1
        assert "quality.load_summary" in jf.tables


def test_sql_with_parameters(warehouse: Path) -> None:
    with journeyflow.open(warehouse) as jf:
        frame = jf.sql("SELECT count(*) AS n FROM core.journeys WHERE converted = ?", [True])
        assert frame["n"].to_list() == [1]


def test_graph_is_a_digraph_of_the_transitions(warehouse: Path) -> None:
    with journeyflow.open(warehouse) as jf:
        graph = jf.graph
    assert isinstance(graph, nx.DiGraph)
    assert graph.has_edge("START", "paid_search_click")
    assert graph.has_edge("purchase", "CONVERSION")
    assert graph["START"]["blog_article"]["probability"] == pytest.approx(0.5)


def test_read_only_and_closeable(warehouse: Path) -> None:
    jf = journeyflow.open(warehouse=warehouse)
    with pytest.raises(duckdb.Error, match="read-only"):
        jf.sql("CREATE TABLE marts.x AS SELECT 1")
    jf.close()
    with pytest.raises(ValueError, match="closed"):
        jf.sql("SELECT 1")
    # closed: a writer can open the file again
    duckdb.connect(str(warehouse)).close()


def test_unknown_table_and_missing_warehouse(warehouse: Path, tmp_path: Path) -> None:
    with journeyflow.open(warehouse) as jf, pytest.raises(KeyError, match="no table 'marts.nope'"):
        jf.table("marts.nope")
    with journeyflow.open(warehouse) as jf, pytest.raises(KeyError):
        jf.table("core.journeys; DROP TABLE core.journeys")
    with pytest.raises(FileNotFoundError, match="run `journeyflow run` first"):
        journeyflow.open(tmp_path / "missing.duckdb")
