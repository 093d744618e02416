"""Reference answers to notebook 02's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # Per decision, the cost grows less than the tools: the system prompt, the request and
    # the history do not grow with them. "more" confuses cost per decision with cost per
    # success (which does outgrow the tools at the widest scopes).
    "02.1": "less",
    # The tool schemas: every tool's JSON schema rides along in every call. "history" is
    # the usual wrong answer; it grows too (more wrong picks), but far less.
    "02.2": "tools",
    # Any number of tools at which success over the twenty seeds falls below half the
    # four-tool rate passes (the check runs it); 120 does. Small values (8, 16) do not.
    "02.3": 120,
    # No: lost in the middle. At 32K tokens the same fact is found less often in the
    # middle of the prompt than at the start (or the end).
    "02.4": False,
}
