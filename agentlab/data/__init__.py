"""The course's data, shipped inside the package and found through ``importlib.resources``.

The repository's top-level ``data/`` folder points here (a symbolic link), so a reader
opens the same files that a clone, an editable install and an installed wheel read:

    tools/catalogue.json     the tool catalogue (154 tools in 20 domains)
    travel/                  the travel world: places, aliases, offers, requests
    research/                the research world: documents, facts, questions, capabilities
    model_profiles.toml      the simulated model's profiles, each value with its source
    prices.csv               the dated price table
    recordings/              recorded runs that replay offline
    reference/               published figures the notebooks compare against, with sources

To add your own, edit or add files here in a clone (an editable install sees them at once,
the wheel built from it ships them); ``travel/build.py`` and ``research/build.py`` rebuild
the worlds. The README says more.

Introduced in the README.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """The path of a shipped data file or folder.

    Args:
        *parts: Path components below the data folder, e.g. ``"travel", "places.csv"``.

    Returns:
        The path on disk (it may not exist; loaders say which file they missed).

    Example:
        >>> data_path("prices.csv").name
        'prices.csv'
    """
    root = files(__name__)
    if not isinstance(root, Path):  # e.g. a zip import: the lab reads files from disk
        raise RuntimeError(f"agentlab's data is not on disk ({root!r}); install it unzipped")
    return root.joinpath(*parts)
