"""Published reference figures, set beside the lab's measurements (``data/reference/``).

Each CSV's source is in ``data/reference/README.md``.

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import pandas as pd

from agentlab.data import data_path

REFERENCE_DIR = data_path("reference")


def names() -> list[str]:
    """Names of the reference tables available (file names without ``.csv``)."""
    return sorted(p.stem for p in REFERENCE_DIR.glob("*.csv"))


def reference(name: str) -> pd.DataFrame:
    """One published reference table.

    Args:
        name: The table's name, e.g. ``"nolima_gpt4o"`` (``.csv`` may be given too).

    Returns:
        The table as a DataFrame; its source is in ``data/reference/README.md``.

    Raises:
        ValueError: naming the tables allowed, when ``name`` is not one of them.

    Example:
        >>> reference("nolima_gpt4o").columns.tolist()
        ['context_tokens', 'accuracy_pct']
    """
    stem = name.removesuffix(".csv")
    if stem not in names():
        raise ValueError(f"reference: unknown {name!r}; allowed: {', '.join(names())}")
    return pd.read_csv(REFERENCE_DIR / f"{stem}.csv")
