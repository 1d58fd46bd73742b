"""The journey graph: NetworkX on the aggregated edges of marts.transitions, never on events."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import networkx as nx

from journeyflow.config import UNITS


def from_transitions(con: duckdb.DuckDBPyConnection, unit: str = "journey") -> nx.DiGraph:
    """A DiGraph with edge counts, persons, probability and median gap; node phase and visits.

    `unit`: journey (marts.transitions), session or person (their touchpoint edges in
    marts.transitions_by_scope; docs/metrics.md, *Units*)."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if unit == "journey":
        edges = con.sql("SELECT * FROM marts.transitions ORDER BY from_node, to_node").pl()
    else:
        edges = con.sql("SELECT * FROM marts.transitions_by_scope WHERE scope = 'touchpoint' "
                        "AND unit = ? ORDER BY from_node, to_node", params=[unit]).pl()
        if edges.is_empty():
            raise ValueError(f"no {unit} transitions in the warehouse: add {unit!r} to the `units` "
                             "setting and run the pipeline again")
    graph = nx.DiGraph()
    for row in edges.iter_rows(named=True):  # one row per edge: thousands at most
        for node, phase in ((row["from_node"], row["from_phase"]), (row["to_node"], row["to_phase"])):
            if node not in graph:
                graph.add_node(node, phase=phase or node.lower(), visits=0)
        attributes = {
            "transitions": int(row["transitions"]),
            "persons": int(row["persons"]),
            "probability": float(row["probability"]),
        }
        if row["median_seconds"] is not None:
            attributes["median_seconds"] = float(row["median_seconds"])
        graph.add_edge(row["from_node"], row["to_node"], **attributes)
    for node in graph:
        incoming = sum(d["transitions"] for _, _, d in graph.in_edges(node, data=True))
        outgoing = sum(d["transitions"] for _, _, d in graph.out_edges(node, data=True))
        graph.nodes[node]["visits"] = incoming or outgoing  # START has no incoming edges
    return graph


def export(graph: nx.DiGraph, folder: Path) -> dict[str, Path]:
    """Write GraphML and node-link JSON atomically (temp file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"graphml": folder / "journey_graph.graphml", "json": folder / "journey_graph.json"}
    tmp = paths["graphml"].with_suffix(".graphml.tmp")
    nx.write_graphml(graph, tmp)
    os.replace(tmp, paths["graphml"])
    tmp = paths["json"].with_suffix(".json.tmp")
    tmp.write_text(json.dumps(nx.node_link_data(graph, edges="edges"), indent=1), encoding="utf-8")
    os.replace(tmp, paths["json"])
    return paths
