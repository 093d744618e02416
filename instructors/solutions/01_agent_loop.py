"""Reference answers to notebook 01's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # The plan (step 0) assumed the wrong Washington; every later decision derives from it.
    # Answering a booking step means reading the outcome as the cause.
    "01.1": 0,
    # Ambiguous requests fail whenever the user meant the less likely place: "more" reads
    # the table's rows the wrong way round.
    "01.2": "less",
    # Each act call resends the whole prompt (plan, schemas, memory, history), and an
    # episode has many of them. "plan" is the common wrong answer: it is the slowest call
    # (the longest output), not the dearest in total.
    "01.3": "act",
}
