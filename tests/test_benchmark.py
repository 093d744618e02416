"""The benchmark's own arithmetic (``benchmarks/run.py``): its ratios' intervals."""

from __future__ import annotations

import importlib.util
import math
import random
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)  # it puts the checkout and benchmarks/ on sys.path
    finally:
        sys.path[:] = path
    return module


def _times(seeds: int, ratio: float, seed: int = 1) -> list[tuple[float, float]]:
    """(lab, bare) per seed: bare times spread widely, the lab's close to ``ratio`` times them."""
    rng = random.Random(seed)
    bare = [rng.uniform(5, 40) for _ in range(seeds)]
    return [(b * ratio * rng.uniform(0.9, 1.1), b) for b in bare]


def _standard_error(pairs: list[tuple[float, float]]) -> float:
    """The delta method's standard error of ``sum(a) / sum(b)`` over the pairs."""
    ratio = sum(a for a, _ in pairs) / sum(b for _, b in pairs)
    residuals = [a - ratio * b for a, b in pairs]
    return math.sqrt(statistics.pvariance(residuals) / len(pairs)) / statistics.mean(
        b for _, b in pairs
    )


def test_a_ratios_interval_is_a_95_percent_one_of_the_paired_ratio(bench: ModuleType) -> None:
    pairs = _times(60, 1.3)
    point = sum(a for a, _ in pairs) / sum(b for _, b in pairs)
    low, high = bench._ratio_interval(pairs)
    assert low < point < high
    se = _standard_error(pairs)  # a 95% interval is ~3.9 of them wide; a 90% one ~3.3
    assert 3.5 * se < high - low < 4.4 * se, (high - low) / se
    assert bench._ratio_interval(pairs) == (low, high)  # seeded
    many = _times(240, 1.3)
    low_many, high_many = bench._ratio_interval(many)
    assert high_many - low_many < (high - low) * 0.6  # ~1/sqrt(4) as wide


def test_the_interval_is_of_the_ratio_of_sums_not_the_mean_of_ratios(bench: ModuleType) -> None:
    # short episodes the lab slows 2x, long ones 1.1x: the seeds' ratios average 1.55, their
    # times summed 260 / 220 = 1.18x
    pairs = [(2.0, 1.0)] * 20 + [(11.0, 10.0)] * 20
    low, high = bench._ratio_interval(pairs)
    assert low < 260 / 220 < high < 1.5


def test_two_scopes_ratio_resamples_each_apart(bench: ModuleType) -> None:
    wide, narrow = _times(40, 3.0, seed=2), _times(40, 2.0, seed=3)
    low, high = bench._ratio_interval(wide, narrow)
    assert low < 1.5 < high
    ratio_se = math.hypot(_standard_error(wide) / 3.0, _standard_error(narrow) / 2.0) * 1.5
    assert 3.5 * ratio_se < high - low < 4.4 * ratio_se, (high - low) / ratio_se
    same = bench._ratio_interval(narrow, narrow)
    assert same[0] < 1.0 < same[1]
