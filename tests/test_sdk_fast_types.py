"""Type unwrapping remembered per type (tenancy/sdk/fast_types.py) answers what the SDK answers,
raises where it raises, and gives the same plan."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

import pulumi
import pytest
from pulumi import _types
from pulumi.runtime import rpc

from domain.stacks import StackSpec, all_stacks
from tenancy.plan import engine
from tenancy.sdk import fast_types

# The providers' annotations are written with typing.Optional and Union, so those are tested.
TYPES: list[Any] = [
    str,
    int,
    list,
    dict,
    Any,
    Optional[str],  # noqa: UP045
    pulumi.Input[str],
    Optional[pulumi.Input[str]],  # noqa: UP045
    pulumi.Input[Sequence[pulumi.Input[str]]],
    Optional[pulumi.Input[Sequence[pulumi.Input[str]]]],  # noqa: UP045
    pulumi.Input[Mapping[str, pulumi.Input[str]]],
    pulumi.Output[int],
    Union[str, int],  # noqa: UP007
    Sequence[int],
    list[str],
    "ForwardRef",
]


def _answer(function: Any, value: Any) -> Any:
    try:
        return ("ok", function(value))
    except Exception as exc:  # the SDK's own failures must stay the same
        return ("raised", type(exc), str(exc))


@pytest.mark.parametrize("name", ["unwrap_type", "unwrap_optional_type"])
@pytest.mark.parametrize("value", TYPES)
def test_unwrapping_answers_what_the_sdk_answers(name, value) -> None:
    sdk = getattr(_types, name)
    quick = fast_types.remembered(sdk)
    assert _answer(quick, value) == _answer(sdk, value)
    assert _answer(quick, value) == _answer(sdk, value)  # remembered: the same again


@pytest.mark.parametrize("value", [list, Sequence[int], list[str], str, None, Any])
def test_list_element_types_are_the_sdks(value) -> None:
    sdk = rpc._get_list_element_type
    quick = fast_types.remembered(sdk)
    for _ in range(2):  # a raise is not remembered: it raises each time
        assert _answer(quick, value) == _answer(sdk, value)


def test_answers_are_kept_by_identity() -> None:
    calls: list[Any] = []

    def spy(value: Any) -> Any:
        calls.append(value)
        return [value]

    quick = fast_types.remembered(spy)
    first, second = ["a"], ["a"]  # equal, not the same object
    assert quick(first) is quick(first)
    assert quick(second) == [second]
    assert calls == [first, second]


def test_the_sdks_functions_are_restored() -> None:
    before = [getattr(module, name) for module, name in fast_types.PATCHED]
    with fast_types.remembered_types():
        inside = [getattr(module, name) for module, name in fast_types.PATCHED]
        assert all(a is not b for a, b in zip(inside, before, strict=True))
    assert [getattr(module, name) for module, name in fast_types.PATCHED] == before


def test_a_plan_is_the_same_without_remembered_types(
    registry, settings, sample_plan, monkeypatch
) -> None:
    monkeypatch.setattr(fast_types, "remembered_types", contextlib.nullcontext)
    specs: list[StackSpec] = all_stacks(registry, "dev")
    slow = engine.plan_stacks(specs, settings, registry, workers=1)
    assert slow.to_dict() == sample_plan.to_dict()
