"""Reference answers to notebook 05's exercises (instructors only; not shipped to learners)."""

ANSWERS = {
    # The team: at 64 tools the paired interval over the 48 trips lies above zero (+0.25
    # [+0.08, +0.40] in the committed run; on two halves of all 72 trips it separates on
    # one only, which the notebook says). "no difference" is what learners answer who
    # carried over the 4-tool line (no verdict there); "single" is the intuition that a
    # team only adds handoffs.
    "05.1": "team",
    # Any scope wide enough that the single agent's failures cost more than the team's
    # coordination: 64 does (on the twelve trips the check runs). At 4 tools the single
    # agent is cheaper per success: those who answer 4 count cost per episode only.
    "05.2": 64,
    # The independent team, tied with the debating (decentralized) one (both accepted):
    # their three members each answer a two-hop question whole, in parallel, so one wrong
    # answer can carry several members' errors. "hierarchical" or "single" (the most wrong
    # answers in the committed run: hierarchical 18 of 32; single, pipeline and centralized
    # 17) count wrong answers, not the errors behind them.
    "05.3": "independent",
    # The retriever: its closing `answer` act call is wrong on clean input, the episode's
    # first root error (its filter_documents calls are right). The analyst's and the
    # checker's wrong calls come later (root_errors counts three in all); the coordinator
    # only routes.
    "05.4": "retriever",
}
