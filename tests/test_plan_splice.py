"""A warm plan splices each cached stack's stored JSON text into the plan file; the file is byte
for byte the one written by parsing every stack into objects and serialising the whole plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import SAMPLE_TENANTS, benchmark_registry_module

from domain import PROJECT_ROOT
from domain.plan_model import Plan, PlanStack, SplicedStack
from domain.registry import load_registry
from domain.stacks import all_stacks
from tenancy.plan.cache import PlanCache
from tenancy.plan.incremental import Keys, plan_cached


def old_bytes(plan: Plan) -> bytes:
    """The file as written before splicing: every stack parsed to objects, the plan dumped."""
    parsed = Plan(
        [PlanStack.from_dict(s.to_dict()) for s in plan.stacks],
        environment=plan.environment,
        selection=plan.selection,
        git_ref=plan.git_ref,
    )
    return (json.dumps(parsed.to_dict(), separators=(",", ":")) + "\n").encode()


def written(plan: Plan, path: Path) -> bytes:
    plan.write(path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("synthetic") / "tenants"
    benchmark_registry_module().synthetic_registry(directory, 12)
    return directory


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_cold_partly_warm_and_warm_plans_write_the_same_bytes(
    which, settings, synthetic_dir, tmp_path
):
    tenants = SAMPLE_TENANTS if which == "sample" else synthetic_dir
    registry = load_registry(tenants, settings)
    specs = all_stacks(registry, "dev")
    keys = Keys.of_registry(PROJECT_ROOT, "dev", registry).stacks
    cache = PlanCache(tmp_path / "cache")

    def plan() -> Plan:
        return plan_cached(specs, settings, registry, keys, cache, workers=1, ref="abc")

    cold = plan()
    assert cache.hits == 0 and not any(isinstance(s, SplicedStack) for s in cold.stacks)
    reference = written(cold, tmp_path / "cold.json")
    assert reference == old_bytes(cold)

    warm = plan()
    assert cache.hits == len(specs) and all(isinstance(s, SplicedStack) for s in warm.stacks)
    assert written(warm, tmp_path / "warm.json") == reference == old_bytes(warm)
    assert warm.resource_count == cold.resource_count  # counted without parsing

    entries = sorted((tmp_path / "cache" / "plans").rglob("*.json"))
    for path in entries[::2]:
        path.unlink()
    cache.hits = 0
    partly = plan()
    assert 0 < cache.hits < len(specs)
    assert written(partly, tmp_path / "partly.json") == reference == old_bytes(partly)
    assert Plan.read(tmp_path / "partly.json").to_dict() == cold.to_dict()


def test_a_spliced_stack_reads_and_changes_like_a_parsed_one(sample_plan, tmp_path):
    cache = PlanCache(tmp_path / "cache")
    stack = sample_plan.stack("dev.coinbase")
    cache.put_plan("k" * 64, stack)
    spliced = cache.get_spliced("k" * 64, "dev.coinbase")
    assert spliced is not None and spliced.resource_total() == len(stack.resources)
    assert (spliced.tenant, spliced.tier) == (stack.tenant, stack.tier)
    assert spliced.to_dict() == {**stack.to_dict(), "key": "k" * 64}
    assert spliced.count_by_type() == stack.count_by_type()  # parses on first read
    spliced.resources[0].inputs["changed"] = True  # a consumer's change reaches the file
    plan = Plan([spliced], environment="dev")
    assert json.loads(written(plan, tmp_path / "p.json"))["stacks"][0]["resources"][0]["inputs"][
        "changed"
    ]
    assert cache.get_spliced("k" * 64, "dev.stripe") is None  # the name is checked
    assert cache.get_spliced("z" * 64, "dev.coinbase") is None


def test_a_damaged_or_foreign_entry_is_not_spliced(sample_plan, tmp_path):
    cache = PlanCache(tmp_path / "cache")
    cache.put_plan("a" * 64, sample_plan.stack("dev.coinbase"))
    path = next((tmp_path / "cache").rglob("*.json"))
    text = path.read_text()
    path.write_text(text[:-50])  # truncated
    assert cache.get_spliced("a" * 64, "dev.coinbase") is None
    path.write_text(text.partition("\n")[2])  # an entry in the one-line format of before
    assert cache.get_spliced("a" * 64, "dev.coinbase") is None
    assert cache.get_plan("a" * 64, "dev.coinbase") is None
