"""Reference answers to notebook 08's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # Decentralized: three full researchers and a debate round. "hybrid" is the paper's
    # answer (515%): learners who give it read the paper's column instead of the lab's.
    "08.1": "decentralized",
    # Any budget of 2.5 times the single agent's 90th percentile or more (the hybrid team
    # 0.50, the centralized 0.47 there; at 2 the hybrid 0.44). At 1 the hybrid team answers
    # almost nothing: three full researchers do not fit one researcher's tokens.
    "08.2": 2.5,
    # No difference: the paired interval printed at 80 tools holds zero. "team" reads the
    # scatter plot's points instead of the interval, which is the point of the exercise.
    "08.3": "no difference",
}
