"""The sample registry (tenants/) planned offline for `dev` meets every mandatory policy."""

from __future__ import annotations

import copy

import pytest

from domain import PROJECT_ROOT
from domain.plan_model import Plan
from domain.registry import load_registry
from domain.stacks import select_stacks
from tenancy.checks.engine import evaluate


@pytest.fixture(scope="module")
def sample(settings):
    """The sample plan, its registry and the pack's report on it (evaluated once for the module)."""
    from tenancy.plan.engine import plan_stacks

    registry = load_registry(PROJECT_ROOT / "tenants", settings)
    plan = plan_stacks(select_stacks(registry, "dev"), settings, registry)
    return plan, registry, evaluate(plan, settings, registry)


def test_sample_plan_has_no_mandatory_violation(sample):
    _, _, report = sample
    failing = [
        f"{r.policy} on {r.urn or r.stack}: {r.message}"
        for r in report.violations
        if r.level == "mandatory"
    ]
    assert failing == []


def test_sample_plan_has_no_undecided_mandatory_result(sample):
    _, _, report = sample
    assert [
        f"{r.policy} on {r.urn}: {r.message}" for r in report.undecided if r.level == "mandatory"
    ] == []


def test_sample_plan_is_really_inspected(sample, settings):
    """Guard against vacuous passes: breaking one tenant's grant in the real plan is caught."""
    plan, registry, _ = sample
    broken = Plan(copy.deepcopy(plan.stacks))
    tenant_stack = next(s for s in broken.stacks if s.tenant and s.tier == "standard")
    others = sorted(
        t.id for t in registry.tenants if t.tier != "free" and t.id != tenant_stack.tenant
    )
    grant = next(
        r for r in tenant_stack.resources if r.type == "gcp:storage/bucketIAMMember:BucketIAMMember"
    )
    grant.inputs["member"] = (
        f"serviceAccount:{others[0]}-workload@{settings.project}.iam.gserviceaccount.com"
    )
    report = evaluate(broken, settings, registry)
    assert {
        "iam-restrict-tenant-grants-to-own-identity",
        "tenancy-forbid-cross-tenant-references",
    } <= {r.policy for r in report.violations if r.urn == grant.urn}
