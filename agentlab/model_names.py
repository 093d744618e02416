"""Model strings: ``"sim[:profile]"``, ``"openai:<model>"``, ``"openai-compatible:<model>"``.

Checking one needs only the simulated model's profiles, so the configuration can check its
``model`` field without importing the code that makes models (``agentlab.serve.models``).

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

from agentlab.errors import ConfigError
from agentlab.sim.profiles import profiles

KINDS = ("sim", "openai", "openai-compatible")
ALLOWED = "'sim', 'sim:<profile>', 'openai:<model>', 'openai-compatible:<model>'"


def check_model_string(spec: str) -> tuple[str, str]:
    """Split and validate a model string into (kind, name).

    Raises:
        ConfigError: naming the field ``model`` and the allowed forms.
    """
    if not isinstance(spec, str) or not spec:
        raise ConfigError("model", spec, ALLOWED)
    kind, _, name = spec.partition(":")
    if kind not in KINDS:
        raise ConfigError("model", spec, ALLOWED)
    if kind == "sim":
        name = name or "gpt-4o-mini"
        if name not in profiles():
            raise ConfigError("model", spec, "sim profiles " + ", ".join(sorted(profiles())))
    elif not name:
        raise ConfigError("model", spec, f"{kind}:<model name>, e.g. {kind}:gpt-4o-mini")
    return kind, name
