"""Reference answers to notebook 03's exercises (instructors only; not shipped to learners)."""

# The episode exercise 03.1 shows: the first with a single root error on an unambiguous
# request (request, seed), in the notebook's run.
SLIP_EPISODE = ("trip-022", 6)

ANSWERS = {
    # Step 3: a book_offer act call, wrong (`correct` False) on clean input (`tainted_input`
    # False). Step 4 (the tool that ran the booking) is the common wrong answer: a tool
    # decides nothing, it inherits the act call's error.
    "03.1": 3,
    # "no difference": at 1,000 notes the reviewer's share is lower (15% against 33% with
    # none in the notebook's run), but 15 slips with none are too few for the 95% intervals
    # to separate. Learners who answer from the counts say "larger" (the longer prompts make
    # more slips, so more are caught); those who read the point estimates say "smaller".
    # The mechanism is real (tests/test_provenance.py shows it on many more episodes);
    # three trials cannot show it.
    "03.2": "no difference",
    # Any p with p^10 near one half (0.933 gives about 0.48); the check runs 400 chains.
    # 0.95 ("95% is reliable") gives about 0.60, just too high: the point of the exercise.
    "03.3": 0.933,
    # Above: some requests are easy and some nearly hopeless, so pass^k falls more slowly
    # than a constant chance of success would make it.
    "03.4": "above",
}
