"""Reference answers to notebook 06's exercises (instructors only; not shipped to learners)."""

# The episode exercise 06.2 shows: the first wrong answer of the notebook's run
# (placement, seed).
FAILED_EPISODE = ("fact_check=own,rank_filter=retriever", 7)

ANSWERS = {
    # Dedicated: the first verdict line separates (+0.25 [+0.05, +0.45] over 20 questions).
    # Learners who answer "no difference" read the cost or escaped-error lines, which do
    # not separate; "embedded" is the intuition that fewer handoffs lose less.
    "06.1": "dedicated",
    # The retriever (its filter_documents call, step 4, on clean input). The analyst also
    # makes a root error later (its submit_answer): those who answer "analyst" stopped at
    # the last wrong step; "checker" is where the error showed, not where it began.
    "06.2": "retriever",
    # Low coupling and high reuse together (the case the notebook then shows); reuse 3
    # alone already flips cost per success on 20 questions. The shipped data
    # ({"coupling": 0.9, "reuse": 1}) keep the embedded ranker cheaper.
    "06.3": {"coupling": 0.1, "reuse": 3},
}
