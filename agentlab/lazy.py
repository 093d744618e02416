"""A layer's modules as attributes of its package, imported on first use.

``import agentlab as al; al.ui.plots`` imports ``agentlab.ui.plots`` the first time it is
read, so a notebook reaches every module through ``agentlab`` alone and pays only for what
it uses. Each layer's ``__init__`` delegates its module ``__getattr__`` here.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def submodule(package: str, name: str) -> ModuleType:
    """The module ``package.name``, imported now.

    Raises:
        AttributeError: ``package`` has no such module (as for any missing attribute).

    Example:
        >>> submodule("agentlab", "errors").__name__
        'agentlab.errors'
    """
    if name.startswith("_") or importlib.util.find_spec(f"{package}.{name}") is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return importlib.import_module(f"{package}.{name}")
