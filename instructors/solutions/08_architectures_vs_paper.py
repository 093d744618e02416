"""Reference answers to notebook 08's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # Decentralized (about 188% over the single agent): three full researchers and a
    # debate round. "hybrid" is the paper's answer (515%): learners who give it read the
    # paper's column instead of the lab's.
    "08.1": "decentralized",
    # Any budget of 2.5 times the single agent's 90th percentile or more (the hybrid team
    # 0.91, the independent 0.84 in the committed run). At 1 the hybrid team answers
    # nothing: three full researchers do not fit one researcher's tokens.
    "08.2": 2.5,
    # No difference: +0.19 [+0.00, +0.38] holds zero. "team" reads the scatter plot's
    # points instead of the interval, which is the point of the exercise.
    "08.3": "no difference",
}
