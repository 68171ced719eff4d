"""The offline plan: recorded options, parents, dependencies, providers, secrets and the JSON
format."""

from __future__ import annotations

import json

from domain.plan_model import OPTION_KEYS, RESOURCE_KEYS, Plan
from domain.registry import load_registry
from domain.stacks import StackSpec, select_stacks
from tenancy.plan.engine import plan_stacks, run_stack
from tenancy.plan.platform_outputs import offline_platform_outputs

STATEFUL_TYPES = {
    "gcp:sql/databaseInstance:DatabaseInstance",
    "gcp:firestore/database:Database",
    "gcp:storage/bucket:Bucket",
    "gcp:kms/cryptoKey:CryptoKey",
    "temporalcloud:index/namespace:Namespace",
}


def plan_components(plan: Plan, stack: str) -> list:
    return [r for r in plan.stack(stack).resources if not r.custom]


def by_name(plan: Plan, stack: str) -> dict[str, dict]:
    """Custom resources by name (components may share a name with a child block)."""
    return {r.name: r for r in plan.stack(stack).resources if r.custom}


def test_plan_covers_every_stack_platform_first(sample_plan, registry) -> None:
    names = [s.name for s in sample_plan.stacks]
    assert names[0] == "dev"
    assert names[1:] == sorted(f"dev.{t.id}" for t in registry.tenants if t.tier != "free")
    platform = sample_plan.stack("dev")
    assert platform.tenant is None and platform.tier is None
    assert sample_plan.stack("dev.robinhood").tier == "enterprise"


def test_json_format_has_exactly_the_documented_keys(sample_plan, tmp_path) -> None:
    path = tmp_path / "plan.json"
    sample_plan.write(path)
    data = json.loads(path.read_text())
    assert list(data) == ["format_version", "stacks"]
    for stack in data["stacks"]:
        assert list(stack) == ["name", "tenant", "tier", "resources"]
        for resource in stack["resources"]:
            assert tuple(resource) == RESOURCE_KEYS
            assert tuple(resource["options"]) == OPTION_KEYS
    assert Plan.read(path).to_dict() == data  # round trip


def test_the_plan_command_writes_metadata_and_reuses_cached_stacks(tmp_path) -> None:
    from typer.testing import CliRunner

    from domain.plan_model import FORMAT_VERSION
    from tenancy.cli import app

    first, second = tmp_path / "first.json", tmp_path / "second.json"
    args = ["plan", "--tenant", "coinbase", "--stack", "dev", "--cache-dir", str(tmp_path / "c")]
    ran = CliRunner().invoke(app, [*args, "--json", str(first)])
    assert ran.exit_code == 0, ran.output
    data = json.loads(first.read_text())
    assert list(data) == ["format_version", "environment", "selection", "git_ref", "stacks"]
    assert data["format_version"] == FORMAT_VERSION and data["environment"] == "dev"
    assert data["selection"] == {"all": False, "stacks": ["dev", "dev.coinbase"]}
    assert all(len(stack["key"]) == 64 for stack in data["stacks"])
    again = CliRunner().invoke(app, [*args, "--json", str(second)])
    assert again.exit_code == 0 and "2 from the cache" in again.output
    assert json.loads(second.read_text()) == data


def test_secrets_never_reach_the_plan_file(sample_plan, tmp_path) -> None:
    path = tmp_path / "plan.json"
    sample_plan.write(path)
    text = path.read_text()
    # The mocks generate every password and token as "offline-…": none may appear.
    assert "offline-" not in text
    user = by_name(sample_plan, "dev.coinbase")["coinbase-postgres-1-migrator"]
    assert user.inputs["password"] == "[secret]"
    secret = by_name(sample_plan, "dev.coinbase")["coinbase-temporal-api-key-secret"]
    assert secret.inputs["stringData"] == "[secret]"


def test_stateful_resources_are_protected(sample_plan) -> None:
    seen = set()
    for stack in sample_plan.stacks:
        for resource in stack.resources:
            if resource.type in STATEFUL_TYPES:
                seen.add(resource.type)
                assert resource.options.protect, f"{stack.name}: {resource.urn}"
    assert seen == STATEFUL_TYPES


def test_parents_and_dependencies_are_recorded(sample_plan) -> None:
    coinbase = sample_plan.stack("dev.coinbase")
    urns = {r.urn for r in coinbase.resources}
    roots = [r for r in coinbase.resources if r.parent is None]
    assert [r.type for r in roots] == ["pulumi:pulumi:Stack"]
    for resource in coinbase.resources:
        assert resource.parent is None or resource.parent in urns, resource.urn
        assert set(resource.dependencies) <= urns, resource.urn
    resources = by_name(sample_plan, "dev.coinbase")
    tier = next(r for r in coinbase.resources if r.type == "tenancy:tiers:NamespaceTenant")
    assert tier.name == "coinbase" and tier.custom is False
    services = next(r for r in coinbase.resources if r.type == "tenancy:blocks:TenantServices")
    assert services.parent == tier.urn
    instance = resources["coinbase-postgres-1"]
    user = resources["coinbase-postgres-1-user"]
    assert instance.urn in user.dependencies  # the user's instance input comes from the instance
    grant = resources["coinbase-uploads-object-admin"]
    bucket = resources["coinbase-uploads-bucket"]
    account = resources["coinbase-gsa"]
    assert {bucket.urn, account.urn} <= set(grant.dependencies)


