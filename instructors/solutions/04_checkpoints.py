"""Reference answers to notebook 04's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # Less: the run without a checkpoint spends tokens searching the wrong Washington and
    # retrying calls that fail there. "more" assumes a question can only add cost.
    "04.1": "less",
    # Verifying after every tool step, with clarifying when in doubt or always: the two tie
    # for the fewest, and either passes. Learners who answer ("never", "never") read the
    # column as "contained"; those who answer ("always", "every_k") read "success".
    "04.2": ("ambiguous", "always"),
    # Any failure price above the break-even (about a dollar in the notebook's table)
    # passes; $30, the right end of the plot, does. $0 does not: with failures free, any
    # checkpoint only adds cost.
    "04.3": 30,
}
