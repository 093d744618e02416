"""Reference answers to notebook 06's exercises (instructors only; not shipped to learners)."""

# The episode exercise 06.2 shows: the first wrong answer of the notebook's run
# (placement, seed).
FAILED_EPISODE = ("fact_check=own,rank_filter=retriever", 0)

ANSWERS = {
    # Dedicated: the first verdict line separates (+0.3 [+0.05, +0.55] over 20 questions;
    # +0.295 [+0.219, +0.371] over all 224). "No difference" would need an interval holding
    # zero; "embedded" is the intuition that fewer handoffs lose less.
    "06.1": "dedicated",
    # The retriever (its closing answer, step 10, on clean input: Q-001, the hub question
    # about Rosvane). The analyst and the checker also make root errors later (steps 15 and
    # 18): those who answer "analyst" or "checker" read a later wrong step, not the first.
    "06.2": "retriever",
    # Low coupling and high reuse together (the case the notebook then shows): on the
    # check's eight questions the own ranker pays about $0.010 per success, the embedded
    # one about $0.059. Reuse 3 alone also passes on those eight ($0.030 against $0.034);
    # coupling 0.1 alone and the shipped data ({"coupling": 0.9, "reuse": 1}) keep the
    # embedded ranker cheaper.
    "06.3": {"coupling": 0.1, "reuse": 3},
}
