"""Evaluate the policy pack offline against a plan, as the Pulumi engine would during preview.

For every resource the evaluator builds the ``ResourceValidationArgs`` the analyzer server in
``pulumi_policy/policy.py`` builds (unknown-checking proxy over the inputs, resource options,
provider, per-policy config), and for every stack the ``StackValidationArgs`` with
``PolicyResource`` objects whose parent and dependencies point at each other.

How the plan's markers reach the policies:
- "[unknown]" becomes the engine's unknown sentinel, so touching it raises UnknownValueError
  exactly as under ``pulumi preview``;
- {"$resource": urn} becomes the urn string (the engine passes the id or urn of a reference);
- "[secret]" stays as is (the engine would pass the plaintext, which the plan never holds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from domain.environment import EnvironmentSettings
from domain.plan_model import UNKNOWN, Plan, PlanResource, PlanStack
from domain.registry import Registry
from tenancy.sdk.policy_not_applicable import NotApplicable

MANDATORY = EnforcementLevel.MANDATORY.value
ADVISORY = EnforcementLevel.ADVISORY.value
RESULT_KEYS = ("policy", "level", "stack", "tenant", "urn", "message")
# Policy config as Pulumi's --policy-pack-config takes it: {policy: level | {"enforcementLevel":
# ..., knob: ...}}.
PolicyConfig = Mapping[str, Any]


@dataclass(frozen=True)
class CheckResult:
    policy: str
    level: str  # "mandatory" | "advisory"
    stack: str
    tenant: str | None  # None: the platform's shared resources or the stack as a whole
    urn: str | None  # None: the stack as a whole
    message: str
    undecided: bool = False

    def to_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in RESULT_KEYS}


@dataclass
class CheckReport:
    violations: list[CheckResult] = field(default_factory=list)
    undecided: list[CheckResult] = field(default_factory=list)
    stacks: int = 0
    resources: int = 0

    def add(self, result: CheckResult) -> None:
        (self.undecided if result.undecided else self.violations).append(result)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "mandatory": sum(1 for r in self.violations if r.level == MANDATORY),
            "advisory": sum(1 for r in self.violations if r.level == ADVISORY),
            "undecided": len(self.undecided),
        }

    def failed(self, allow_undecided: bool = False) -> bool:
        """Mandatory violations fail; so do undecided mandatory results unless allowed."""
        if self.summary["mandatory"]:
            return True
        return not allow_undecided and any(r.level == MANDATORY for r in self.undecided)

    def to_json(self) -> dict[str, Any]:
        return {
            "violations": [r.to_json() for r in self.violations],
            "undecided": [r.to_json() for r in self.undecided],
            "summary": self.summary,
        }


# --- building what the engine passes ------------------------------------------------------------


def engine_value(value: Any) -> Any:
    """A plan input value as the analyzer would deserialize it."""
    if value == UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        if set(value) == {"$resource"}:
            return value["$resource"]
        return {key: engine_value(v) for key, v in value.items()}
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    return value


def engine_props(resource: PlanResource) -> Mapping[str, Any]:
    return unknown_checking_proxy(engine_value(resource.inputs))


def resource_options(resource: PlanResource) -> PolicyResourceOptions:
    opts = resource.options
    # The engine passes None when the program never set deleteBeforeReplace.
    return PolicyResourceOptions(
        protect=opts.protect,
        ignore_changes=list(opts.ignore_changes),
        delete_before_replace=True if opts.delete_before_replace else None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def provider_of(
    resource: PlanResource, by_urn: Mapping[str, PlanResource]
) -> PolicyProviderResource | None:
    provider = by_urn.get(resource.provider) if resource.provider else None
    if provider is None:
        return None  # the default provider: the plan records no resource for it
    return PolicyProviderResource(
        provider.type, engine_props(provider), provider.urn, provider.name
    )


def resource_args(
    stack: PlanStack, resource: PlanResource, config: Mapping[str, Any] | None = None
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource.type,
        engine_props(resource),
        resource.urn,
        resource.name,
        resource_options(resource),
        provider_of(resource, stack.by_urn()),
        config,
    )


def policy_resources(stack: PlanStack) -> list[PolicyResource]:
    """The stack's resources linked to their parents and dependencies, as AnalyzeStack builds
    them."""
    by_urn = stack.by_urn()
    resources = {
        r.urn: PolicyResource(
            r.type,
            engine_props(r),
            r.urn,
            r.name,
            resource_options(r),
            provider_of(r, by_urn),
            None,
            [],
            {},
        )
        for r in stack.resources
    }
    for planned in stack.resources:
        resource = resources[planned.urn]
        if planned.parent in resources:
            resource.parent = resources[planned.parent]
        resource.dependencies.extend(resources[d] for d in planned.dependencies if d in resources)
    return list(resources.values())


def stack_args(stack: PlanStack, config: Mapping[str, Any] | None = None) -> StackValidationArgs:
    return StackValidationArgs(policy_resources(stack), config)


# --- running the policies -------------------------------------------------------------------------


def level_and_config(
    policy: Policy, policy_config: PolicyConfig | None
) -> tuple[EnforcementLevel, dict | None]:
    from policies.pack import enforcement_level

    level = enforcement_level(policy)
    entry = (policy_config or {}).get(policy.name, (policy_config or {}).get("all"))
    if isinstance(entry, str):
        return EnforcementLevel(entry), None
    if isinstance(entry, Mapping):
        properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        if "enforcementLevel" in entry:
            level = EnforcementLevel(entry["enforcementLevel"])
        return level, properties or None
    return level, None


def _run(validate: Any, args: Any, report: Any) -> None:
    result = validate(args, report)
    if isawaitable(result):

        async def wait() -> None:
            await result

        asyncio.run(wait())  # the same as the analyzer's fresh event loop per policy


class _Collector:
    def __init__(
        self,
        policy: str,
        level: EnforcementLevel,
        stack: PlanStack,
        default_urn: str | None,
        owners,
    ):
        self.policy, self.level, self.stack, self.default_urn, self.owners = (
            policy,
            level,
            stack,
            default_urn,
            owners,
        )
        self.results: list[CheckResult] = []

    def report(self, message: str, urn: str | None = None) -> None:
        from policies.lib.reporting import is_undecided, strip_undecided

        urn = self.default_urn or urn or None
        self.results.append(
            CheckResult(
                self.policy,
                _level_name(self.level),
                self.stack.name,
                self.owners(urn),
                urn,
                strip_undecided(message),
                is_undecided(message),
            )
        )

    def unknown(self, exc: UnknownValueError) -> None:
        # What the engine turns into "can't run policy during preview": undecided, never a pass.
        from policies.lib.reporting import UNDECIDED_PREFIX

        self.report(UNDECIDED_PREFIX + exc.message)


def _level_name(level: EnforcementLevel) -> str:
    # REMEDIATE cannot be expressed by this pack's policies; like the engine, treat it as mandatory.
    return ADVISORY if level == EnforcementLevel.ADVISORY else MANDATORY


def _owner_lookup(stack: PlanStack, linked: list[PolicyResource]):
    """urn → the tenant a result is about (None: shared); a result without a urn is the stack's."""
    from policies.lib.resources import SHARED, Subject

    by_urn = {resource.urn: resource for resource in linked}
    cache: dict[str | None, str | None] = {}

    def owner(urn: str | None) -> str | None:
        if urn not in cache:
            resource = by_urn.get(urn) if urn else None
            if resource is None:
                cache[urn] = stack.tenant
            else:
                found = Subject.from_policy_resource(resource).owner()
                cache[urn] = None if found == SHARED else found
        return cache[urn]

    return owner


