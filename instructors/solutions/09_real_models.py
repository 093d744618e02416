"""Reference answers to notebook 09's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # True: the server runs the same seeded model; only wall_s (not in COLS) differs.
    "09.1": True,
    # 9 of 12 in the committed run (the check counts the notebook's own table, so a
    # re-run with other fault dice grades against its own count).
    "09.2": 9,
    # The rate limit (HTTP 429): at max_retries=1 a second 429 ends the episode. Learners
    # who answer "malformed" remember the prose about broken replies, not the outcomes.
    "09.3": "rate_limit",
}
