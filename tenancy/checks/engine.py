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
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator, Mapping
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


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}


def duration_seconds(text: str | None) -> float:
    """A Pulumi custom timeout ("20m", "1h30m", "90s") in seconds; 0 when unset."""
    if not text:
        return 0.0
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(text))


def resource_options(resource: PlanResource) -> PolicyResourceOptions:
    opts = resource.options
    timeouts = opts.custom_timeouts
    # The engine passes None when the program never set deleteBeforeReplace.
    return PolicyResourceOptions(
        protect=opts.protect,
        ignore_changes=list(opts.ignore_changes),
        delete_before_replace=True if opts.delete_before_replace else None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(
            duration_seconds(timeouts.get("create")),
            duration_seconds(timeouts.get("update")),
            duration_seconds(timeouts.get("delete")),
        ),
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


class _Built:
    """Each resource's props and options and each provider, built once for a stack's resource
    and stack policies alike (policies only read them; the engine would build identical ones)."""

    def __init__(self, stack: PlanStack):
        self.by_urn = stack.by_urn()
        self.props = {r.urn: engine_props(r) for r in stack.resources}
        self.opts = {r.urn: resource_options(r) for r in stack.resources}
        self._providers: dict[str, PolicyProviderResource | None] = {}

    def provider(self, resource: PlanResource) -> PolicyProviderResource | None:
        urn = resource.provider
        if not urn:
            return None
        if urn not in self._providers:
            self._providers[urn] = provider_of(resource, self.by_urn)
        return self._providers[urn]


def policy_resources(stack: PlanStack, built: _Built | None = None) -> list[PolicyResource]:
    """The stack's resources linked to their parents and dependencies, as AnalyzeStack builds
    them."""
    built = built or _Built(stack)
    resources = {
        r.urn: PolicyResource(
            r.type,
            built.props[r.urn],
            r.urn,
            r.name,
            built.opts[r.urn],
            built.provider(r),
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
    from policies.lib.policy import applies_to

    results: list[CheckResult] = []
    built = _Built(stack)
    linked = policy_resources(stack, built)
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
    filters = [applies_to(policy) for policy, _, _ in resource_policies]
    for resource in stack.resources:
        props, opts, provider = (
            built.props[resource.urn],
            built.opts[resource.urn],
            built.provider(resource),
        )
        for (policy, level, config), applies in zip(resource_policies, filters, strict=True):
            if applies is not None and not applies(resource.type):
                continue  # its validate would return at once, reporting nothing
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
    workers: int = 1,
) -> CheckReport:
    """Evaluate the pack (or the given policies) against every stack of the plan, in ``workers``
    processes (the same report, in the same order, whatever their number)."""
    from policies.lib.facts import use_facts
    from policies.pack import ALL_POLICIES

    chosen = list(ALL_POLICIES if policies is None else policies)
    report = CheckReport(stacks=len(plan.stacks), resources=plan.resource_count)
    with use_facts(settings, registry):
        for results in _evaluate_stacks(plan.stacks, chosen, policy_config, workers):
            for result in results:
                report.add(result)
    return report


# Below this many resources forking workers costs more than it saves.
PARALLEL_MIN_RESOURCES = 3000


def check_workers(plan: Plan) -> int:
    """How many processes evaluate a plan of this size: two on a machine with two cores or more
    (the target machine has two), one for a small plan."""
    if plan.resource_count < PARALLEL_MIN_RESOURCES or len(plan.stacks) < 3:
        return 1
    return max(1, min(os.cpu_count() or 1, 2))


_EVAL_STATE: dict[str, Any] = {}


def _evaluate_worker(index: int) -> list[CheckResult]:
    state = _EVAL_STATE
    return evaluate_stack(state["stacks"][index], state["policies"], state["config"])


def _evaluate_stacks(
    stacks: list[PlanStack],
    policies: list[Policy],
    policy_config: PolicyConfig | None,
    workers: int,
) -> Iterator[list[CheckResult]]:
    """Each stack's results, in the plan's order. With workers > 1 the first tenant stack is
    evaluated here first (it warms the facts every stack reads: the name index, the held ranges),
    then forked processes evaluate the others; a stack's results do not depend on where it is
    evaluated, and ``imap`` returns them in order."""
    if workers <= 1 or len(stacks) < 3:
        for stack in stacks:
            yield evaluate_stack(stack, policies, policy_config)
        return
    warm = next((i for i, stack in enumerate(stacks) if stack.tenant), 0)
    done = {warm: evaluate_stack(stacks[warm], policies, policy_config)}
    rest = [i for i in range(len(stacks)) if i != warm]
    _EVAL_STATE.update(stacks=stacks, policies=policies, config=policy_config)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            done.update(zip(rest, pool.imap(_evaluate_worker, rest, chunksize=1), strict=True))
    finally:
        _EVAL_STATE.clear()
    for index in range(len(stacks)):
        yield done[index]


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
