"""Shared fixtures. Tests never reach the network: pytest-socket (configured in
pyproject.toml) blocks every connection except loopback and unix sockets."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from filelock import FileLock
from nbformat import NotebookNode

REPO_ROOT = Path(__file__).resolve().parents[1]

# Variables that would send a test (or a notebook kernel started by one) to a real
# model or to a tracing service.
_NETWORK_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY",
    "AGENTLAB_BASE_URL",
    "AGENTLAB_API_KEY",
    "AGENTLAB_SERVE_KEY",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def pytest_configure(config: pytest.Config) -> None:
    """Let the processes the tests start (workers, kernels, the wheel's commands) cache bytecode.

    With ``PYTHONDONTWRITEBYTECODE`` set (some sandboxes and CI images set it), each of the
    some fifty processes a run starts compiled agentlab again (3-5 s on a busy machine), and
    each command of the wheel's environment (installed without bytecode) its libraries too
    (about 10 s). Without it they write ``__pycache__`` beside the sources, as on any
    machine: once in the checkout's ``agentlab/`` (ignored by git, never shipped in the
    wheel) and in the wheel's environment; a stale file is never used (Python checks each
    source's time and size). Runs in the controlling process before pytest-xdist starts
    its workers, so they inherit it. (Not ``PYTHONPYCACHEPREFIX``: with it Python ignores
    the bytecode already in .venv, and in one busy run Ray's head node timed out starting.)
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if not os.environ.get("PYTEST_XDIST_WORKER") and getattr(config.option, "numprocesses", 0):
        # the run's id, known here so that this process can remove the workers' shared folder
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex
        shared = Path(tempfile.gettempdir()) / f"agentlab-tests-{config.option.testrunuid}"
        shutil.rmtree(shared, ignore_errors=True)  # a killed run's, under an id given again
        shared.mkdir()
        os.environ[SHARED_ENV] = str(shared)  # the workers inherit it


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controlling process removes the folder its workers shared."""
    if not os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(SHARED_ENV):
        shutil.rmtree(os.environ.pop(SHARED_ENV), ignore_errors=True)


# the folder where one run's pytest-xdist workers leave what they computed for each other
SHARED_ENV = "AGENTLAB_TESTS_SHARED"
T = TypeVar("T")


def shared(name: str, make: Callable[[], T]) -> T:
    """What ``make()`` returns, made once per test run however many workers ask for it.

    Long runs that several tests need (a verdict's 224 questions per design, a placement
    grid) are asked for by tests that pytest-xdist may give to different workers. The first
    worker to ask makes it and leaves it pickled in the run's shared folder; a worker that
    asks meanwhile waits on its lock, then reads it. Without workers it is made here. The
    caller keeps it for its own process (``functools.cache``, a module fixture).
    """
    folder = os.environ.get(SHARED_ENV)
    if not folder:
        return make()
    path = Path(folder) / (re.sub(r"[^\w.-]+", "_", name) + ".pickle")
    with FileLock(f"{path}.lock"):
        if path.exists():
            with path.open("rb") as f:
                made: T = pickle.load(f)
            return made
        made = make()
        part = path.with_suffix(".part")  # complete or absent: a worker killed here leaves none
        with part.open("wb") as f:
            pickle.dump(made, f)
        part.replace(path)
        return made


@functools.cache
def every_question(config: Any) -> Any:
    """The episodes table of a research design (an ``EpisodeConfig``) on every question of
    the research world, seed n asking question n + 1: made once per run (``shared``) and
    kept in this process. The replication verdicts (tests/test_replication.py) need all 224
    questions of their designs; a module that asks the first questions of one of them
    (tests/test_team_runner.py) reads them here rather than run them again."""
    import agentlab as al
    from agentlab.world import research

    grid = al.grid(config, seeds=range(len(research.question_ids())))
    name = hashlib.sha256(repr(config).encode()).hexdigest()[:16]  # a file name's length
    return shared(f"every question {name}", lambda: al.run_episodes(grid, progress=False).episodes)


@pytest.fixture
def kept_workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], Any]]:
    """Start ``n`` kept workers of ``run_episodes`` (``agentlab.run.kept_workers``) and
    return their backend once they are up, so that a grid run next surely gives them chunks
    (it starts its own only past ``START_AFTER_S`` of work; a grid too small to start any
    uses these from its first chunk on, however fast the machine runs the rest: no
    ``KEPT_AFTER_S``). Closed after the test."""
    from agentlab.run import grid_workers as gw

    monkeypatch.setattr(gw, "KEPT_AFTER_S", 0.0)

    def up(n: int) -> Any:
        workers = gw.Workers.shared(n)
        for _ in range(600):
            if (pool := workers.ready()) is not None:
                workers.rest()
                return pool
            time.sleep(0.1)
        raise AssertionError("the workers did not start within a minute")

    yield up
    if gw.Workers._current is not None:
        gw.Workers._current.close()


@pytest.fixture
def chunks_to_a_worker(monkeypatch: pytest.MonkeyPatch, kept_workers: Any) -> list[int]:
    """As in a notebook's kernel: one kept worker up and ``kernel_processes`` saying 2, so
    that work sent to the kernel's cores surely gives the worker chunks. Returns the sizes
    of the chunks it is sent, as they are sent."""
    from agentlab.run import grid_workers as gw

    pool = kept_workers(1)
    sent: list[int] = []
    submit = pool.submit
    monkeypatch.setattr(
        pool, "submit", lambda fn, chunk: sent.append(len(chunk)) or submit(fn, chunk)
    )
    monkeypatch.setattr(gw, "kernel_processes", lambda items: 2)
    return sent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On pytest-xdist's workers (make pytest), start with the modules that hold long tests.

    ``--dist worksteal`` gives each worker a run of the collection and lets an idle worker
    take the tail of another's queue: with the long tests first, what is left at the end is
    quick tests, so no worker idles while another finishes a notebook. The modules that
    execute notebooks (the longest tests, 10-60 s each) come first, then those with slow
    tests: a worker stealing from the end of the long ones takes the shorter ones. Modules
    stay whole (their module fixtures are built once). Every worker sorts the same way, as
    xdist requires; a run without workers keeps pytest's order.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank: dict[Path, int] = {}
    for item in items:
        rank[item.path] = min(rank.get(item.path, 2), _rank(item))
    items.sort(key=lambda item: rank[item.path])


def _rank(item: pytest.Item) -> int:
    """0 for a notebook's execution, 1 for another slow test, 2 for a quick one."""
    if any(item.iter_markers("notebook")):
        return 0
    return 1 if any(item.iter_markers("slow")) else 2


# --- the CPU each module takes: where a run's time goes on a machine its tests keep busy ----

CPU = "cpu_s"  # the user property a test's teardown report carries
_CPU_BY_MODULE: dict[str, list[float]] = {}  # module -> [CPU seconds, tests] (reporting process)
_CPU_AT_SETUP = pytest.StashKey[float]()  # on each test item: the CPU seconds at its setup


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (a kernel, a
    subprocess, a pool's workers once reaped), user and system."""
    me, kids = (resource.getrusage(r) for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _machine_busy_seconds() -> float | None:
    """CPU seconds this machine's cores have been busy since it started, all processes
    (Linux's /proc/stat: user, nice, system, irq and softirq time); None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if fields[:1] != ["cpu"] or len(fields) < 8:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


_MACHINE_AT_START: list[float] = []  # the machine's busy seconds when the session started


def pytest_sessionstart(session: pytest.Session) -> None:
    if (busy := _machine_busy_seconds()) is not None:
        _MACHINE_AT_START.append(busy)


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_CPU_AT_SETUP] = _cpu_seconds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A test's teardown report carries the CPU its setup, call and teardown took (pytest-xdist
    sends it to the controlling process with the report)."""
    outcome = yield
    if call.when == "teardown" and _CPU_AT_SETUP in item.stash:
        report = outcome.get_result()
        report.user_properties.append((CPU, _cpu_seconds() - item.stash[_CPU_AT_SETUP]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == CPU:
            spent = _CPU_BY_MODULE.setdefault(report.nodeid.split("::")[0], [0.0, 0])
            spent[0] += value
            spent[1] += 1


@pytest.hookimpl(trylast=True)  # after pytest's own summaries: the slowest tests first
def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The ten modules that took the most CPU, after the slowest tests (``make test``): the
    suite is bound by its CPU on 2 cores, so this says where a faster run has to come from.
    Processes a test leaves running (Ray's, a kernel's worker host until the kernel ends)
    are counted when reaped, if ever, so a few modules count less than they take: the last
    line says how busy the machine was over the whole run (Linux), which bounds the gap."""
    if not _CPU_BY_MODULE:
        return
    total = sum(s for s, _ in _CPU_BY_MODULE.values())
    terminalreporter.write_sep("=", f"CPU by module: {total:.0f} s over the tests")
    top = sorted(_CPU_BY_MODULE.items(), key=lambda kv: -kv[1][0])[:10]
    for module, (seconds, tests) in top:
        terminalreporter.write_line(f"{seconds:7.1f} s  {module} ({tests} tests)")
    if _MACHINE_AT_START and (busy := _machine_busy_seconds()) is not None:
        terminalreporter.write_line(
            f"The machine's {os.cpu_count()} cores were busy for {busy - _MACHINE_AT_START[0]:.0f}"
            f" s over the run: the rest is pytest's own (collecting, starting any workers),"
            " processes no test waits for (a kernel's worker host and the episodes its"
            " workers run, Ray's daemons) and whatever else the machine ran meanwhile."
        )


# Ray listens on fixed ports (its dashboard agent on 52365) and takes the machine's cores:
# tests marked `ray` take turns, across pytest-xdist's workers and other test runs alike.
RAY_LOCK = Path(tempfile.gettempdir()) / "agentlab-tests-ray.lock"
RAY_LOCK_TIMEOUT = 900  # seconds: the suite's Ray tests take about two minutes


@pytest.fixture(autouse=True)
def _one_ray_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hold the machine's Ray lock through a test marked ``ray`` (set up first: autouse)."""
    if request.node.get_closest_marker("ray") is None:
        yield
        return
    with FileLock(RAY_LOCK, timeout=RAY_LOCK_TIMEOUT):
        yield


@pytest.fixture(autouse=True)
def _unpriced_said_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the "no price" warning of its own models (said once per process)."""
    from agentlab.measure import pricing

    monkeypatch.setattr(pricing, "_SAID_UNPRICED", set())


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run every test (and the kernels it starts) with no API key and no tracing."""
    for name in _NETWORK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    yield


@pytest.fixture
def threads_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads started from now on in this test (the list grows)."""
    started: list[str] = []
    start = threading.Thread.start

    def counting(self: threading.Thread) -> None:
        started.append(self.name)
        start(self)

    monkeypatch.setattr(threading.Thread, "start", counting)
    return started


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def notebooks_dir(repo_root: Path) -> Path:
    """The course notebooks' folder, also their working directory when executed."""
    return repo_root / "notebooks"


@pytest.fixture
def kernel_start(tmp_path_factory: pytest.TempPathFactory) -> FileLock:
    """The lock to hold while a Jupyter kernel starts, until it answers on its ports.

    Kernels start one at a time across pytest-xdist's workers: jupyter_client picks a
    kernel's five ports by binding and releasing them, and two kernels starting at once can
    pick the same port (jupyter/jupyter_client#487). The lock lives in the folder that the
    workers of one run share (pytest-xdist's pattern for work done once per run).
    """
    return FileLock(tmp_path_factory.getbasetemp().parent / "kernel-start.lock")


@pytest.fixture
def execute_notebook(kernel_start: FileLock) -> Callable[..., NotebookNode]:
    """Execute a notebook in a fresh ``python3`` kernel; fail with the failing cell.

    Returns a function ``run(nb, cwd, timeout=120)`` that executes ``nb`` in place with
    ``cwd`` as working directory and returns it. On an error, a timeout or a dead kernel
    the test fails with the cell's index, source and error. The ``python3`` kernel is the
    interpreter running pytest (``ipykernel`` is installed in it), so a notebook sees the
    same ``agentlab`` as the tests (tests/test_notebooks.py checks this). Kernels start one
    at a time (``kernel_start``).
    """
    from nbclient import NotebookClient

    def run(nb: NotebookNode, cwd: Path, timeout: int = 120) -> NotebookNode:
        current = {"index": -1}

        def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
            current["index"] = cell_index

        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
            on_cell_start=on_cell_start,
        )
        try:
            with kernel_start:  # until the kernel answers on its ports
                client.create_kernel_manager()
                client.start_new_kernel()
                client.start_new_kernel_client()
            client.execute()  # in that kernel; shut down at the end
        except Exception as exc:
            failure = _describe_failure(nb, current["index"], exc)
        else:
            return nb
        # Outside the except block, so the report is not chained to nbclient's ANSI dump.
        pytest.fail(failure, pytrace=False)

    return run


def _describe_failure(nb: NotebookNode, index: int, exc: Exception) -> str:
    """Which cell failed, its source and its error, as plain text."""
    if index < 0:
        return f"the kernel did not start: {type(exc).__name__}: {exc}"
    cell = nb.cells[index]
    error = _cell_error(cell) or _ANSI.sub("", f"{type(exc).__name__}: {exc}")
    return (
        f"cell {index} (counting from 0, markdown included) failed ({type(exc).__name__}):\n"
        f"----- source -----\n{cell.source}\n----- error -----\n{error}"
    )


def _cell_error(cell: NotebookNode) -> str:
    """The error output of an executed cell, as plain text ('' if none)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            traceback = "\n".join(output.get("traceback", []))
            return _ANSI.sub("", f"{output['ename']}: {output['evalue']}\n{traceback}")
    return ""


# --- a JupyterLab server on loopback (the browser test and the `make lab` test) ----------

LAB_STARTUP_TIMEOUT = 60  # seconds
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_env(**extra: str) -> dict[str, str]:
    """This environment, without the flags of a ``make test`` around us, plus ``extra``."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


class LabServer:
    """A JupyterLab server a test starts on 127.0.0.1 with a random port and token.

    ``args`` are the command-line options that put it there; ``start`` runs a command
    holding them (``jupyter lab ...`` or ``make lab LAB_ARGS=...``) in a process group of
    its own and waits until the server answers. The fixture stops it at the end: kernels
    through the server's API, then the whole group, then any process left holding the
    server's runtime folder.
    """

    def __init__(self, folder: Path) -> None:
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.runtime = folder / "runtime"  # kernels' connection files: how leftovers are found
        self.runtime.mkdir(parents=True)
        self.log = folder / "lab.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.args = [
            "--no-browser", f"--port={self.port}", "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
        ]  # fmt: skip

    def url(self, path: str) -> str:
        """The address of ``path`` on this server, token included."""
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}{path}{sep}token={self.token}"

    def get(self, path: str) -> tuple[int, str, str]:
        """GET ``path``: status, content type and body."""
        with _LOOPBACK.open(self.url(path), timeout=10) as response:
            body = response.read().decode("utf-8", "replace")
            return response.status, response.headers.get("Content-Type", ""), body

    def api(self, path: str, method: str = "GET") -> Any:
        """Call the server's REST API; the decoded JSON (None when empty)."""
        req = urllib.request.Request(self.url(path), method=method)
        with _LOOPBACK.open(req, timeout=10) as response:
            body = response.read()
            return json.loads(body) if body else None

    def start(self, cmd: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        """Run ``cmd`` and wait until the server answers (fail with its log if it does not)."""
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=cwd, env={**env, "JUPYTER_RUNTIME_DIR": str(self.runtime)},
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: make, jupyter and its children
            )  # fmt: skip
        deadline = time.monotonic() + LAB_STARTUP_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"lab exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                self.api("/api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    log_text = self.log.read_text()
                    pytest.fail(f"lab did not answer in {LAB_STARTUP_TIMEOUT} s:\n{log_text}")
                time.sleep(0.25)

    def stop(self) -> None:
        """Stop the kernels, the server's process group and anything it left behind."""
        if self.proc is None:
            return
        try:  # kernels run in sessions of their own: shut them down through the server
            for k in self.api("/api/kernels"):
                self.api(f"/api/kernels/{k['id']}", method="DELETE")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        for pid in _holding(str(self.runtime)):
            os.kill(pid, signal.SIGKILL)


def _holding(marker: str) -> list[int]:
    """Pids of live processes whose command line mentions ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmd:
                pids.append(int(entry.name))
    return pids


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[LabServer]:
    """A JupyterLab server to ``start``; stopped (with all it started) at the end."""
    server = LabServer(tmp_path / "lab")
    try:
        yield server
    finally:
        server.stop()


# --- the built wheel, installed alone outside the checkout (`make wheel-env`) ------------


class WheelEnv:
    """The environment `make wheel-env` made: the wheel and its runtime dependencies only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.python = self.bin / "python"

    def run(
        self, args: list[str], *, cwd: Path, timeout: float = 300, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run a command of this environment (``agentlab``, ``python``, ...) in ``cwd``."""
        path = f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
            env={**make_env(), "PATH": path, "VIRTUAL_ENV": str(self.root), **env},
        )  # fmt: skip


@pytest.fixture(scope="session")
def wheel_env() -> WheelEnv:
    """The wheel's environment named by ``AGENTLAB_WHEEL_ENV`` (``make test`` sets it)."""
    root = os.environ.get("AGENTLAB_WHEEL_ENV")
    if not root:
        pytest.skip("no wheel environment: `make test` (or `make wheel-env`) builds one")
    env = WheelEnv(Path(root))
    if not env.python.exists():
        pytest.fail(f"AGENTLAB_WHEEL_ENV={root} has no bin/python: run `make wheel-env`")
    return env


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder outside the checkout."""
    folder = tmp_path_factory.mktemp("outside")
    assert REPO_ROOT not in folder.resolve().parents
    return folder
