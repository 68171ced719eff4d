"""The benchmarks' registry generator writes registries the project accepts, at every size."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import benchmark_registry_module

from domain.registry import load_registry


@pytest.mark.parametrize("size", [10, 100, 1000, 5000, 10000])
def test_synthetic_registries_pass_validation(size: int, tmp_path: Path, settings) -> None:
    ids = benchmark_registry_module().synthetic_registry(tmp_path / "tenants", size)
    registry = load_registry(tmp_path / "tenants", settings)
    assert len(registry.tenants) == size == sum(len(v) for v in ids.values())
    assert ids["standard"] and ids["enterprise"] and ids["free"]


def test_standard_tenants_never_exceed_the_pools(settings) -> None:
    capacity = sum(c.capacity for c in settings.clusters)
    counts = benchmark_registry_module().tier_counts(10_000, capacity)
    assert counts["standard"] == capacity and sum(counts.values()) == 10_000


def test_a_synthetic_registry_passes_the_policy_pack(tmp_path: Path, settings) -> None:
    """The generator's registry, planned offline, meets every mandatory policy: the platform
    stack, a standard tenant and both kinds of enterprise tenant (with and without a project of
    its own; 100 tenants is the smallest size with both)."""
    from domain.stacks import select_stacks
    from tenancy.checks.engine import evaluate
    from tenancy.plan.engine import plan_stacks

    ids = benchmark_registry_module().synthetic_registry(tmp_path / "tenants", 100)
    registry = load_registry(tmp_path / "tenants", settings)
    chosen = [ids["free"][0], ids["standard"][0], *ids["enterprise"]]
    assert {registry.get(t).dedicated_project for t in ids["enterprise"]} == {True, False}
    plan = plan_stacks(select_stacks(registry, "dev", chosen), settings, registry, workers=1)
    assert len(plan.stacks) == 4
    report = evaluate(plan, settings, registry)
    assert [
        f"{r.policy} on {r.urn or r.stack}: {r.message}"
        for r in report.violations + report.undecided
        if r.level == "mandatory"
    ] == []
