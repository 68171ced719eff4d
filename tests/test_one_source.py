"""Facts with one home (domain.conventions, domain.tiers): what the components build is what the
policies expect, read from the same place."""

from __future__ import annotations

from domain.conventions import (
    POLICY_POSTGRES_FLAGS,
    POSTGRES_FLAGS,
    TEMPORAL_RETENTION_DAYS,
    TENANT_LABEL,
)
from domain.tiers import KNOBS_BY_PATH, Tier, tier_spec
from policies.lib import config as policy_config


def test_the_policy_requires_flags_the_component_sets_with_the_same_values() -> None:
    assert set(POLICY_POSTGRES_FLAGS) <= set(POSTGRES_FLAGS)
    assert policy_config.POSTGRES_FLAGS.default == {
        k: POSTGRES_FLAGS[k] for k in POLICY_POSTGRES_FLAGS
    }


def test_every_instance_in_the_plan_sets_exactly_the_flags(sample_plan) -> None:
    instances = [
        r
        for stack in sample_plan.stacks
        for r in stack.resources
        if r.type == "gcp:sql/databaseInstance:DatabaseInstance"
    ]
    assert instances
    for instance in instances:
        flags = instance.inputs["settings"]["databaseFlags"]
        assert {f["name"]: f["value"] for f in flags} == POSTGRES_FLAGS, instance.name


def test_postgres_instances_per_tenant_come_from_the_tier_table(sample_plan, registry) -> None:
    for stack in sample_plan.stacks:
        if stack.tenant is None:
            continue
        tenant = registry.get(stack.tenant)
        primaries = [
            r
            for r in stack.resources
            if r.type == "gcp:sql/databaseInstance:DatabaseInstance"
            and "masterInstanceName" not in r.inputs
        ]
        assert len(primaries) == tier_spec(tenant.tier).databases.postgres_instances, stack.name


def test_retention_bounds_have_one_home() -> None:
    low, high = TEMPORAL_RETENTION_DAYS
    assert policy_config.RETENTION_MIN_DAYS.default == low
    assert policy_config.RETENTION_MAX_DAYS.default == high
    assert KNOBS_BY_PATH["temporal.retention_days"].bounds[Tier.ENTERPRISE] == (low, high)
    from components.providers import temporal_selfhosted

    assert (
        low,
        high,
    ) == (temporal_selfhosted.RETENTION_MIN_DAYS, temporal_selfhosted.RETENTION_MAX_DAYS)


def test_tenant_objects_carry_the_one_tenant_label(sample_plan) -> None:
    labelled = [
        r
        for stack in sample_plan.stacks
        for r in stack.resources
        if r.type == "kubernetes:core/v1:Namespace"
        and TENANT_LABEL in (r.inputs.get("metadata", {}).get("labels") or {})
    ]
    assert labelled
