"""Plans and policy results through the cache: only stacks whose key is not cached are planned,
only stacks whose policy key is not cached are checked.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.environment import EnvironmentSettings
from domain.plan_model import Plan, PlanStack, Selection
from domain.registry import Registry
from domain.stacks import StackSpec
from tenancy.plan.cache import PlanCache
from tenancy.plan.keys import (
    KeyInputs,
    TenantInput,
    facts_digest,
    policy_key,
    registry_inputs,
    stack_keys,
    tenant_inputs,
)


@dataclass
class Keys:
    """One side's keys: per stack, and the registry facts the policies read."""

    stacks: dict[str, str]
    facts: str
    tenants: dict[str, TenantInput] = field(default_factory=dict)
    inputs: KeyInputs | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, project_root: Path, env: str, tenants_dir: Path, like: Keys | None = None) -> Keys:
        """Keys from the files; a file with the same bytes as in ``like`` is not parsed again."""
        tenants = tenant_inputs(tenants_dir, like.tenants if like is not None else None)
        return cls.of_inputs(KeyInputs.of(project_root, env), tenants)

    @classmethod
    def of_registry(cls, project_root: Path, env: str, registry: Registry) -> Keys:
        """The same keys from a loaded registry (no second parse of the tenant files)."""
        return cls.of_inputs(KeyInputs.of(project_root, env), registry_inputs(registry))

    @classmethod
    def of_inputs(cls, inputs: KeyInputs, tenants: dict[str, TenantInput]) -> Keys:
        """The keys of shared inputs and tenant inputs, however they were read."""
        stacks = stack_keys(Path("."), inputs.env, tenants, inputs)
        return cls(stacks, facts_digest(tenants), tenants, inputs)


def content_key(stack: PlanStack) -> str:
    """A key of the stack's plan content itself (for plans read from a file)."""
    import hashlib
    import json

    text = json.dumps(stack.to_dict() | {"key": None}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(("plan-content/1\0" + text).encode()).hexdigest()


def plan_file_key(stack: PlanStack, code: str) -> str:
    """Key of a plan read from a file: its content, and ``code`` (``judging_code``), so that a
    policy edited since is not answered from the cache."""
    import hashlib

    return hashlib.sha256("\0".join(["plan-file/1", content_key(stack), code]).encode()).hexdigest()


def judging_code(project_root: Path) -> str:
    """The code and installed versions a plan file is checked with."""
    from tenancy.plan.keys import code_digest, installed_versions

    return code_digest(project_root) + installed_versions()


def git_ref(project_root: Path) -> str | None:
    """The commit the project is at (``+dirty`` when the tree has changes); None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=project_root,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() or None if head.returncode == 0 else None


def plan_cached(
    specs: list[StackSpec],
    settings: EnvironmentSettings,
    registry: Registry,
    keys: dict[str, str] | None,
    cache: PlanCache | None,
    on_stack: Callable[[PlanStack], None] | None = None,
    workers: int | None = None,
    selection: Selection | None = None,
    ref: str | None = None,
) -> Plan:
    """Like ``plan_stacks``, with cached stacks read instead of planned; fresh ones are stored."""
    found: dict[str, PlanStack] = {}
    missing: list[StackSpec] = []
    for spec in specs:
        key = (keys or {}).get(spec.name)
        stack: PlanStack | None = (
            cache.get_spliced(key, spec.name) if cache is not None and key else None
        )
        if stack is None:
            missing.append(spec)
            continue
        found[spec.name] = stack
        if on_stack:
            on_stack(stack)
    if missing:
        from tenancy.plan.engine import plan_stacks  # the SDK's imports: only when planning

        fresh = plan_stacks(missing, settings, registry, on_stack=on_stack, workers=workers)
        for stack in fresh.stacks:
            stack.key = (keys or {}).get(stack.name)
            if cache is not None and stack.key:
                cache.put_plan(stack.key, stack)
            found[stack.name] = stack
    ordered = sorted(specs, key=lambda s: (s.kind != "platform", s.name))
    return Plan(
        [found[s.name] for s in ordered],
        environment=settings.environment,
        selection=selection,
        git_ref=ref,
    )


@dataclass
class StackResults:
    stack: str
    results: list[dict[str, Any]]  # CheckResult.to_json() plus "undecided"
    cached: bool
    resources: int = 0


def check_cached(
    plans: Callable[[list[str]], dict[str, PlanStack]],
    stack_names: list[str],
    keys: Keys | None,
    settings: EnvironmentSettings,
    registry: Registry,
    cache: PlanCache | None,
    policy_config: Any = None,
) -> list[StackResults]:
    """Policy results per stack: from the cache where the policy key is known, else evaluated on
    the stack's plan (``plans(names)`` returns the plans of the stacks that need evaluating)."""
    found: dict[str, StackResults] = {}
    pkeys: dict[str, str] = {}
    for name in stack_names:
        stack_key = keys.stacks.get(name) if keys else None
        if stack_key is None or cache is None or keys is None:
            continue
        pkeys[name] = policy_key(stack_key, keys.facts, policy_config)
        cached = cache.get_results(pkeys[name])
        if cached is not None:
            found[name] = StackResults(name, cached[0], True, cached[1])
    todo = [n for n in stack_names if n not in found]
    if todo:
        # the pack's imports: only when evaluating
        from tenancy.checks.engine import check_workers, evaluate

        stacks = plans(todo)
        to_check = Plan([stacks[n] for n in todo])
        report = evaluate(
            to_check,
            settings,
            registry,
            policy_config=policy_config,
            workers=check_workers(to_check),
        )
        per_stack: dict[str, list[dict[str, Any]]] = {n: [] for n in todo}
        for result in [*report.violations, *report.undecided]:
            per_stack[result.stack].append({**result.to_json(), "undecided": result.undecided})
        for name in todo:
            count = len(stacks[name].resources)
            found[name] = StackResults(name, per_stack[name], False, count)
            if cache is not None and name in pkeys:
                cache.put_results(pkeys[name], per_stack[name], count)
    return [found[n] for n in stack_names]
