"""The lab's own error for bad input: the field, the value given and the values allowed.

It lives apart from ``agentlab.config`` so that any module, at any layer, can raise it
without importing the configuration (and what the configuration imports).

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """Invalid configuration: names the field, the value given and the values allowed.

    Example:
        >>> str(ConfigError("tools", -1, "an integer from 4 to 158"))
        'tools: got -1; allowed: an integer from 4 to 158'
    """

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its three parts, so it crosses from a sweep's worker process intact.

        Example:
            >>> import pickle
            >>> pickle.loads(pickle.dumps(ConfigError("seed", -1, "an integer >= 0"))).field
            'seed'
        """
        return (type(self), (self.field, self.value, self.allowed))
