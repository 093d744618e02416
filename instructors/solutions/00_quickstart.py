"""Reference answers to notebook 00's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # Same seed, same dice: each call's dice hash the seed and the prompt, and the model keeps
    # no state. "False" usually means the learner thinks of the model as randomly sampled.
    "00.1": True,
    # The first seed from 1 whose plan reads "Washington" as the state, as the user meant,
    # with no later slip. Any such seed passes: the check runs the learner's seed.
    "00.2": 7,
    # Cost per success is total spend over successes: with 32 tools each call carries more
    # schemas and fewer trips succeed. Answering 32 often means reading `cost_usd` per
    # episode the wrong way round, or the successes column as the cost.
    "00.3": 4,
}
