"""The pure logic of eval.side_by_side: percentiles, sampling, alternation, ratios, verdicts and the table."""

from __future__ import annotations

import math

import pytest

from eval.side_by_side import format_table, order, percentile, ratio, sample, summarise, verdict


def test_percentile_nearest_rank() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0  # lower middle of an even count
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_sample_is_fixed_and_evenly_spaced() -> None:
    items = list(range(195))
    picked = sample(items, 60)
    assert len(picked) == 60 and picked == sample(items, 60)
    assert picked[0] == 0 and picked[-1] > 180
    assert sample(items, None) == items and sample(items, 500) == items


def test_order_alternates_abba() -> None:
    firsts = [order(i)[0] for i in range(8)]
    assert firsts == ["baseline", "current", "current", "baseline"] * 2
    assert all(set(order(i)) == {"baseline", "current"} for i in range(8))


def test_ratio_and_verdict() -> None:
    assert ratio(2.6, 2.0) == pytest.approx(1.3)
    assert ratio(1.0, 0.0) == math.inf
    assert verdict(1.3, 1.3) == "PASS"
    assert verdict(1.31, 1.3) == "FAIL"


def test_summary_and_table() -> None:
    ingest = {
        "baseline": [{"wall_s": 10.0, "passages": 100}, {"wall_s": 12.0, "passages": 100}],
        "current": [{"wall_s": 30.0, "passages": 100}, {"wall_s": 34.0, "passages": 100}],
    }
    asks = {"baseline": [1.0, 2.0, 3.0], "current": [1.0, 1.2, 1.4]}
    summary = summarise(ingest, asks)
    assert summary["baseline"]["passages_per_s"] == pytest.approx((10.0 + 100 / 12) / 2)
    assert summary["ingest_slowdown"] == pytest.approx(summary["baseline"]["passages_per_s"]
                                                       / summary["current"]["passages_per_s"])
    assert summary["ingest_verdict"] == "FAIL"
    assert summary["p50_ratio"] == pytest.approx(0.6)
    assert summary["p50_verdict"] == "PASS"
    table = format_table(summary)
    lines = table.splitlines()
    assert lines[0].startswith("| measure | baseline | current | ratio | target | verdict |")
    assert all(line.count("|") == 7 for line in lines)
    assert "| 0.60x | <= 1.3x | PASS |" in table
    assert "slower | <= 1.5x slower | FAIL |" in table
    assert "2000 ms | 1200 ms" in table
