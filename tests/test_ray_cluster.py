"""A sweep joins a Ray cluster by address and gives the local backend's tables.

A head node is started with ``ray start --head --block`` on 127.0.0.1 in its own process
group (stopped with the group at the end, so no other Ray on the machine is touched). The
sweep runs in another process whose working directory is outside the checkout; its workers
import the agentlab that the sweep shipped in its ``runtime_env``, not an installed one.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.ray]
pytest.importorskip("ray", reason="the Ray backend is the optional extra `ray`")

DRIVER = """
import json, sys
import agentlab as al
from agentlab.run.sweep import run_sweep


def where():
    import agentlab
    return agentlab.__file__


if __name__ == "__main__":
    import ray

    configs = al.grid(tools=[4, 16], seeds=range(3))
    on_ray = run_sweep(configs, backend="ray", ray_address=sys.argv[1], progress=False)
    shipped = ray.get(ray.remote(where).remote())
    local = run_sweep(configs, workers=0, progress=False)
    cols = ["config_key", "success", "cost_usd", "tokens_in", "llm_calls", "latency_s"]
    same = on_ray.episodes[cols].reset_index(drop=True).equals(local.episodes[cols])
    rows = len(on_ray.episodes)
    print(json.dumps({"rows": rows, "same": bool(same), "worker_agentlab": shipped}))
"""


TOKEN = secrets.token_hex(16)  # this test's cluster token: no ~/.ray token file is read


def _loopback_env() -> dict[str, str]:
    """Ray on loopback with a token of its own. Without the cluster flag, Ray swaps 127.0.0.1
    in an address for the machine's outward address, where nothing of this test listens."""
    return {
        **os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
        "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN,
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ray_head() -> Iterator[str]:
    """A Ray head on 127.0.0.1 (its address), stopped with its process group afterwards."""
    ray_bin = Path(sys.executable).with_name("ray")
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    env = _loopback_env()
    head = subprocess.Popen(
        [str(ray_bin), "start", "--head", "--block", f"--port={port}",
         "--node-ip-address=127.0.0.1", "--num-cpus=2", "--include-dashboard=false",
         "--disable-usage-stats", f"--temp-dir={temp}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )  # fmt: skip
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # ready when the GCS port accepts connections
            if head.poll() is not None:
                pytest.fail(f"ray start failed: {head.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the Ray head did not listen within 90 s")
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a head stops its processes slowly: no need here
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(timeout=30)
        shutil.rmtree(temp, ignore_errors=True)


def test_sweep_on_a_cluster_by_address_matches_the_local_backend(
    ray_head: str, tmp_path: Path, repo_root: Path
) -> None:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    out = subprocess.run(
        [sys.executable, str(script), ray_head],
        cwd=tmp_path,  # outside the checkout
        capture_output=True,
        text=True,
        timeout=300,
        env=_loopback_env(),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rows"] == 6
    assert result["same"], "the cluster's tables differ from the local backend's"
    # The workers ran the agentlab shipped in the runtime_env, not the checkout's.
    assert repo_root.resolve() not in Path(result["worker_agentlab"]).resolve().parents
