"""The simulated chat model: LangChain's standard chat-model tests, then our own.

The standard suites come from ``langchain-tests``. Their async tests are plain coroutines
(LangChain's own packages run pytest-asyncio in auto mode); this project runs it in strict
mode, so the two classes carry the ``asyncio`` mark, and the warning pytest-asyncio gives
for the mark on their synchronous tests is filtered out.
"""

from __future__ import annotations

import json
import operator
from functools import reduce
from typing import Annotated, Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool, tool
from langchain_openai import ChatOpenAI
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from agentlab.config import ConfigError
from agentlab.serve.models import make_model
from agentlab.sim.fill import Source, fill_args
from agentlab.sim.model import SimChatModel
from agentlab.sim.physics import call_latency
from agentlab.sim.profiles import get_profile
from agentlab.world.travel import requests, travel_tools

_ASYNC = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings("ignore:.*marked with '@pytest.mark.asyncio':pytest.PytestWarning"),
]


class _Features:
    """What the simulated model supports, for both standard suites."""

    pytestmark = _ASYNC

    @property
    def chat_model_class(self) -> type[SimChatModel]:
        return SimChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"seed": 0}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True  # through tool calling (the ``function_calling`` method)

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True  # Anthropic tool schemas and content blocks (tool_use, thinking, ...)

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def model_override_value(self) -> str:
        return "gpt-4o"  # a per-call ``model=`` picks another profile


class TestSimChatModelUnit(_Features, ChatModelUnitTests):
    """LangChain's standard unit tests for chat models."""


class TestSimChatModelIntegration(_Features, ChatModelIntegrationTests):
    """LangChain's standard integration tests, offline: the model never leaves the process."""


# --- our own tests ------------------------------------------------------------------------

TRIP = requests()["trip-001"]  # "Washington": two meanings, resolved from a prior


class Plan(BaseModel):
    """The plan: assumptions and steps (the name the travel skill answers to)."""

    assumptions: list[dict[str, Any]] = Field(default_factory=list)
    steps: list[dict[str, Any]] = Field(default_factory=list)


class Booking(BaseModel):
    """A booking request."""

    city: str = Field(description="where to stay")
    nights: int = Field(ge=1, le=30, description="number of nights")
    guests: int = Field(ge=1, description="number of guests")
    note: str | None = Field(default=None, description="anything else")


@tool
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return "It's sunny."


def _same(a: AIMessage, b: AIMessage) -> None:
    assert a.content == b.content
    assert a.tool_calls == b.tool_calls
    assert a.usage_metadata == b.usage_metadata
    assert a.response_metadata["agentlab"] == b.response_metadata["agentlab"]


def _streamed(runnable: Any, prompt: Any) -> AIMessageChunk:
    chunks = list(runnable.stream(prompt))
    assert chunks[-1].chunk_position == "last"
    assert sum(1 for c in chunks if c.usage_metadata) == 1, "usage only in the last chunk"
    return reduce(operator.add, chunks)


def test_same_seed_same_prompt_same_message() -> None:
    for prompt in ("Hello", TRIP.text):
        a = SimChatModel(seed=7).with_structured_output(Plan, include_raw=True).invoke(prompt)
        b = SimChatModel(seed=7).with_structured_output(Plan, include_raw=True).invoke(prompt)
        _same(a["raw"], b["raw"])
    tools = SimChatModel(seed=7).bind_tools(travel_tools(16))
    _same(tools.invoke(TRIP.text), tools.invoke(TRIP.text))


def test_another_seed_can_differ_on_a_travel_prompt() -> None:
    plans = {
        json.dumps(SimChatModel(seed=s).with_structured_output(Plan).invoke(TRIP.text).assumptions)
        for s in range(12)
    }
    assert len(plans) > 1, "the ambiguous destination is drawn from a prior"


