"""Benchmark result files: a second run on the same day must not overwrite the first one's numbers."""

from benchmarks import bench


def test_a_new_result_never_overwrites_an_earlier_one(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results")
    first = bench.new_result_path("2026-11-26-duckdb")
    assert first == tmp_path / "results" / "2026-11-26-duckdb.md"
    first.write_text("first run")
    second = bench.new_result_path("2026-11-26-duckdb")
    assert second.name == "2026-11-26-duckdb-2.md"
    second.write_text("second run")
    assert bench.new_result_path("2026-11-26-duckdb").name == "2026-11-26-duckdb-3.md"
    assert first.read_text() == "first run"
