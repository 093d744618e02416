"""The benchmark's own arithmetic (``benchmarks/run.py``): its ratios' intervals."""

from __future__ import annotations

import importlib.util
import random
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
    rng = random.Random(seed)
    bare = [rng.uniform(10, 20) for _ in range(seeds)]
    return [(b * ratio * rng.uniform(0.9, 1.1), b) for b in bare]


def test_a_ratios_interval_holds_it_narrows_with_seeds_and_is_seeded(bench: ModuleType) -> None:
    few, many = _times(10, 1.3), _times(160, 1.3)
    point = sum(a for a, _ in few) / sum(b for _, b in few)
    low, high = bench._ratio_interval(few)
    assert low < point < high and low < 1.3 < high
    low_many, high_many = bench._ratio_interval(many)
    assert high_many - low_many < (high - low) / 2  # ~1/sqrt(16) as wide
    assert bench._ratio_interval(few) == (low, high)


def test_two_scopes_ratio_resamples_each_apart(bench: ModuleType) -> None:
    wide, narrow = _times(40, 3.0, seed=2), _times(40, 2.0, seed=3)
    low, high = bench._ratio_interval(wide, narrow)
    assert low < 1.5 < high and high - low < 0.3
    same = bench._ratio_interval(narrow, narrow)
    assert same[0] < 1.0 < same[1]
