"""Record ``travel_served``: three travel episodes run through ``agentlab serve``.

    PYTHONPATH=. .venv/bin/python data/recordings/record_travel_served.py

It starts the local simulated server on a free loopback port, runs the episodes through
``ChatOpenAI`` while vcrpy records every HTTP call, and writes the cassette, the configs
and the two tables into ``travel_served/`` (replacing what is there). No key, no network.
"""

from __future__ import annotations

from pathlib import Path

import agentlab as al
from agentlab.run.recording import record_experiment
from agentlab.serve.server import serve_in_thread

HERE = Path(__file__).resolve().parent
# trip-001 ("Washington": the ambiguous request of the course), trip-006 and trip-007
SEEDS = (0, 5, 6)
DESCRIPTION = (
    "Three travel episodes recorded against `agentlab serve`, the lab's local simulated "
    "model behind an OpenAI-compatible HTTP API: NOT a real provider. Model "
    "'openai-compatible:gpt-4o-mini' is the simulated gpt-4o-mini profile."
)


def main() -> None:
    base = al.EpisodeConfig(model="openai-compatible:gpt-4o-mini")
    configs = [base.with_(seed=s) for s in SEEDS]
    with serve_in_thread() as url:
        rec = record_experiment(
            HERE / "travel_served", configs, base_url=url, description=DESCRIPTION, overwrite=True
        )
    print(f"recorded {len(configs)} episodes into {rec.path}")
    print(rec.episodes[["request_id", "success", "outcome", "cost_usd", "llm_calls"]])


if __name__ == "__main__":
    main()
