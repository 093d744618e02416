"""agentlab serve: the simulated model over OpenAI's HTTP API, its faults, and the real-model
path (ChatOpenAI, retries, failures as rows) run end to end on loopback."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pandas as pd
import pytest
from conftest import make_env

import agentlab as al
from agentlab.commands.serve_cli import add_parser, main
from agentlab.config import ARCHITECTURES
from agentlab.run.remote import run_remote
from agentlab.serve.faults import Faults
from agentlab.serve.models import make_model
from agentlab.serve.real_models import LabChatOpenAI
from agentlab.serve.server import SimServer, serve_in_thread

SERVED = "openai-compatible:gpt-4o-mini"
KEY = "sk-agentlab-test-7c1e9f0d2b"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """One fault-free server for the module."""
    with serve_in_thread() as base:
        yield base


def _http(
    method: str,
    url: str,
    body: Any = None,
    key: str | None = None,
    timeout: float = 5,
    retry: int = 0,
) -> tuple[int, Any]:
    """(status, parsed JSON or SSE events) of one raw HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("x-stainless-retry-count", str(retry))
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    if text.startswith("data: "):
        return status, [e[6:] for e in text.strip().split("\n\n")]
    return status, json.loads(text)


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}], **extra}


# --- the HTTP API -----------------------------------------------------------------------


def test_models_lists_the_simulated_profiles(url: str) -> None:
    status, body = _http("GET", f"{url}/models")
    assert status == 200 and body["object"] == "list"
    assert {m["id"] for m in body["data"]} == set(al.sim.profiles.profiles())
    assert _http("GET", f"{url}/models/gpt-4o")[1]["id"] == "gpt-4o"


def test_a_completion_has_openais_shape(url: str) -> None:
    status, body = _http("POST", f"{url}/chat/completions", _chat(seed=3))
    assert status == 200 and body["object"] == "chat.completion"
    assert body["model"] == "sim:gpt-4o-mini"
    assert body["choices"][0]["message"]["role"] == "assistant"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    again = _http("POST", f"{url}/chat/completions", _chat(seed=3))[1]
    assert again["choices"] == body["choices"]  # seeded: same request, same answer


def test_streaming_sends_chunks_then_usage_then_done(url: str) -> None:
    body = _chat(stream=True, stream_options={"include_usage": True})
    status, events = _http("POST", f"{url}/chat/completions", body)
    assert status == 200 and events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    whole = _http("POST", f"{url}/chat/completions", _chat())[1]
    assert text == whole["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == whole["usage"]


def test_plain_chatopenai_gets_json_schema_output_and_its_limits(url: str) -> None:
    from langchain_openai import ChatOpenAI

    from agentlab.graphs.agent_state import Plan

    model = ChatOpenAI(base_url=url, api_key="not-needed", model="gpt-4o-mini")  # type: ignore[arg-type]
    request = [
        ("system", "Tools: search_flights, book_offer"),
        ("user", al.world.travel.requests()["trip-001"].text),
    ]
    out = model.with_structured_output(Plan, include_raw=True).invoke(request)  # json_schema
    assert isinstance(out["parsed"], Plan) and out["parsed"].steps
    cut = model.bind(max_tokens=3).invoke("Tell me a long story about Paris in spring")
    assert cut.response_metadata["finish_reason"] == "length"
    assert cut.usage_metadata is not None and cut.usage_metadata["output_tokens"] <= 3


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/chat/completions", _chat(model="gpt-5"), 404, "model_not_found"),
        (
            "/chat/completions",
            _chat(tool_choice={"type": "function", "function": {"name": "x"}}),
            400,
            None,
        ),
        ("/chat/completions", {"model": "gpt-4o-mini"}, 400, None),
        ("/embeddings", _chat(), 404, "unknown_url"),
    ],
)
def test_errors_come_in_openais_format(
    url: str, path: str, body: dict[str, Any], status: int, code: str | None
) -> None:
    got, answer = _http("POST", url + path, body)
    assert got == status
    assert set(answer["error"]) == {"message", "type", "param", "code"}
    assert answer["error"]["code"] == code and answer["error"]["message"]