def test_input_tokens_are_the_sum_of_components_and_grow() -> None:
    model = SimChatModel()

    def tokens(tools: list[BaseTool], messages: list[Any]) -> int:
        msg = model.bind_tools(tools).invoke(messages)
        parts = msg.response_metadata["agentlab"]["input_tokens_by_component"]
        assert msg.usage_metadata is not None
        assert msg.usage_metadata["input_tokens"] == sum(parts.values())
        assert (
            msg.usage_metadata["total_tokens"]
            == sum(parts.values()) + msg.usage_metadata["output_tokens"]
        )
        return msg.usage_metadata["input_tokens"]

    short = [SystemMessage("You help."), HumanMessage("Hello")]
    longer = [*short, AIMessage("Hello! How can I help?"), HumanMessage("Tell me about Rome")]
    assert tokens(travel_tools(4), short) < tokens(travel_tools(16), short)
    assert tokens(travel_tools(16), short) < tokens(travel_tools(40), short)
    assert tokens(travel_tools(4), short) < tokens(travel_tools(4), longer)


def test_latency_is_the_physics_formula() -> None:
    for name in ("gpt-4o-mini", "gpt-4o"):
        msg = SimChatModel(model=name).bind_tools([magic_function]).invoke("magic_function(3)?")
        usage = msg.usage_metadata
        assert usage is not None
        expected = call_latency(
            get_profile(name),
            input_tokens=usage["input_tokens"],
            output_tokens=usage["output_tokens"],
        )
        assert msg.response_metadata["agentlab"]["latency_s"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("tools", "prompt"),
    [
        ([], "Tell me about the history of Rome, in a few words."),
        ([magic_function], "What is the value of magic_function(3)?"),
        ("travel", TRIP.text),
    ],
)
def test_stream_gives_the_invoke_message(tools: Any, prompt: str) -> None:
    model = SimChatModel(seed=3)
    bound = model.bind_tools(travel_tools(8) if tools == "travel" else tools)
    whole = bound.invoke(prompt)
    streamed = _streamed(bound, prompt)
    assert streamed.content == whole.content
    assert streamed.tool_calls == whole.tool_calls
    assert streamed.usage_metadata == whole.usage_metadata
    assert streamed.response_metadata["agentlab"] == whole.response_metadata["agentlab"]


def test_structured_output_reads_the_prompt() -> None:
    out = (
        SimChatModel()
        .with_structured_output(Booking)
        .invoke("Book a hotel in Lisbon for 4 nights, 2 guests.")
    )
    assert isinstance(out, Booking)
    assert (out.city, out.nights, out.guests, out.note) == ("Lisbon", 4, 2, None)
    noted = (
        SimChatModel()
        .with_structured_output(Booking)
        .invoke("3 guests in Oslo for 40 nights; note: late arrival")
    )
    assert isinstance(noted, Booking)
    assert (noted.city, noted.nights, noted.guests) == ("Oslo", 30, 3)  # clipped to le=30
    assert noted.note == "late arrival"


class _Joke(TypedDict):
    """A joke."""

    setup: Annotated[str, ..., "question to set up a joke"]
    punchline: Annotated[str | None, None, "answer to resolve the joke"]


class _Member(BaseModel):
    name: str
    age: int


class _Team(BaseModel):
    """A team."""

    team_name: str
    members: list[_Member]
    scores: list[int]


def test_structured_output_optional_nested_typeddict_and_json_schema() -> None:
    model = SimChatModel()
    no = model.with_structured_output(_Joke).invoke("A joke about cats, no punchline.")
    yes = model.with_structured_output(_Joke).invoke("A joke about cats, include the punchline.")
    assert set(no) == {"setup"} and set(yes) == {"setup", "punchline"}
    team = model.with_structured_output(_Team).invoke("Team 'Owls' with Ada, 36; scores 3, 5, 8")
    assert isinstance(team, _Team)
    assert team.team_name == "Owls" and team.scores == [3, 5, 8]
    assert team.members == [_Member(name="Ada", age=36)]
    as_dict = model.with_structured_output(_Team.model_json_schema()).invoke("Team 'Owls'")
    _Team.model_validate(as_dict)


