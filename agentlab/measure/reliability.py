"""Reliability over many steps and many trials: compounding, and pass^k.

* **Compounding.** If each decision of an episode were right with the same probability p,
  independently, a chain of n decisions would be intact with probability p^n (0.95^10 =
  0.60, 0.95^20 = 0.36). ``chain_survival`` measures the real thing from the steps table:
  the share of episodes whose first k decisions were all right, beside p^k.
* **pass^k.** tau-bench (Yao et al., arXiv 2406.12045) asks whether an agent solves the
  same task in all of k trials. With a constant per-task success p, pass^k = p^k; real
  tasks differ in difficulty, so pass^k falls more slowly at first and then stays above
  p^k for hard-and-easy mixes. ``pass_hat_k`` is tau-bench's unbiased estimator,
  averaged over tasks: mean over tasks of C(c, k) / C(n, k) for c successes in n trials.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

from collections.abc import Iterable
from math import comb

import pandas as pd

DECISION_NODES = ("plan", "act", "reflect")


def chain_survival(steps: pd.DataFrame, *, max_k: int = 20) -> pd.DataFrame:
    """Share of episodes whose first k decisions were all right, beside p^k.

    Args:
        steps: The ``steps`` table (needs ``episode``, ``kind``, ``node``, ``correct``).
        max_k: The longest chain to report.

    Returns:
        Columns ``k``, ``episodes`` (with at least k decisions), ``intact`` (share whose
        first k decisions were all right) and ``independent`` (p^k with p the overall
        share of right decisions).
    """
    d = steps[(steps["kind"] == "llm") & steps["node"].isin(DECISION_NODES)]
    d = d[d["correct"].notna()]
    p = float(d["correct"].astype(bool).mean()) if len(d) else float("nan")
    chains = [g["correct"].astype(bool).tolist() for _, g in d.groupby("episode", sort=True)]
    rows = []
    for k in range(1, max_k + 1):
        long_enough = [c for c in chains if len(c) >= k]
        if not long_enough:
            break
        intact = sum(all(c[:k]) for c in long_enough) / len(long_enough)
        rows.append({"k": k, "episodes": len(long_enough), "intact": intact, "independent": p**k})
    return pd.DataFrame(rows)


def pass_hat_k(
    episodes: pd.DataFrame, ks: Iterable[int] = (1, 2, 4, 8), *, task: str = "request_id"
) -> pd.DataFrame:
    """tau-bench's pass^k: the chance that all of k trials of a task succeed, over tasks.

    Args:
        episodes: The ``episodes`` table with several seeds (trials) per task.
        ks: The k values to report (each at most the trials per task).
        task: The column naming the task.

    Returns:
        Columns ``k``, ``pass_k`` (mean over tasks of C(c, k) / C(n, k)) and
        ``constant_p`` (pass^1 ** k: what a constant per-task success would give).

    Example:
        >>> df = pd.DataFrame({"request_id": ["a"] * 4 + ["b"] * 4,
        ...                    "success": [1, 1, 1, 1, 0, 0, 1, 0]})
        >>> pass_hat_k(df, ks=(1, 2)).pass_k.round(3).tolist()
        [0.625, 0.5]
    """
    per_task = episodes.groupby(task)["success"].agg(["sum", "count"])
    rows = []
    p1 = float((per_task["sum"] / per_task["count"]).mean())
    for k in ks:
        usable = per_task[per_task["count"] >= k]
        if usable.empty:
            raise ValueError(
                f"ks: k={k} exceeds the trials per task ({int(per_task['count'].max())})"
            )
        est = [
            comb(int(c), k) / comb(int(n), k)
            for c, n in zip(usable["sum"], usable["count"], strict=True)
        ]
        rows.append({"k": k, "pass_k": sum(est) / len(est), "constant_p": p1**k})
    return pd.DataFrame(rows)


def error_amplification(
    episodes: pd.DataFrame, *, by: str = "architecture", base: str = "single"
) -> pd.Series:
    """Error amplification: each group's failure rate over ``base``'s (the lab's one
    definition, in ``notebooks/glossary.md``).

    A failed episode is one whose task did not succeed: a wrong answer or booking, or none
    (stopped by a budget or the step limit). 2.0 means twice the single agent's failures.

    Args:
        episodes: An ``episodes`` table with ``success`` and the column ``by``.
        by: The column told apart, e.g. "architecture".
        base: The value every group is measured against.

    Returns:
        One value per group (NaN for every group when ``base`` never failed).

    Example:
        >>> t = pd.DataFrame({"architecture": ["single"] * 4 + ["independent"] * 4,
        ...                   "success": [1, 1, 1, 0, 1, 0, 0, 1]})
        >>> error_amplification(t).to_dict()
        {'independent': 2.0, 'single': 1.0}
    """
    failure = 1 - episodes["success"].astype(float)
    rate = failure.groupby(episodes[by]).mean()
    return rate / rate[base] if rate[base] > 0 else rate * float("nan")
