"""The offline plan's cheaper output routines (tenancy/sdk/fast_outputs.py) give exactly what the
SDK's own give: values, known-ness, secret-ness and dependencies, case by case, and the same plan.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pulumi
import pytest
from pulumi.output import UNKNOWN, Output
from pulumi.runtime import rpc

from domain.stacks import StackSpec, all_stacks
from tenancy.plan import engine
from tenancy.sdk import fast_outputs as fast


async def _state(output: Output[Any]) -> tuple[Any, bool, bool, set[Any]]:
    data = await output._data
    return data.value, data.is_known, data.is_secret, data.resources


def _both(make) -> tuple[Any, Any]:
    """``make()``'s output state with the SDK's routines, then with the fast ones."""

    async def run() -> Any:
        try:
            return await _state(make())
        except Exception as exc:  # the SDK's own failures must stay the same
            return type(exc), str(exc)

    sdk = asyncio.run(run())
    with fast.fast_outputs():
        quick = asyncio.run(run())
    return sdk, quick


class _Sub(dict):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1, 2.5, "x", None, True], "c": {"d": {}, "e": []}},
        [{"k": "v"}, (1, 2), []],
        (1, "two", {"three": 3}),
        {1: "int key", 2.0: "float key", None: "none key"},  # the SDK refuses these
        {"unknown": UNKNOWN},  # not plain: the SDK's path
        {"nested": [UNKNOWN]},
        _Sub(a=1),  # a dict subclass: the SDK's path
        {"sub": _Sub(a=1)},
        {},
        [],
        "scalar",
        None,
    ],
)
def test_from_input_gives_what_the_sdk_gives(value) -> None:
    sdk, quick = _both(lambda: Output.from_input(value))
    assert quick == sdk
    assert type(quick[0]) is type(sdk[0])


def test_from_input_of_outputs_inside_still_tracks_them() -> None:
    def make() -> Output[Any]:
        inner = Output.secret("s")
        return Output.from_input({"plain": [1, 2], "inner": inner, "later": Output.from_input(3)})

    sdk, quick = _both(make)
    assert quick == sdk and quick[2] is True  # the secret inside makes the whole secret


def test_from_input_copies_containers_like_the_sdk() -> None:
    original = {"list": [1, 2], "dict": {"a": 1}}

    async def run() -> Any:
        return await Output.from_input(original).future()

    with fast.fast_outputs():
        copied = asyncio.run(run())
    assert copied == original and copied is not original
    assert copied["list"] is not original["list"] and copied["dict"] is not original["dict"]


def _cyclic() -> list[Any]:
    cycle: list[Any] = [1]
    cycle.append(cycle)
    return cycle


@pytest.mark.parametrize(
    "value",
    [
        None,
        UNKNOWN,
        {"a": {"b": [1, {"c": UNKNOWN}]}},
        {"a": {"b": [1, {"c": 2}]}},
        (UNKNOWN,),  # tuples are not entered
        [(UNKNOWN,)],
        _Sub(a=UNKNOWN),
        _cyclic(),
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # the wire marker is not an Unknown
    ],
)
def test_contains_unknowns_is_the_sdks_rule(value) -> None:
    sdk = rpc.contains_unknowns(value)
    assert fast.contains_unknowns(value) is sdk


class _Res:
    """Stands in for a resource: transfer_properties sets attributes in its __dict__."""


@pytest.mark.parametrize("failed", [None, ValueError("boom")])
@pytest.mark.parametrize("custom", [True, False])
def test_transfer_properties_resolves_like_the_sdk(custom: bool, failed) -> None:
    props = {"urn": None, "id": None, "name": None, "labels": None}
    deps = {_Res()}

    async def run(transfer) -> dict[str, Any]:
        res = _Res()
        resolvers = transfer(res, props, custom)
        for name, resolve in resolvers.items():
            resolve(f"{name}-value", name != "labels", name == "name", deps, failed)
        states = {}
        for name in resolvers:
            try:
                value, known, secret, resources = await _state(res.__dict__[name])
                states[name] = (value, known, secret, resources == deps | {res})
            except ValueError as exc:
                states[name] = ("raised", str(exc))
        return {"resolvers": sorted(resolvers), "states": states}

    sdk = asyncio.run(run(rpc.transfer_properties))
    quick = asyncio.run(run(fast.transfer_properties))
    assert quick == sdk
    assert ("id" in sdk["resolvers"]) is not custom


PLATFORM = {
    "plain": "value",
    "nested": {"a": [1, {"b": "c"}], "d": (1, 2)},
    "tenants": {f"t{i:04d}": f"name-{i}" for i in range(50)},
    "unknown_inside": {"x": "y"},
}
# An unknown anywhere in a stack's outputs makes every output read from it unknown (SDK rule).
WITH_UNKNOWN = {**PLATFORM, "unknown_inside": {"x": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}


def _reference_program(spec, settings, registry) -> dict[str, Any]:
    ref = pulumi.StackReference(settings.platform_stack_ref)
    return {
        "plain": ref.require_output("plain"),
        "nested": ref.require_output("nested"),
        "one": ref.require_output("tenants").apply(lambda t: t["t0007"]),
        "missing": ref.get_output("missing"),
        "present": ref.get_output("nested"),
        "computed": ref.require_output(pulumi.Output.from_input("plain")),
        "unknown_inside": ref.require_output("unknown_inside"),
        "known": ref.require_output("unknown_inside").apply(lambda v: "ran"),
    }


@pytest.mark.parametrize("platform", [PLATFORM, WITH_UNKNOWN], ids=["known", "unknown"])
def test_stack_reference_outputs_are_the_sdks(settings, registry, platform) -> None:
    spec = next(s for s in all_stacks(registry, "dev") if s.kind == "tenant")
    runs = []
    for context in (contextlib.nullcontext, fast.fast_outputs):
        with context():
            run = engine.run_stack(spec, settings, registry, platform, _reference_program)
        runs.append((run.outputs, run.plan.to_dict()))
    assert runs[0] == runs[1]
    outputs = runs[0][0]
    if platform is PLATFORM:
        assert outputs["one"] == "name-7" and outputs["missing"] is None
        assert outputs["nested"] == {"a": [1, {"b": "c"}], "d": [1, 2]}
        assert outputs["known"] == "ran"
    else:
        assert all(isinstance(v, pulumi.output.Unknown) for v in outputs.values())


def test_a_plan_is_the_same_without_the_fast_routines(
    registry, settings, sample_plan, monkeypatch
) -> None:
    monkeypatch.setattr(fast, "fast_outputs", contextlib.nullcontext)
    specs: list[StackSpec] = all_stacks(registry, "dev")
    slow = engine.plan_stacks(specs, settings, registry, workers=1)
    assert slow.to_dict() == sample_plan.to_dict()


def test_the_sdks_routines_are_restored() -> None:
    before = (
        Output.__dict__["from_input"],
        pulumi.StackReference.require_output,
        rpc.transfer_properties,
        rpc.contains_unknowns,
    )
    with fast.fast_outputs():
        assert rpc.transfer_properties is fast.transfer_properties
    after = (
        Output.__dict__["from_input"],
        pulumi.StackReference.require_output,
        rpc.transfer_properties,
        rpc.contains_unknowns,
    )
    assert after == before
