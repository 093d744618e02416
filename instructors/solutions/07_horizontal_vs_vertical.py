"""Reference answers to notebook 07's exercises (instructors only; not shipped to learners)."""

# The episode exercise 07.3 shows: the top rung's first wrong answer (seed).
TOP_EPISODE = 0

ANSWERS = {
    # More: from none (one agent) to about 11,000 tokens per episode at four agents. The
    # ladder is not monotone (three agents spend the most), which is worth pointing out.
    "07.1": "more",
    # Four: the busiest agent's decision reads the fewest input tokens on the top rung.
    # Learners who answer 1 read the average column upside down or the coordination panel.
    "07.2": 4,
    # The retriever: its answer call (step 6) is wrong on clean input. The ranker errs
    # next, on clean input too (a root error, but not the first); the analyst's errors
    # are inherited (tainted input).
    "07.3": "retriever",
    # No difference: +0.00 [+0.00, +0.00] over 12 questions. "all as tools" is what
    # learners expect from "sub-agents add handoffs"; the interval says otherwise.
    "07.4": "no difference",
}
