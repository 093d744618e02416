"""A run's identity: keys that tell endpoints apart and hold no secret, and sweep workers that
take each task's endpoint and key from the sweep, not from the environment they started in."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import agentlab as al
from agentlab.run.identity import (
    ENDPOINT_PREFIXES,
    config_key,
    endpoint,
    endpoint_environment,
    using_environment,
)
from agentlab.run.sweep import load_sweep, run_sweep
from agentlab.serve import real_models
from agentlab.serve.server import SimServer

REMOTE = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini", request="trip-001")
CANARY = "sk-canary-identity-7f3a9c1e5b"


def test_the_key_tells_endpoints_apart_and_ignores_credentials() -> None:
    a = {"AGENTLAB_BASE_URL": "http://127.0.0.1:9001/v1"}
    b = {"AGENTLAB_BASE_URL": "http://127.0.0.1:9002/v1"}
    assert config_key(REMOTE, environ=a) != config_key(REMOTE, environ=b)
    assert config_key(REMOTE, environ=a) == config_key(
        REMOTE, environ=a | {"AGENTLAB_API_KEY": CANARY}
    )
    secret = {"AGENTLAB_BASE_URL": f"http://user:{CANARY}@127.0.0.1:9001/v1/?api_key={CANARY}"}
    assert CANARY not in str(endpoint(REMOTE, secret))
    assert endpoint(REMOTE, secret) == "http://127.0.0.1:9001/v1?api_key=redacted"
    openai = REMOTE.with_(model="openai:gpt-4o-mini")
    assert config_key(openai, environ={}) != config_key(openai, environ={"OPENAI_BASE_URL": "x"})
    # the simulated model runs in process: its key is its fields', whatever the environment
    assert config_key(al.EpisodeConfig(), environ=a) == config_key(al.EpisodeConfig(), environ={})
    assert config_key(REMOTE, settings={"episode_fn": "m.f"}) != config_key(REMOTE)


def test_the_worker_environment_covers_the_lab_s_variables() -> None:
    assert real_models.BASE_URL_ENV.startswith(ENDPOINT_PREFIXES)
    assert real_models.KEY_ENV.startswith(ENDPOINT_PREFIXES)
    assert "OPENAI_API_KEY".startswith(ENDPOINT_PREFIXES)


def test_using_environment_sets_exactly_the_given_variables_then_restores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENTLAB_BASE_URL", "http://old/v1")
    monkeypatch.setenv("AGENTLAB_API_KEY", "old-key")
    before = endpoint_environment()
    with using_environment({"AGENTLAB_BASE_URL": "http://new/v1"}):
        assert os.environ["AGENTLAB_BASE_URL"] == "http://new/v1"
        assert "AGENTLAB_API_KEY" not in os.environ  # a key the sweep did not have: none
    assert endpoint_environment() == before


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", pytest.param("ray", marks=pytest.mark.ray)])
def test_sweep_workers_use_the_endpoint_and_key_of_each_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """Two sweeps in one process, on two endpoints (the second needs a key): each sweep's
    episodes reach its own endpoint, though the worker processes (a forkserver's, or Ray's)
    started with another environment."""
    if backend == "ray":
        ray = pytest.importorskip("ray", reason="the Ray backend is the optional extra `ray`")
        request_cleanup = ray.shutdown
    else:
        request_cleanup = lambda: None  # noqa: E731
    configs = [REMOTE.with_(seed=s) for s in range(2)]
    with SimServer() as first, SimServer(api_key=CANARY) as second:
        monkeypatch.setenv("AGENTLAB_BASE_URL", first.url)
        one = run_sweep(configs, store=tmp_path, workers=1, progress=False, backend=backend)
        assert set(one.episodes["outcome"]) == {"answered"}, one.episodes["outcome"]
        served_by_first = sum(first.counts.values())
        assert served_by_first > 0 and sum(second.counts.values()) == 0

        monkeypatch.setenv("AGENTLAB_BASE_URL", second.url)
        monkeypatch.setenv("AGENTLAB_API_KEY", CANARY)
        try:
            two = run_sweep(configs, store=tmp_path, workers=1, progress=False, backend=backend)
        finally:
            request_cleanup()
        assert set(two.episodes["outcome"]) == {"answered"}, two.episodes["outcome"]
        assert sum(first.counts.values()) == served_by_first  # nothing more to the first
        assert second.counts["ok"] > 0 and second.counts["unauthorized"] == 0

    # the second endpoint's episodes did not resume into the first's: both are stored
    assert not set(one.episodes["config_key"]) & set(two.episodes["config_key"])
    assert len(load_sweep(tmp_path).episodes) == 4
    manifest = (tmp_path / "sweep.json").read_text()
    endpoints = {row["endpoint"] for row in json.loads(manifest)["configs"]}
    assert endpoints == {first.url, second.url}
    assert CANARY not in manifest


def test_a_field_added_later_keeps_the_keys_of_stores_written_before_it() -> None:
    # keys of stores written before `aggregation` existed (computed then, 2026-12-03)
    assert config_key(al.EpisodeConfig(seed=1), environ={}) == "bdf6e7ba22f2450b"
    independent = al.EpisodeConfig(scenario="research", architecture="independent", seed=3)
    assert config_key(independent, environ={}) == "d07710013ce54a35"
    # set away from its default, it is a different configuration
    merged = independent.with_(aggregation="synthesis")
    assert config_key(merged, environ={}) != config_key(independent, environ={})
