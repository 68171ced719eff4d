"""Rotating Temporal API keys, planned on real environment pairs (the sample before, an edited copy
after): adding a generation creates one key per namespace and replaces nothing, the workers'
Secret and config move to the newest key; removing the oldest generation deletes only its keys."""

from __future__ import annotations

import pytest
from test_api_keys import SAMPLE_KEYS, keys_yaml, project_with

from domain.environment import load_environment
from domain.plan_model import Plan, PlanResource, PlanStack
from domain.registry import load_registry
from domain.replacement import replace_reasons
from domain.stacks import all_stacks
from tenancy.plan.diff import diff_plans
from tenancy.plan.engine import plan_stacks

APIKEY = "temporalcloud:index/apikey:Apikey"
SECRET = "kubernetes:core/v1:Secret"
# The platform stack (the free tier's shared namespace) and one tenant stack of each paying tier.
STACKS = ("dev", "dev.stripe", "dev.globex")
# Where each stack's key block and app config live.
BLOCKS = {"dev": "free-tier", "dev.stripe": "stripe", "dev.globex": "globex"}
SAMPLE = (("2027a", "2027-06-30T00:00:00Z"), ("2027b", "2027-12-31T00:00:00Z"))
ADDED = ("2028a", "2028-06-30T00:00:00Z")


def plan_with(tmp_path, name: str, generations) -> Plan:
    keys = keys_yaml(*generations)
    root = project_with(tmp_path / name, keys)
    settings = load_environment("dev", root)
    registry = load_registry(root / "tenants", settings)
    specs = [s for s in all_stacks(registry, "dev") if s.name in STACKS]
    return plan_stacks(specs, settings, registry, workers=1)


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, Plan]:
    tmp = tmp_path_factory.mktemp("rotation")
    assert keys_yaml(*SAMPLE).splitlines()[1:] == SAMPLE_KEYS.splitlines()[1:]
    return {
        "base": plan_with(tmp, "base", SAMPLE),  # the sample's generations
        "added": plan_with(tmp, "added", (*SAMPLE, ADDED)),
        "retired": plan_with(tmp, "retired", (SAMPLE[1], ADDED)),
    }


def keys_of(stack: PlanStack) -> dict[str, PlanResource]:
    return {r.name: r for r in stack.resources if r.type == APIKEY}


def secret_of(stack: PlanStack) -> PlanResource:
    block = BLOCKS[stack.name]
    return next(
        r
        for r in stack.resources
        if r.type == SECRET and r.name == f"{block}-temporal-api-key-secret"
    )


def app_config(stack: PlanStack) -> dict[str, str]:
    block = BLOCKS[stack.name]
    config = next(r for r in stack.resources if r.name == f"{block}-app-values")
    return config.inputs["data"]


def test_the_base_has_one_key_per_generation_and_the_workers_hold_the_newest(plans) -> None:
    for stack in plans["base"].stacks:
        block = BLOCKS[stack.name]
        keys = keys_of(stack)
        assert sorted(keys) == [
            f"{block}-temporal-api-key-2027a",
            f"{block}-temporal-api-key-2027b",
        ]
        assert {k.inputs["expiryTime"] for k in keys.values()} == {e for _, e in SAMPLE}
        # The Secret's token comes from the newest key only (its sole key dependency).
        used = [d for d in secret_of(stack).dependencies if f"${APIKEY}::" in d]
        assert used == [keys[f"{block}-temporal-api-key-2027b"].urn], used
        config = app_config(stack)
        assert config["TEMPORAL_API_KEY_GENERATION"] == "2027b"
        assert config["TEMPORAL_API_KEY_EXPIRES"] == "2027-12-31T00:00:00Z"


def test_adding_a_generation_creates_keys_and_replaces_nothing(plans) -> None:
    diffs = {d.name: d for d in diff_plans(plans["base"], plans["added"])}
    assert set(diffs) == set(STACKS)
    for name, diff in diffs.items():
        block = BLOCKS[name]
        assert [(r.type, r.name) for r in diff.added] == [
            (APIKEY, f"{block}-temporal-api-key-2028a")
        ]
        assert diff.removed == []
        for before, after, paths in diff.changed:
            assert replace_reasons(after.type, before.inputs, after.inputs) == [], after.name
            assert after.type != APIKEY, (after.name, paths)
        changed = {after.name for _, after, _ in diff.changed}
        assert changed == {f"{block}-temporal-api-key-secret", f"{block}-app-values"}, changed
        head = plans["added"].stack(name)
        new_key = keys_of(head)[f"{block}-temporal-api-key-2028a"]
        assert new_key.inputs["expiryTime"] == ADDED[1]
        used = [d for d in secret_of(head).dependencies if f"${APIKEY}::" in d]
        assert used == [new_key.urn], used
        assert app_config(head)["TEMPORAL_API_KEY_GENERATION"] == "2028a"


def test_removing_the_oldest_generation_deletes_only_its_keys(plans) -> None:
    diffs = {d.name: d for d in diff_plans(plans["added"], plans["retired"])}
    for name, diff in diffs.items():
        block = BLOCKS[name]
        assert [(r.type, r.name) for r in diff.removed] == [
            (APIKEY, f"{block}-temporal-api-key-2027a")
        ]
        # The workers already hold the newest key: nothing else moves.
        assert diff.added == [] and diff.changed == [], (diff.added, diff.changed)


def test_no_token_reaches_the_plan(plans) -> None:
    for plan in plans.values():
        for stack in plan.stacks:
            for key in keys_of(stack).values():
                assert "token" not in key.inputs
            assert secret_of(stack).inputs["stringData"] == "[secret]"
            text = str([r.inputs for r in stack.resources])
            assert "offline-token" not in text
