"""Reference answers to notebook 10's exercises (instructors only; not shipped to learners)."""

# What the budgeted first call stored, and the sweep's size, in the committed run.
FIRST_CALL = (22, 48)

ANSWERS = {
    # 26: the 48 configurations minus the 22 the budgeted call stored. 48 is the common
    # wrong answer (the whole sweep again): the store is what makes resuming cheap.
    "10.1": 26,
    # True: at 120 tools the window is cheaper per success (it succeeds at least as often,
    # and each decision carries less history). At 32 tools it is not: a useful follow-up.
    "10.2": True,
    # A budget below what the eight episodes cost together (about 5 cents each at 120
    # tools): 0.02 stores a couple of episodes and stops. One above the total stops nothing.
    "10.3": 0.02,
}