def test_fill_reads_numbers_in_order_and_by_name() -> None:
    adder = {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    assert fill_args(adder, "What is 3 + 4") == {"a": 3, "b": 4}
    assert fill_args(adder, "no numbers") == {"a": 1, "b": 1}
    trip = {"properties": {"nights": {"type": "integer"}, "travelers": {"type": "integer"}}}
    assert fill_args(trip, "2 travelers for 5 nights") == {"nights": 5, "travelers": 2}
    s = Source("fly from Boston to Denver on 2027-03-04, back 2027-03-08")
    assert (s.place("destination"), s.place("origin")) == ("Denver", "Boston")
    assert (s.date(), s.date(), s.numbers()) == ("2027-03-04", "2027-03-08", [])


def test_forced_tool_is_called_with_schema_valid_args() -> None:
    tools = travel_tools(16)
    prompt = "Flights from Boston to Denver, 2027-03-04 to 2027-03-08, for 2 travelers"
    for forced in tools:
        msg = SimChatModel().bind_tools(tools, tool_choice=forced.name).invoke(prompt)
        assert [c["name"] for c in msg.tool_calls] == [forced.name]
        assert forced.args_schema is not None
        forced.args_schema.model_validate(msg.tool_calls[0]["args"])  # type: ignore[union-attr]
    flights = SimChatModel().bind_tools(tools, tool_choice="search_flights").invoke(prompt)
    assert flights.tool_calls[0]["args"] == {
        "origin": "Boston",
        "destination": "Denver",
        "depart_date": "2027-03-04",
        "return_date": "2027-03-08",
        "travelers": 2,
    }


def test_forced_tool_wins_over_the_travel_skill() -> None:
    bound = SimChatModel().bind_tools(travel_tools(4), tool_choice="search_hotels")
    assert [c["name"] for c in bound.invoke(TRIP.text).tool_calls] == ["search_hotels"]


@pytest.mark.parametrize(
    ("choice", "called"),
    [
        (None, None),
        ("auto", None),
        ("none", None),
        ("any", "magic_function"),
        ("required", "magic_function"),
        (True, "magic_function"),
        ("get_weather", "get_weather"),
        ({"type": "function", "function": {"name": "get_weather"}}, "get_weather"),
        ({"type": "tool", "name": "get_weather"}, "get_weather"),
        ({"type": "any"}, "magic_function"),
        ({"type": "auto"}, None),
    ],
)
def test_tool_choice_forms(choice: Any, called: str | None) -> None:
    msg = SimChatModel().bind_tools([magic_function, get_weather], tool_choice=choice).invoke("Hi")
    assert [c["name"] for c in msg.tool_calls] == ([called] if called else [])
    assert msg.content or msg.tool_calls


def test_unknown_tool_choice_is_an_error() -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        SimChatModel().bind_tools([magic_function], tool_choice="nope")


def test_auto_calls_the_relevant_tool_then_answers_from_its_result() -> None:
    bound = SimChatModel().bind_tools([magic_function, get_weather])
    ask = HumanMessage("What is the weather in San Francisco, CA?")
    call = bound.invoke([ask])
    assert call.tool_calls[0]["name"] == "get_weather"
    assert call.tool_calls[0]["args"] == {"location": "San Francisco, CA"}
    result = get_weather.invoke(call.tool_calls[0])
    answer = bound.invoke([ask, call, result])
    assert not answer.tool_calls and "sunny" in answer.text
    failed = ToolMessage("Error: down", tool_call_id=call.tool_calls[0]["id"], status="error")
    assert "get_weather failed" in bound.invoke([ask, call, failed]).text
    # A new question in the same conversation is a new turn.
    again = bound.invoke([ask, call, result, answer, HumanMessage("And magic_function(5)?")])
    assert again.tool_calls[0]["args"] == {"input": 5}


def test_stop_sequences_and_max_tokens() -> None:
    full = SimChatModel().invoke("Tell me about Rome").text
    assert (
        SimChatModel().invoke("Tell me about Rome", stop=["simulated"]).text
        == full[: full.index("simulated")]
    )
    assert (
        SimChatModel(stop=["model"]).invoke("Tell me about Rome").text
        == full[: full.index("model")]
    )
    capped = SimChatModel(max_tokens=5).invoke("Tell me about Rome")
    assert capped.response_metadata["finish_reason"] == "length"
    assert capped.usage_metadata is not None and capped.usage_metadata["output_tokens"] <= 5


def test_list_and_empty_content() -> None:
    model = SimChatModel()
    blocks = HumanMessage([{"type": "text", "text": "Hello"}, {"type": "image_url"}])
    assert model.invoke([blocks]).text == model.invoke("Hello").text
    assert model.invoke([HumanMessage("")]).text


def test_realtime_sleeps_the_scaled_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    model = SimChatModel(realtime=0.001).bind_tools([magic_function])
    msg = model.invoke("What is magic_function(3)? Tell me.")
    latency = msg.response_metadata["agentlab"]["latency_s"]
    assert sum(slept) == pytest.approx(latency * 0.001)
    slept.clear()
    _streamed(model, "What is magic_function(3)? Tell me.")
    assert sum(slept) == pytest.approx(latency * 0.001) and len(slept) > 1
    slept.clear()
    SimChatModel().invoke("Hello")
    assert slept == []  # the default is a virtual clock


def test_no_hidden_state() -> None:
    model = SimChatModel(seed=5).bind_tools(travel_tools(16))
    first = model.invoke(TRIP.text)
    model.invoke("Something else entirely, with magic_function(3).")
    _same(first, model.invoke(TRIP.text))


def test_model_names_profiles_and_overrides() -> None:
    assert SimChatModel(model="sim:gpt-4o").model_name == "sim:gpt-4o"
    assert SimChatModel(profile="gpt-4o").model == "gpt-4o"  # a profile name, as before
    assert SimChatModel().profile is not None and SimChatModel().profile["tool_calling"]
    assert SimChatModel().invoke("Hi", model="gpt-4o").response_metadata["model_name"] == (
        "sim:gpt-4o"
    )
    with pytest.raises(ValueError, match="gpt-4o-mini"):
        SimChatModel(model="nope")


def test_make_model_picks_the_sim() -> None:
    for spec, name in (("sim", "sim:gpt-4o-mini"), ("sim:gpt-4o", "sim:gpt-4o")):
        model = make_model(spec, seed=2)
        assert isinstance(model, SimChatModel)
        assert (model.model_name, model.seed) == (name, 2)


@pytest.mark.parametrize("spec", ["gpt5", "sim:nope", "openai-compatible"])
def test_make_model_rejects_bad_model_strings(spec: str) -> None:
    with pytest.raises(ConfigError) as err:
        make_model(spec)
    assert err.value.field == "model"
    assert "model" in str(err.value) and err.value.allowed in str(err.value)


def test_make_model_real_models_need_their_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_model("openai:gpt-4o-mini")
    with pytest.raises(ConfigError, match="base_url"):
        make_model("openai-compatible", model="llama3")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    real = make_model("openai-compatible:llama3", base_url="http://127.0.0.1:11434/v1")
    assert isinstance(real, ChatOpenAI)  # constructed only: no call is made
    assert real.model_name == "llama3"


def test_bound_tool_schemas_are_converted_once_per_tool() -> None:
    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        return city

    first = SimChatModel(seed=0).bind_tools([lookup]).kwargs["tools"][0]  # type: ignore[attr-defined]
    assert SimChatModel(seed=1).bind_tools([lookup]).kwargs["tools"][0] is first  # type: ignore[attr-defined]
    lookup.description = "Find a city."  # changed in place: converted again
    again = SimChatModel(seed=0).bind_tools([lookup]).kwargs["tools"][0]  # type: ignore[attr-defined]
    assert again["function"]["description"] == "Find a city."


def test_the_schema_cache_lets_go_of_tools_that_are_gone() -> None:
    import gc

    from pydantic import create_model

    from agentlab.sim import model as sim_model

    before = len(sim_model._SCHEMAS)
    for _ in range(20):  # a team builds a routing schema per episode
        SimChatModel(seed=0).with_structured_output(create_model("Route", next=(str, ...)))
    gc.collect()
    assert len(sim_model._SCHEMAS) <= before
