"""An episode interrupted at a checkpoint resumes from SQLite in a fresh process."""

import json
import subprocess
import sys
from pathlib import Path

import agentlab as al

SCRIPT = """
import json, sys
import agentlab as al
from agentlab.durable import sqlite_checkpointer
db, mode = sys.argv[1], sys.argv[2]
cfg = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous", verify="every_k")
saver = sqlite_checkpointer(db)
if mode == "start":
    ep = al.run_episode(cfg, checkpointer=saver, thread_id="t", stop_at_interrupt=True)
    print(json.dumps({"outcome": ep.outcome, "pending": ep.pending}))
else:
    ep = al.run_episode(cfg, checkpointer=saver, thread_id="t", resume=mode)
    rows = [{k: v for k, v in s.items() if k != "wall_s"} for s in ep.step_rows()]
    print(json.dumps({"outcome": ep.outcome, "success": ep.success, "steps": rows,
                      "messages": [str(m.content) for m in ep.state["messages"]]}, default=str))
"""


def _run(tmp_path: Path, *args: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "runs.sqlite"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_resume_in_a_fresh_process_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    first = _run(tmp_path, "start")
    assert first["outcome"] == "interrupted" and first["pending"]["checkpoint"] == "clarify"
    resumed = _run(tmp_path, "No. By Washington I mean Washington State.")
    cfg = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous", verify="every_k")
    straight = al.run_episode(cfg)
    assert resumed["outcome"] == straight.outcome and resumed["success"] == straight.success
    assert resumed["messages"] == [str(m.content) for m in straight.state["messages"]]
    expected = [{k: v for k, v in s.items() if k != "wall_s"} for s in straight.step_rows()]
    assert (
        json.loads(json.dumps(expected, default=str)) == resumed["steps"]
    )  # nothing measured was lost
