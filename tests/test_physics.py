from agentlab.sim.physics import (
    Dice,
    call_latency,
    context_factor,
    options_factor,
    p_catch,
    p_correct,
    similarity,
)
from agentlab.sim.profiles import get_profile

P = get_profile("gpt-4o")


def test_accuracy_falls_with_options_context_and_errors() -> None:
    assert options_factor(P, 1) == 1.0
    assert options_factor(P, 4) > options_factor(P, 32) > options_factor(P, 120)
    assert context_factor(P, 0) == 1.0 > context_factor(P, 8000) > context_factor(P, 32000)
    base = p_correct(P, options=4, context_tokens=1000)
    assert p_correct(P, options=4, context_tokens=1000, errors_in_context=2) < base
    assert p_correct(P, options=120, context_tokens=1000) < base


def test_context_factor_follows_nolima_shape() -> None:
    # nolima_gpt4o.csv: 99.3% at 0, 89.2% at 8k, 69.7% at 32k (the fit is within 4 points)
    for tokens, paper in ((8000, 0.892), (32000, 0.697)):
        assert abs(P.base_accuracy * context_factor(P, tokens) - paper) < 0.04


def test_stronger_profile_decides_better() -> None:
    weak, strong = get_profile("gpt-4.1-nano"), get_profile("gpt-4o")
    assert p_correct(weak, options=32, context_tokens=5000) < p_correct(
        strong, options=32, context_tokens=5000
    )


def test_catch_falls_with_context() -> None:
    assert p_catch(P, context_tokens=1000) > p_catch(P, context_tokens=30000)


def test_latency_formula() -> None:
    assert call_latency(P, input_tokens=0, output_tokens=0) == P.ttft_s
    assert call_latency(P, input_tokens=10000, output_tokens=317) > call_latency(
        P, input_tokens=100, output_tokens=10
    )


def test_dice_are_a_function_of_seed_prompt_and_label() -> None:
    a, b = Dice(1, "prompt"), Dice(1, "prompt")
    assert [a.rng("x").random() for _ in range(3)] == [b.rng("x").random() for _ in range(3)]
    assert Dice(2, "prompt").rng("x").random() != a.rng("x").random()
    assert a.rng("y").random() != a.rng("x").random()


def test_choose_rate_matches_probability_and_prefers_similar() -> None:
    options = ["search_flights", "search_train_tickets", "get_weather", "send_email"]
    sims = [similarity("search_flights", o) for o in options]
    picks = [
        Dice(s, "p").choose("t", intended="search_flights", options=options, p=0.7, similarity=sims)
        for s in range(3000)
    ]
    rate = sum(d.correct for d in picks) / len(picks)
    assert 0.67 < rate < 0.73
    wrong = [d.chosen for d in picks if not d.correct]
    assert wrong.count("search_train_tickets") > wrong.count("send_email")