def test_explicit_providers_are_recorded(sample_plan) -> None:
    resources = by_name(sample_plan, "dev.coinbase")
    gcp_provider = resources["coinbase-gcp"]
    k8s_provider = resources["coinbase-k8s"]
    assert (
        gcp_provider.type == "pulumi:providers:gcp"
        and k8s_provider.type == "pulumi:providers:kubernetes"
    )
    assert resources["coinbase-postgres-1"].provider == gcp_provider.urn
    assert resources["coinbase-namespace"].provider == k8s_provider.urn
    assert all(r.provider is None for r in plan_components(sample_plan, "dev.coinbase"))


def test_tenant_stacks_read_the_platform_stack_by_reference(sample_plan) -> None:
    reference = by_name(sample_plan, "dev.coinbase")["organization/tenancy/dev"]
    assert reference.type == "pulumi:pulumi:StackReference"
    assert reference.inputs["$read"] == "organization/tenancy/dev"


def test_offline_platform_outputs_equal_the_real_platform_run(settings, registry) -> None:
    real = run_stack(StackSpec("dev", "dev", "platform"), settings, registry, None).outputs
    assert real == offline_platform_outputs(settings, registry.tenants)


def test_offboarding_lifts_protection(tenants_dir, settings) -> None:
    text = (tenants_dir / "coinbase.yaml").read_text()
    (tenants_dir / "coinbase.yaml").write_text(
        text.replace("tier: standard", "tier: standard\nstatus: offboarding")
    )
    registry = load_registry(tenants_dir, settings)
    plan = plan_stacks(select_stacks(registry, "dev", ["coinbase"]), settings, registry, workers=1)
    resources = by_name(plan, "dev.coinbase")
    for resource in plan.stack("dev.coinbase").resources:
        assert not resource.options.protect, resource.urn
    assert resources["coinbase-postgres-1"].inputs["deletionProtection"] is False
    assert (
        resources["coinbase-firestore-database"].inputs["deleteProtectionState"]
        == "DELETE_PROTECTION_DISABLED"
    )
    assert resources["coinbase-uploads-bucket"].inputs["forceDestroy"] is True


def test_selection_of_one_tenant_plans_only_its_stack(registry, settings) -> None:
    plan = plan_stacks(select_stacks(registry, "dev", ["stripe"]), settings, registry)
    assert [s.name for s in plan.stacks] == ["dev.stripe"]
    free = select_stacks(registry, "dev", ["chogar"])
    assert [s.name for s in free] == ["dev"]  # free tenants live in the platform stack


def test_parallel_and_sequential_plans_are_identical(registry, settings, sample_plan) -> None:
    parallel = plan_stacks(select_stacks(registry, "dev"), settings, registry, workers=2)
    assert parallel.to_dict() == sample_plan.to_dict()


def test_unknown_tenant_selection_is_an_error(tenants_dir) -> None:
    from typer.testing import CliRunner

    from tenancy.cli import app

    result = CliRunner().invoke(app, ["plan", "--tenant", "nobody", "--tenants", str(tenants_dir)])
    assert result.exit_code == 1 and "unknown tenant(s): nobody" in result.output


def test_plan_command_writes_json_and_counts(tmp_path) -> None:
    from typer.testing import CliRunner

    from tenancy.cli import app

    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "--tenant", "amovil", "--json", str(out)])
    assert result.exit_code == 0, result.output
    plan = Plan.read(out)
    assert [s.name for s in plan.stacks] == ["dev.amovil"]
    assert f"{plan.resource_count} resources in 1 stack(s)" in result.output
    assert "gcp:sql/databaseInstance:DatabaseInstance" in result.output


def test_plan_runs_after_a_caller_used_asyncio_run(registry, settings) -> None:
    import asyncio

    async def nothing() -> None:
        return None

    asyncio.run(nothing())  # leaves the main thread without a current event loop
    plan = plan_stacks(select_stacks(registry, "dev", ["stripe"]), settings, registry, workers=1)
    assert plan.stack("dev.stripe").resources


def test_the_parent_keeps_planning_after_forked_workers(registry, settings) -> None:
    # Forked workers share the parent's epoll instance; a later plan in the parent must not hang.
    plan_stacks(
        select_stacks(registry, "dev", ["stripe", "amovil", "coinbase", "robinhood"]),
        settings,
        registry,
        workers=2,
    )
    again = plan_stacks(select_stacks(registry, "dev", ["stripe"]), settings, registry, workers=1)
    assert again.stack("dev.stripe").resources


def test_only_the_program_running_a_core_command_skips_the_other_commands() -> None:
    from tenancy.cli import _runs_own_command

    assert _runs_own_command(["/venv/bin/tenancy", "plan", "--tenant", "x"])
    assert _runs_own_command(["/repo/tenancy/cli.py", "validate"])
    assert not _runs_own_command(["/venv/bin/tenancy", "check"])
    assert not _runs_own_command(["/venv/bin/tenancy", "--help"])
    assert not _runs_own_command(["/venv/bin/pytest", "plan"])