def evaluate_stack(
    stack: PlanStack, policies: Iterable[Policy], policy_config: PolicyConfig | None = None
) -> list[CheckResult]:
    """Every policy on one stack (facts must already be installed, see ``evaluate``)."""
    results: list[CheckResult] = []
    linked = policy_resources(stack)
    owners = _owner_lookup(stack, linked)
    resource_policies: list[tuple[ResourceValidationPolicy, EnforcementLevel, Any]] = []
    stack_policies: list[tuple[Policy, EnforcementLevel, Any]] = []
    for policy in policies:
        level, config = level_and_config(policy, policy_config)
        if level == EnforcementLevel.DISABLED:
            continue
        if isinstance(policy, ResourceValidationPolicy):
            resource_policies.append((policy, level, config))
        else:
            stack_policies.append((policy, level, config))
    by_urn = stack.by_urn()
    for resource in stack.resources:
        # Built once per resource: policies only read them (the engine rebuilds identical ones).
        props, opts, provider = (
            engine_props(resource),
            resource_options(resource),
            provider_of(resource, by_urn),
        )
        for policy, level, config in resource_policies:
            collector = _Collector(policy.name, level, stack, resource.urn, owners)
            args = ResourceValidationArgs(
                resource.type, props, resource.urn, resource.name, opts, provider, config
            )
            try:
                _run(policy.validate, args, collector.report)
            except UnknownValueError as exc:
                collector.unknown(exc)
            except NotApplicable:
                continue
            results.extend(collector.results)
    for policy, level, config in stack_policies:
        if not isinstance(policy, StackValidationPolicy) or not linked:
            continue
        collector = _Collector(policy.name, level, stack, None, owners)
        try:
            _run(policy.validate, StackValidationArgs(linked, config), collector.report)
        except UnknownValueError as exc:
            collector.unknown(exc)
        except NotApplicable:
            continue
        results.extend(collector.results)
    return results


def evaluate(
    plan: Plan,
    settings: EnvironmentSettings,
    registry: Registry,
    policies: Iterable[Policy] | None = None,
    policy_config: PolicyConfig | None = None,
) -> CheckReport:
    """Evaluate the pack (or the given policies) against every stack of the plan."""
    from policies.lib.facts import use_facts
    from policies.pack import ALL_POLICIES

    chosen = list(ALL_POLICIES if policies is None else policies)
    report = CheckReport(stacks=len(plan.stacks), resources=plan.resource_count)
    with use_facts(settings, registry):
        for stack in plan.stacks:
            for result in evaluate_stack(stack, chosen, policy_config):
                report.add(result)
    return report


# --- documentation --------------------------------------------------------------------------------


def policy_table_markdown() -> str:
    """The README's policy table: every policy with its level, kind, anchors and what it guards."""
    from policies.lib.anchors import anchors_text
    from policies.pack import POLICY_MODULES, enforcement_level

    lines = ["| policy | level | kind | anchor | what it guards |", "|---|---|---|---|---|"]
    for module in sorted(POLICY_MODULES, key=lambda m: m.NAME):
        policy = module.POLICY
        kind = "resource" if isinstance(policy, ResourceValidationPolicy) else "stack"
        level = enforcement_level(policy).value
        description = policy.description.replace("|", "\\|")
        lines.append(
            f"| `{policy.name}` | {level} | {kind} | {anchors_text(module.ANCHORS)} | "
            f"{description} |"
        )
    return "\n".join(lines) + "\n"
