"""The offline evaluator builds what the Pulumi engine passes and reports what policies say."""

from __future__ import annotations

import pytest
from policy_plan_fixtures import (
    ACME,
    ENV,
    PROJECT,
    StackBuilder,
    add_dependency,
    good_plan,
    mutated,
    remove,
    set_input,
)
from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResourceOptions,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from domain import names
from domain.plan_model import Plan, PlanOptions, PlanResource, PlanStack
from policies.lib.facts import use_facts
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import (
    RESULT_KEYS,
    CheckReport,
    CheckResult,
    engine_value,
    evaluate,
    evaluate_stack,
    policy_table_markdown,
    resource_args,
    stack_args,
)

POLICIES_BY_NAME = {p.name: p for p in ALL_POLICIES}


def small_stack() -> PlanStack:
    b = StackBuilder(ACME, "acme", "standard")
    provider = b.add(
        "pulumi:providers:kubernetes",
        "acme-k8s",
        {"namespace": "tenant-acme", "kubeconfig": "[secret]"},
    )
    ns = b.add(
        "kubernetes:core/v1:Namespace",
        "ns",
        {"metadata": {"name": "tenant-acme"}},
        provider=provider,
    )
    b.add(
        "kubernetes:core/v1:ConfigMap",
        "cm",
        {
            "metadata": {"name": "cfg", "namespace": {"$resource": ns}},
            "data": {"A": "[unknown]", "B": "[secret]"},
        },
        deps=(ns, "urn:pulumi:dev.globex::tenancy::x::elsewhere"),
        parent=ns,
        provider=provider,
    )
    resource = b.stack.resources[-1]
    resource.options = PlanOptions(
        protect=True, ignore_changes=["data"], delete_before_replace=True
    )
    return b.stack


def test_resource_args_are_built_like_the_analyzer_does():
    stack = small_stack()
    configmap = stack.resources[-1]
    args = resource_args(stack, configmap, {"knob": 1})
    assert (args.resource_type, args.urn, args.name) == (configmap.type, configmap.urn, "cm")
    assert isinstance(args.opts, PolicyResourceOptions)
    assert (args.opts.protect, args.opts.ignore_changes, args.opts.delete_before_replace) == (
        True,
        ["data"],
        True,
    )
    assert (args.opts.aliases, args.opts.additional_secret_outputs, args.opts.parent) == (
        [],
        [],
        stack.resources[1].urn,
    )
    assert args.opts.custom_timeouts.create_seconds == 0
    assert isinstance(args.provider, PolicyProviderResource)
    assert (args.provider.resource_type, args.provider.props["namespace"]) == (
        "pulumi:providers:kubernetes",
        "tenant-acme",
    )
    assert args.get_config() == {"knob": 1}
    # A reference becomes the referenced urn; a secret stays masked; an unknown raises like the
    # engine's proxy.
    assert args.props["metadata"]["namespace"] == stack.resources[1].urn
    assert args.props["data"]["B"] == "[secret]"
    with pytest.raises(UnknownValueError):
        args.props["data"]["A"]


def test_delete_before_replace_unset_is_none_like_the_engine():
    stack = small_stack()
    assert resource_args(stack, stack.resources[1]).opts.delete_before_replace is None


def test_stack_args_link_parents_and_dependencies_within_the_stack():
    stack = small_stack()
    args = stack_args(stack, None)
    by_name = {r.name: r for r in args.resources}
    configmap, namespace = by_name["cm"], by_name["ns"]
    assert configmap.parent is namespace
    assert configmap.dependencies == [
        namespace
    ]  # the other stack's urn is dropped, as by AnalyzeStack
    assert configmap.property_dependencies == {}
    assert args.get_config() == {}


def test_engine_value_converts_plan_markers():
    assert engine_value({"a": ["[unknown]", {"$resource": "urn:x"}], "b": "[secret]"}) == {
        "a": ["04da6b54-80e4-46f7-96ec-b56ff0331ba9", "urn:x"],
        "b": "[secret]",
    }


