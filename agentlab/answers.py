"""How a person's answer at a checkpoint is read: a confirmation, or a correction.

It sits below everything that reads answers (the checkpoint nodes of
``agentlab.graphs.checkpoints``, the provenance of ``agentlab.measure.provenance``),
importing nothing from the lab.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import re


def is_yes(answer: str) -> bool:
    """Whether an answer confirms (starts with yes, ok, correct, looks good...)."""
    return bool(re.match(r"\s*(yes|y\b|ok|okay|correct|right|looks good|confirmed)", answer, re.I))
