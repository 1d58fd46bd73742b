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


def test_a_data_set_is_reused_only_while_the_generator_is_the_same(tmp_path, monkeypatch):
    made: list[int] = []

    def fake_generate(folder, persons, **_):
        folder.mkdir(parents=True)
        made.append(persons)

    monkeypatch.setattr(bench, "DATA", tmp_path / "data")
    monkeypatch.setattr(bench, "generate", fake_generate)
    monkeypatch.setattr(bench, "generator_stamp", lambda: "aaa")
    folder = bench.dataset(198)
    assert bench.dataset(198) == folder and made == [10]  # 198 events / 19.8 per person: once
    monkeypatch.setattr(bench, "generator_stamp", lambda: "bbb")  # a generator module changed
    bench.dataset(198)
    assert made == [10, 10] and "generator bbb" in (folder / ".complete").read_text()