def test_results_carry_policy_level_stack_tenant_urn_and_message(run_policy):
    report = run_policy(
        "sql-forbid-public-ip",
        mutated(set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", True)),
    )
    (result,) = report.violations
    assert result.to_json() == {
        "policy": "sql-forbid-public-ip",
        "level": "mandatory",
        "stack": ACME,
        "tenant": "acme",
        "urn": "urn:pulumi:dev.acme::tenancy::gcp:sql/databaseInstance:DatabaseInstance::"
        "acme-postgres-1",
        "message": "DatabaseInstance 'acme-postgres-1': settings.ipConfiguration.ipv4Enabled must "
        "be false (public IPv4 address)",
    }


def test_stack_level_result_has_no_urn_and_the_stack_tenant(run_policy):
    report = run_policy(
        "tier-require-enterprise-cluster", mutated(remove("dev.initech", "initech-gke"))
    )
    (result,) = report.violations
    assert (result.urn, result.tenant, result.stack) == (None, "initech", "dev.initech")


def test_platform_results_name_the_free_tenant_or_none(run_policy):
    report = run_policy(
        "tenancy-forbid-cross-tenant-references",
        mutated(add_dependency("dev", "hooli-limits", ("dev", "umbrella-idp"))),
    )
    assert {r.tenant for r in report.violations} == {"hooli"}
    report = run_policy(
        "sql-forbid-public-ip",
        mutated(
            set_input("dev", "dev-shared-postgres", "settings.ipConfiguration.ipv4Enabled", True)
        ),
    )
    assert [r.tenant for r in report.violations] == [None]


def test_policy_config_overrides_levels_and_disables(settings, test_registry):
    plan = mutated(set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", True))
    policy = [POLICIES_BY_NAME["sql-forbid-public-ip"]]
    advisory = evaluate(plan, settings, test_registry, policy, {"sql-forbid-public-ip": "advisory"})
    assert (
        advisory.summary == {"mandatory": 0, "advisory": 1, "undecided": 0}
        and not advisory.failed()
    )
    disabled = evaluate(
        plan,
        settings,
        test_registry,
        policy,
        {"sql-forbid-public-ip": {"enforcementLevel": "disabled"}},
    )
    assert disabled.violations == []
    everything_off = evaluate(plan, settings, test_registry, policy, {"all": "disabled"})
    assert everything_off.violations == []


def test_an_unknown_escaping_a_policy_is_undecided_not_a_crash(settings, test_registry):
    def careless(args, report_violation):
        if args.resource_type == "gcp:sql/databaseInstance:DatabaseInstance":
            args.props["settings"]["ipConfiguration"][
                "privateNetwork"
            ]  # "[unknown]" in the fixture

    policy = ResourceValidationPolicy(
        name="test-careless",
        description="reads an unknown value",
        validate=careless,
        enforcement_level=EnforcementLevel.MANDATORY,
    )
    report = evaluate(good_plan(), settings, test_registry, [policy])
    assert report.violations == []
    assert report.undecided and all(
        "can't be known during preview" in r.message for r in report.undecided
    )


def test_report_json_shape_and_failure_rules():
    def result(level: str, undecided: bool) -> CheckResult:
        return CheckResult("p", level, "dev", None, None, "m", undecided)

    report = CheckReport()
    report.add(result("advisory", False))
    assert (
        report.to_json()["summary"] == {"mandatory": 0, "advisory": 1, "undecided": 0}
        and not report.failed()
    )
    report.add(result("mandatory", True))
    assert report.failed() and not report.failed(allow_undecided=True)
    report.add(result("mandatory", False))
    assert report.failed(allow_undecided=True)
    data = report.to_json()
    assert set(data) == {"violations", "undecided", "summary"}
    assert all(tuple(entry) == RESULT_KEYS for entry in data["violations"] + data["undecided"])
    assert data["summary"] == {"mandatory": 1, "advisory": 1, "undecided": 1}


def test_policy_table_lists_every_policy_with_level_and_anchor():
    table = policy_table_markdown()
    rows = [line for line in table.splitlines()[2:] if line.startswith("| `")]
    assert len(rows) == len(ALL_POLICIES)
    for policy in ALL_POLICIES:
        row = next(r for r in rows if r.startswith(f"| `{policy.name}` |"))
        assert f"| {policy.enforcement_level.value} |" in row
        kind = "resource" if isinstance(policy, ResourceValidationPolicy) else "stack"
        assert f"| {kind} |" in row
    assert "CKV_GCP_64" in table and "MTB-PL1-BC-HI-1" in table


def test_empty_stacks_and_plans_are_fine(settings, test_registry):
    report = evaluate(Plan([PlanStack("dev", None, None, [])]), settings, test_registry)
    assert report.to_json() == {
        "violations": [],
        "undecided": [],
        "summary": {"mandatory": 0, "advisory": 0, "undecided": 0},
    }


def test_whole_pack_on_the_good_plan_is_quiet_and_fast(settings, test_registry):
    import time

    started = time.perf_counter()
    report = evaluate(good_plan(), settings, test_registry)
    assert report.to_json()["summary"] == {"mandatory": 0, "advisory": 0, "undecided": 0}
    assert time.perf_counter() - started < 5


def test_evaluate_stack_runs_stack_and_resource_policies(settings, test_registry):
    stack = good_plan().stack(ACME)
    bucket = next(
        r for r in stack.resources if r.name == names.uploads_bucket(ENV, PROJECT, "acme")
    )
    bucket.inputs["publicAccessPrevention"] = "inherited"
    bucket.options.protect = False
    with use_facts(settings, test_registry):
        results = evaluate_stack(stack, ALL_POLICIES)
    assert {r.policy for r in results} == {
        "gcs-enforce-public-access-prevention",
        "tenancy-protect-stateful-resources",
    }
    kinds = {type(p) for p in ALL_POLICIES}
    assert kinds == {ResourceValidationPolicy, StackValidationPolicy}


def test_plan_json_round_trip_evaluates_the_same(tmp_path, settings, test_registry):
    plan = mutated(set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", True))
    path = tmp_path / "plan.json"
    plan.write(path)
    again = Plan.read(path)
    assert (
        evaluate(again, settings, test_registry).to_json()
        == evaluate(plan, settings, test_registry).to_json()
    )


def test_unplanned_resource_keys_are_ignored():
    resource = PlanResource(
        "urn:pulumi:dev::tenancy::t::n", "t", "n", True, None, [], None, {}, PlanOptions()
    )
    assert resource_args(PlanStack("dev", None, None, [resource]), resource).provider is None