def test_a_key_is_required_when_the_server_has_one(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_in_thread(api_key=KEY) as base:
        for given in (None, "sk-wrong"):
            status, body = _http("POST", f"{base}/chat/completions", _chat(), key=given)
            assert status == 401 and body["error"]["code"] == "invalid_api_key"
            assert _http("GET", f"{base}/models", key=given)[0] == 401
        assert _http("POST", f"{base}/chat/completions", _chat(), key=KEY)[0] == 200
        with pytest.raises(Exception, match="401"):
            make_model(SERVED, base_url=base, max_retries=0).invoke("Hi")
    assert caplog.records and KEY not in caplog.text  # requests are logged, keys never


# --- the same episodes through ChatOpenAI -------------------------------------------------


def _same_tables(local: al.Results, remote: al.Results) -> None:
    """Every column but the config's model string and the wall-clock seconds."""
    pd.testing.assert_frame_equal(
        local.episodes.drop(columns=["model", "wall_s"]),
        remote.episodes.drop(columns=["model", "wall_s"]),
    )
    pd.testing.assert_frame_equal(
        local.steps.drop(columns=["wall_s"]), remote.steps.drop(columns=["wall_s"])
    )


@pytest.mark.slow
@pytest.mark.parametrize("streaming", [False, True])
def test_episodes_through_the_server_match_in_process(url: str, streaming: bool) -> None:
    configs = [
        *al.grid(tools=[4, 24], memory=["full", "summary"], seeds=range(2 if streaming else 3)),
        *al.grid(clarify="ambiguous", verify="every_k", memory_items=[4], seeds=range(3)),
    ]
    local = al.run_episodes(configs, progress=False)
    remote = run_remote([c.with_(model=SERVED) for c in configs], base_url=url, streaming=streaming)
    _same_tables(local, remote)
    assert remote.episodes["tokens_in"].gt(0).all()  # the provider's usage, not an estimate
    assert remote.steps.query("kind == 'llm'")["name"].eq("sim:gpt-4o-mini").all()


def test_make_model_reads_the_endpoint_from_the_environment(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_BASE_URL", url)
    model = make_model(SERVED, seed=4)
    assert isinstance(model, LabChatOpenAI)
    config = al.EpisodeConfig(seed=4)
    remote = al.run_episode(config.with_(model=SERVED))  # the runner's own make_model
    assert remote.row()["cost_usd"] == al.run_episode(config).row()["cost_usd"]


def test_a_model_with_no_price_warns_once_and_costs_nan() -> None:
    configs = al.grid(al.EpisodeConfig(model="openai-compatible:llama3.1"), seeds=range(3))
    with (
        serve_in_thread(aliases={"llama3.1": "gpt-4o-mini"}) as base,
        pytest.warns(UserWarning, match="no price for model 'llama3.1'") as said,
    ):
        res = run_remote(configs, base_url=base)
    assert len([w for w in said if "no price" in str(w.message)]) == 1  # not once per call
    assert res.episodes["llm_calls"].sum() > 3 and res.episodes["cost_usd"].isna().all()
    row = res.episodes.iloc[0]
    assert math.isnan(row["cost_usd"]) and row["tokens_in"] > 0 and row["outcome"] == "answered"


# --- faults -------------------------------------------------------------------------------


def test_the_fault_schedule_is_a_pure_function_of_seed_and_request() -> None:
    faults = Faults(rate_limit=0.1, server_error=0.05, malformed=0.02, seed=7)
    bodies = [_chat(seed=s) for s in range(2000)]
    draws = [faults.draw(b) for b in bodies]
    assert draws == [faults.draw(b) for b in bodies]
    assert draws != [
        Faults(rate_limit=0.1, server_error=0.05, malformed=0.02).draw(b) for b in bodies
    ]
    share = pd.Series([d[0] for d in draws]).value_counts(normalize=True, dropna=False)
    assert abs(share["rate_limit"] - 0.1) < 0.02 and abs(share["server_error"] - 0.05) < 0.015
    assert [faults.draw(b, attempt=1) for b in bodies] != draws  # a retry draws again
    with pytest.raises(ValueError, match="rate_limit"):
        Faults(rate_limit=1.5)


@pytest.mark.slow
def test_a_sweep_under_faults_loses_nothing() -> None:
    faults = Faults(rate_limit=0.10, server_error=0.05, malformed=0.02, retry_after_s=0.01)
    # 100 episodes make some 900 calls (the faults are a function of each call, so the same
    # ones every run): each fault comes up (malformed, 2% of the answers with tool calls,
    # about 14 times), and a few episodes end in an error (a call that failed its three
    # tries, or a plan that came back malformed)
    n = 100
    configs = al.grid(al.EpisodeConfig(model=SERVED, reflect=False), seeds=range(n))
    with SimServer(faults=faults) as server:
        res = run_remote(configs, base_url=server.url, max_retries=2, timeout=10, workers=4)
    e = res.episodes
    assert len(e) == n and e["seed"].tolist() == list(range(n))  # every episode a row
    assert {"rate_limit", "server_error", "malformed"} <= set(server.counts)
    failed = e[e["outcome"].str.startswith("error: ")]
    # with their reasons: retries spent, or a plan whose call came back malformed
    assert failed["outcome"].str.contains("429|500|unparseable_plan").all()
    assert e["outcome"].isin(["answered", "step_limit"]).sum() + len(failed) == n
    assert set(res.steps["episode"]) == set(e["episode"])


# run in a fresh interpreter: the threads start only once the episodes' code is loaded
BEFORE_THE_THREADS = """
import sys
import agentlab as al
from agentlab.run import remote
from agentlab.serve.server import serve_in_thread

class Pool(remote.ThreadPoolExecutor):
    def __init__(self, *args, **kwargs):
        print("scenarios loaded:", "agentlab.run.scenarios" in sys.modules, flush=True)
        super().__init__(*args, **kwargs)

remote.ThreadPoolExecutor = Pool
with serve_in_thread() as url:
    configs = al.grid(al.EpisodeConfig(model="openai-compatible:gpt-4o-mini"), seeds=[0])
    print(len(remote.run_remote(configs, base_url=url, workers=4).episodes), "row")
"""


@pytest.mark.slow
def test_run_remote_loads_the_episodes_code_before_its_threads_start(tmp_path: Path) -> None:
    """The OpenAI client reads ``sys.modules["httpx"]`` outside the import lock: a thread
    building its model while another's first episode imported LangGraph (and with it
    httpx) found httpx half-initialised, about one fresh run in eight with 4 workers."""
    out = subprocess.run(
        [sys.executable, "-c", BEFORE_THE_THREADS], cwd=tmp_path, env=make_env(),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split("\n")[:2] == ["scenarios loaded: True", "1 row"], out.stdout


def test_a_model_that_cannot_be_made_fails_the_run_before_any_call() -> None:
    served = al.grid(al.EpisodeConfig(model=SERVED), seeds=range(4))
    keyless = al.grid(al.EpisodeConfig(model="openai:gpt-4o-mini"), seeds=[0])  # no key here
    with SimServer() as server, pytest.raises(al.errors.ConfigError, match="OPENAI_API_KEY"):
        run_remote([*served, *keyless], base_url=server.url, workers=4)
    assert sum(server.counts.values()) == 0  # not one call spent on the served episodes


def test_retries_exhausted_end_the_episode_with_its_reason() -> None:
    configs = al.grid(al.EpisodeConfig(model=SERVED), seeds=range(2))
    with serve_in_thread(faults=Faults(rate_limit=1.0, retry_after_s=0.01)) as base:
        res = run_remote(configs, base_url=base, max_retries=1)
    assert res.episodes["outcome"].str.startswith("error: ").all()
    assert res.episodes["outcome"].str.contains("429 - Rate limit reached").all()
    assert (res.steps["status"] == "error").all() and (res.steps["kind"] == "llm").all()


@pytest.mark.slow
def test_malformed_and_unknown_tool_calls_are_failed_decisions(url: str) -> None:
    configs = al.grid(al.EpisodeConfig(model=SERVED, max_steps=16), seeds=range(4))
    clean = run_remote(configs, base_url=url).episodes
    for fault in ("malformed", "unknown_tool"):
        with SimServer(faults=Faults(**{fault: 0.3}, seed=1)) as server:
            res = run_remote(configs, base_url=server.url)
        assert server.counts[fault] > 0
        # no crash; a broken plan or review call ends its episode as such, never as an ok
        broken = ["error: unparseable_plan", "error: unparseable_review"]
        assert res.episodes["outcome"].isin(["answered", "step_limit", *broken]).all(), fault
        assert res.episodes["wrong_decisions"].sum() > clean["wrong_decisions"].sum(), fault
    hallucinated = res.steps.query("node == 'act' and decision.str.endswith('_v2')")
    assert len(hallucinated) and not hallucinated["correct"].any()  # judged wrong


def test_a_malformed_call_is_recorded_as_that_call_not_as_an_answer() -> None:
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, LLMResult

    callback = al.measure.metrics.MetricsCallback()
    run = uuid4()
    callback.on_chat_model_start({}, [[]], run_id=run)
    cut_short = {"name": "book_offer", "args": '{"offer_id": "H', "id": "c1", "error": None}
    broken = AIMessage("", invalid_tool_calls=[cut_short])
    with pytest.warns(UserWarning, match="no price"):  # no model name in this bare message
        callback.on_llm_end(LLMResult(generations=[[ChatGeneration(message=broken)]]), run_id=run)
    (record,) = callback.records
    assert record.decision == "book_offer"
    assert isinstance(record.message, AIMessage) and record.message.tool_calls[0]["args"] == {}


def test_a_slow_answer_times_out_and_its_retry_draws_again() -> None:
    body = _chat(seed=1)
    seed = next(s for s in range(100) if _slow_then_not(Faults(slow=0.5, seed=s), body))
    with serve_in_thread(faults=Faults(slow=0.5, slow_s=30.0, seed=seed)) as base:
        with pytest.raises(TimeoutError):
            _http("POST", f"{base}/chat/completions", body, timeout=0.2)
        assert _http("POST", f"{base}/chat/completions", body, retry=1)[0] == 200


def _slow_then_not(faults: Faults, body: dict[str, Any]) -> bool:
    return faults.draw(body, 0)[0] == "slow" and faults.draw(body, 1)[0] is None


def test_an_episode_whose_calls_keep_timing_out_is_a_row_with_its_reason() -> None:
    with SimServer(faults=Faults(slow=1.0, slow_s=30.0)) as server:
        config = al.EpisodeConfig(model=SERVED)
        res = run_remote([config], base_url=server.url, timeout=0.2, max_retries=1)
    for _ in range(500):  # the retry is counted once its answer is made, in the server's thread
        if server.counts["slow"] >= 2:
            break
        time.sleep(0.02)
    assert server.counts["slow"] == 2  # the first call, then its one retry
    assert res.episodes["outcome"].iloc[0].startswith("error: OpenAITimeoutError")


def test_a_truncated_stream_fails_the_episode_not_the_sweep() -> None:
    configs = al.grid(al.EpisodeConfig(model=SERVED), seeds=range(2))
    with serve_in_thread(faults=Faults(truncate=1.0)) as base:
        res = run_remote(configs, base_url=base, streaming=True, max_retries=0)
    assert len(res.episodes) == 2
    assert res.episodes["outcome"].str.startswith("error: ").all()


# --- command line -------------------------------------------------------------------------


def test_the_serve_subcommand_parses_and_refuses_bad_rates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser(prog="agentlab")
    add_parser(parser.add_subparsers(dest="command"))
    ns = parser.parse_args(["serve", "--port", "0", "--rate-limit", "0.1", "--alias", "m=gpt-4o"])
    assert (ns.host, ns.rate_limit, ns.alias) == ("127.0.0.1", 0.1, ["m=gpt-4o"])
    with pytest.raises(SystemExit) as refused:  # checked as it is parsed (see test_server_limits)
        parser.parse_args(["serve", "--port", "0", "--rate-limit", "2"])
    assert refused.value.code == 2
    assert "--rate-limit: got '2'; allowed: a finite number from 0 to 1" in capsys.readouterr().err
    both = parser.parse_args(["serve", "--rate-limit", "0.6", "--server-error", "0.5"])
    assert main(both) == 2  # checked before anything is bound
    assert "--rate-limit + --server-error" in capsys.readouterr().err


def test_the_serve_command_serves_until_interrupted_and_never_logs_the_key(
    repo_root: Path,
) -> None:
    # as from a terminal, where Ctrl-C raises KeyboardInterrupt. A suite started as a
    # background job (a script's `make test &`, nohup) ignores SIGINT, every process it
    # starts inherits that, and Python keeps an inherited SIG_IGN: the command then served
    # on past the signal whenever no earlier test in its worker had restored the handler
    run = (
        "import argparse, signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from agentlab.commands.serve_cli import add_parser, main\n"
        "parser = argparse.ArgumentParser()\n"
        "add_parser(parser.add_subparsers(dest='command'))\n"
        "sys.exit(main(parser.parse_args(sys.argv[1:])))\n"
    )
    env = {**os.environ, "AGENTLAB_SERVE_KEY": KEY, "PYTHONPATH": str(repo_root)}
    proc = subprocess.Popen(
        [sys.executable, "-c", run, "serve", "--port", "0", "--alias", "llama3.1=gpt-4o-mini"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        for _ in range(3):  # the banner's lines, up to the one that says how to call it
            banner += proc.stderr.readline() if proc.stderr else ""
            if "  use:" in banner:
                break
        base = re.search(r"http://\S+/v1", banner)
        assert base, banner
        assert _http("GET", f"{base[0]}/models")[0] == 401
        assert _http("GET", f"{base[0]}/models", key=KEY)[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "GET /v1/models" in rest and KEY not in banner + rest
    assert "llama3.1 = gpt-4o-mini) at" in banner  # the aliases, beside the profiles
    assert "make_model('openai-compatible:llama3.1'" in banner  # how to call the first one


@pytest.mark.slow
def test_every_architecture_runs_through_the_server_with_the_same_tables() -> None:
    base = al.EpisodeConfig(scenario="research")
    remote = base.with_(model="openai-compatible:gpt-4o-mini")
    kinds = list(ARCHITECTURES)
    with serve_in_thread() as url:
        served = run_remote(al.grid(remote, architecture=kinds, seeds=range(2)), base_url=url)
    local = al.run_episodes(al.grid(base, architecture=kinds, seeds=range(2)), progress=False)
    # no call failed over HTTP (a team may still end without an answer, as it does locally)
    assert not served.episodes.outcome.str.startswith("error").any(), served.episodes.outcome
    cols = ["outcome", "success", "answer", "cost_usd", "tokens_in", "llm_calls", "latency_s",
            "root_errors"]  # fmt: skip
    pd.testing.assert_frame_equal(served.episodes[cols], local.episodes[cols])
