"""Plain scalars serialised at once (tenancy/sdk/fast_serialize.py): the same answer and the same
dependencies as the SDK's ``serialize_property``, for scalars, their subclasses and containers,
and the same plan."""

from __future__ import annotations

import asyncio
import contextlib
import enum
from typing import Any

import pytest
from pulumi.output import Output, Unknown
from pulumi.runtime import rpc

from domain.stacks import StackSpec, all_stacks
from tenancy.plan import engine
from tenancy.sdk import fast_serialize as fast


class Colour(enum.StrEnum):
    RED = "red"


class Count(int):
    pass


def _resolved(value: Any) -> Output[Any]:
    return Output.from_input(value)


VALUES: list[Any] = [
    "text",
    "",
    0,
    7,
    2.5,
    float("inf"),
    True,
    False,
    None,
    Colour.RED,  # a str subclass: the SDK's path
    Count(3),  # an int subclass: the SDK's path
    ["a", 1, None, {"b": 2.0}],
    ("tuple", 1),
    {"nested": {"deep": ["x", True]}},
    {"unknown": Unknown()},
]


def _serialise(function: Any, value: Any, **kwargs: Any) -> tuple[Any, list[Any]]:
    async def run() -> tuple[Any, list[Any]]:
        deps: list[Any] = []
        try:
            answer = await function(value, deps, "prop", **kwargs)
        except Exception as exc:  # the SDK's own failures must stay the same
            return (type(exc), str(exc)), deps
        return answer, deps

    return asyncio.run(run())


@pytest.mark.parametrize("value", VALUES)
def test_serialised_like_the_sdk(value) -> None:
    sdk = rpc.serialize_property
    with fast.fast_serialize():
        quick = _serialise(rpc.serialize_property, value)
    answer = _serialise(sdk, value)
    assert quick == answer
    assert type(quick[0]) is type(answer[0])


@pytest.mark.parametrize("value", ["text", 3, None, True])
def test_protobuf_values_take_the_sdks_path(value) -> None:
    sdk = rpc.serialize_property
    with fast.fast_serialize():
        quick = _serialise(rpc.serialize_property, value, return_protobuf_value=True)
    assert quick == _serialise(sdk, value, return_protobuf_value=True)


def test_outputs_keep_their_dependencies() -> None:
    async def run(function: Any) -> tuple[Any, int]:
        deps: list[Any] = []
        answer = await function({"a": _resolved("x"), "b": [1, _resolved(2)]}, deps, "prop")
        return answer, len(deps)

    sdk = asyncio.run(run(rpc.serialize_property))
    with fast.fast_serialize():
        quick = asyncio.run(run(rpc.serialize_property))
    assert quick == sdk


def test_the_sdks_function_is_restored() -> None:
    before = rpc.serialize_property
    with fast.fast_serialize():
        assert rpc.serialize_property is not before
        assert rpc.serialize_property.__wrapped__ is before
    assert rpc.serialize_property is before


def test_a_plan_is_the_same_without_the_shortcut(
    registry, settings, sample_plan, monkeypatch
) -> None:
    monkeypatch.setattr(fast, "fast_serialize", contextlib.nullcontext)
    specs: list[StackSpec] = all_stacks(registry, "dev")
    slow = engine.plan_stacks(specs, settings, registry, workers=1)
    assert slow.to_dict() == sample_plan.to_dict()
