"""Segment / experiment comparison: two-proportion statistics from counts, and the mart step.

Everything per journey happens in SQL (sql/marts/segment_journeys.sql); this module only sees the
four counts (conversions and journeys of segment A and B) and computes the test statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import pyarrow as pa

from journeyflow.engines import build_table
from journeyflow.run_context import Metadata, RunContext

SEGMENT_RULES = ("first_channel", "utm_campaign")
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Comparison:
    """Segment B against segment A: difference of rates, pooled z-test, unpooled Wald interval."""

    rate_difference: float | None
    z: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float = CONFIDENCE


def compare_proportions(
    conversions_a: int, journeys_a: int, conversions_b: int, journeys_b: int, confidence: float = CONFIDENCE
) -> Comparison:
    """Compare p_b = x_b / n_b with p_a = x_a / n_a.

    difference d = p_b − p_a;
    z = d / sqrt(p̂ (1 − p̂) (1/n_a + 1/n_b)) with the pooled p̂ = (x_a + x_b) / (n_a + n_b);
    two-sided p = erfc(|z| / √2);
    interval d ± z_{1−α/2} sqrt(p_a (1 − p_a) / n_a + p_b (1 − p_b) / n_b).
    Undefined parts are None: everything when a segment has no journeys; z and p when the pooled
    rate is 0 or 1 (no variance).
    """
    for count, total in ((conversions_a, journeys_a), (conversions_b, journeys_b)):
        if total < 0 or count < 0 or count > total:
            raise ValueError(f"need 0 <= conversions <= journeys, got {count} of {total}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if journeys_a == 0 or journeys_b == 0:
        return Comparison(None, None, None, None, None, confidence)
    p_a = conversions_a / journeys_a
    p_b = conversions_b / journeys_b
    difference = p_b - p_a
    pooled = (conversions_a + conversions_b) / (journeys_a + journeys_b)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / journeys_a + 1 / journeys_b))
    z = difference / pooled_se if pooled_se > 0 else None
    p_value = math.erfc(abs(z) / math.sqrt(2)) if z is not None else None
    critical = NormalDist().inv_cdf(0.5 + confidence / 2)
    wald_se = math.sqrt(p_a * (1 - p_a) / journeys_a + p_b * (1 - p_b) / journeys_b)
    return Comparison(difference, z, p_value, difference - critical * wald_se,
                      difference + critical * wald_se, confidence)


def proportion_interval(
    conversions: int, journeys: int, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Wald interval p ± z_{1−α/2} sqrt(p (1 − p) / n) of one rate; None without journeys."""
    if journeys <= 0:
        return None
    rate = conversions / journeys
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(rate * (1 - rate) / journeys)
    return rate - half, rate + half


def segment_params(ctx: RunContext) -> dict[str, object]:
    settings = ctx.settings
    if settings.segment_by not in SEGMENT_RULES:
        raise ValueError(f"segment_by must be one of {', '.join(SEGMENT_RULES)}, got {settings.segment_by!r}")
    if settings.segment_a == settings.segment_b:
        raise ValueError(f"segment_a and segment_b must differ, both are {settings.segment_a!r}")
    return {**ctx.params, "segment_by": settings.segment_by, "segment_a": settings.segment_a,
            "segment_b": settings.segment_b}


def build_segment_journeys(ctx: RunContext) -> Metadata:
    """marts.segment_journeys: the journeys of segment A and B under the configured rule."""
    rows = build_table(ctx.engine, "marts.segment_journeys", segment_params(ctx))
    return {"rows": rows, "segment_by": ctx.settings.segment_by}


def build_segment_comparison(ctx: RunContext) -> Metadata:
    """marts.segment_comparison: counts per segment in SQL, the statistics from them here."""
    params = segment_params(ctx)
    counts = dict.fromkeys(("a", "b"), (0, 0))
    for role, conversions, journeys in ctx.con.execute(
        "SELECT segment_role, count(*) FILTER (WHERE converted), count(*) "
        "FROM marts.segment_journeys GROUP BY segment_role"
    ).fetchall():  # two rows
        counts[role] = (conversions, journeys)
    result = compare_proportions(*counts["a"], *counts["b"])
    statistics = pa.table({
        "rate_difference": pa.array([result.rate_difference], pa.float64()),
        "z": pa.array([result.z], pa.float64()),
        "p_value": pa.array([result.p_value], pa.float64()),
        "ci_low": pa.array([result.ci_low], pa.float64()),
        "ci_high": pa.array([result.ci_high], pa.float64()),
        "confidence": pa.array([result.confidence], pa.float64()),
    })
    ctx.engine.register("segment_statistics", statistics)
    try:
        rows = build_table(ctx.engine, "marts.segment_comparison", params)
    finally:
        ctx.engine.unregister("segment_statistics")
    return {"rows": rows, "segment_by": params["segment_by"], "segment_a": params["segment_a"],
            "segment_b": params["segment_b"], "z": result.z, "p_value": result.p_value}
