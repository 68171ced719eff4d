"""The evaluator's shortcuts change no result: parallel stacks, skipped resource policies, shared
props and subjects give the same report, in the same order, as evaluating every policy on every
resource with freshly built arguments in one process."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from policy_plan_fixtures import good_plan
from pulumi_policy import ResourceValidationArgs, StackValidationArgs, StackValidationPolicy
from pulumi_policy.proxy import UnknownValueError
from test_policy_resource_rules import RESOURCE_CASES
from test_policy_stack_rules import STACK_CASES, UNDECIDED_CASES

from domain.plan_model import Plan
from policies.lib.facts import use_facts
from policies.lib.policy import applies_to
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import (
    CheckReport,
    _Collector,
    _owner_lookup,
    _run,
    check_workers,
    engine_props,
    evaluate,
    level_and_config,
    policy_resources,
    provider_of,
    resource_options,
)
from tenancy.sdk.policy_not_applicable import NotApplicable


def broken_plan() -> Plan:
    """The good plan with every mutation of the rule tests that applies on top of the others:
    violations and undecided results of resource and stack policies in every stack."""
    plan = good_plan()
    for param in [*RESOURCE_CASES, *STACK_CASES, *UNDECIDED_CASES]:
        try:
            param.values[1](plan)
        except (AssertionError, KeyError, IndexError, StopIteration, TypeError, ValueError):
            continue  # it conflicts with an earlier mutation (the plan stays as it was left)
    return plan


def reference(plan: Plan, settings, registry) -> CheckReport:
    """The evaluator without shortcuts: every resource policy called on every resource, props,
    options, providers and stack subjects built anew for each call, one process."""
    report = CheckReport(stacks=len(plan.stacks), resources=plan.resource_count)
    with use_facts(settings, registry):
        for stack in plan.stacks:
            linked = policy_resources(stack)
            owners = _owner_lookup(stack, linked)
            for resource in stack.resources:
                for policy in ALL_POLICIES:
                    if isinstance(policy, StackValidationPolicy):
                        continue
                    level, config = level_and_config(policy, None)
                    collector = _Collector(policy.name, level, stack, resource.urn, owners)
                    args = ResourceValidationArgs(
                        resource.type,
                        engine_props(resource),
                        resource.urn,
                        resource.name,
                        resource_options(resource),
                        provider_of(resource, stack.by_urn()),
                        config,
                    )
                    _call(policy, args, collector)
                    for result in collector.results:
                        report.add(result)
            for policy in ALL_POLICIES:
                if not isinstance(policy, StackValidationPolicy):
                    continue
                level, config = level_and_config(policy, None)
                collector = _Collector(policy.name, level, stack, None, owners)
                # A fresh list each time: nothing built for another policy is reused.
                _call(policy, StackValidationArgs(list(policy_resources(stack)), config), collector)
                for result in collector.results:
                    report.add(result)
    return report


def _call(policy: Any, args: Any, collector: _Collector) -> None:
    try:
        _run(policy.validate, args, collector.report)
    except UnknownValueError as exc:
        collector.unknown(exc)
    except NotApplicable:
        collector.results.clear()


@pytest.fixture(scope="module")
def broken(settings, test_registry):
    plan = broken_plan()
    return plan, reference(plan, settings, test_registry).to_json()


def test_the_broken_plan_exercises_every_kind_of_result(broken):
    plan, expected = broken
    assert len(plan.stacks) >= 4
    policies = {r["policy"] for r in expected["violations"]}
    assert len(expected["violations"]) >= 50 and len(policies) >= 20
    assert expected["undecided"]
    assert len({r["stack"] for r in expected["violations"]}) >= 3


def test_the_evaluator_gives_the_reference_report(broken, settings, test_registry):
    plan, expected = broken
    assert evaluate(plan, settings, test_registry).to_json() == expected


def test_parallel_stacks_give_the_serial_report(broken, settings, test_registry):
    plan, expected = broken
    parallel = evaluate(plan, settings, test_registry, workers=2)
    assert parallel.to_json() == expected
    assert (parallel.stacks, parallel.resources) == (len(plan.stacks), plan.resource_count)


def test_parallel_evaluation_really_forks(broken, settings, test_registry, monkeypatch):
    """Guard against a vacuous pass: with two workers the stacks go through a process pool."""
    plan, _ = broken
    pools: list[int] = []
    context = multiprocessing.get_context("fork")
    real_pool = context.Pool

    class Context:
        def Pool(self, processes: int):
            pools.append(processes)
            return real_pool(processes)

    monkeypatch.setattr(multiprocessing, "get_context", lambda method: Context())
    evaluate(plan, settings, test_registry, workers=2)
    assert pools == [2]


def test_every_pack_resource_policy_declares_its_types():
    """The evaluator skips a resource policy for the types it does not apply to; a policy built
    without the pack's builder (no filter) would be called for every resource, still correct."""
    resource_policies = [p for p in ALL_POLICIES if not isinstance(p, StackValidationPolicy)]
    assert resource_policies and all(applies_to(p) is not None for p in resource_policies)


def test_small_plans_are_evaluated_in_one_process():
    assert check_workers(good_plan()) == 1
