"""Reference answers to notebook 07's exercises (instructors only; not shipped to learners)."""

# The episode exercise 07.3 shows: the top rung's first wrong answer (seed).
TOP_EPISODE = 0

ANSWERS = {
    # More: from none (one agent) to about 14,000 tokens per episode at four agents. The
    # ladder is not monotone (four agents spend less than three, separated by a paired
    # interval; three and two are not separated), which is worth pointing out.
    "07.1": "more",
    # Four: the busiest agent's decision reads the fewest input tokens on the top rung.
    # Learners who answer 1 read the average column upside down or the coordination panel.
    # The column is not monotone: at three agents the checker reads about as much as the
    # single agent (not separated by a paired interval); only the top rung reads less.
    "07.2": 4,
    # The retriever (seed 0: Q-001, the hub question about Rosvane): its answer call
    # (step 6) is wrong on clean input. The ranker errs next, on clean input too (a root
    # error, but not the first); the analyst's errors are inherited (tainted input).
    "07.3": "retriever",
    # No difference: -0.17 [-0.42, +0.00] over 12 questions. The estimate leans to "all as
    # tools" (what learners expect from "sub-agents add handoffs"), but the interval holds
    # zero: twelve questions cannot tell the two apart.
    "07.4": "no difference",
}
