"""What the pull-request comment is built from, computed incrementally.

1. Content keys of every stack on both sides (head's key function over each side's files).
2. Stacks whose key differs are the only ones planned: the base's by the base's own code
   (``python -m tenancy.cli plan --stack ...`` in a temporary worktree, in the background), the
   head's in this process. Both go through the plan cache.
3. Policy results for every head stack: from the cache by policy key; the rest are evaluated (on
   plans from the cache, or planned). Results of stacks the change does not touch are marked
   ``preexisting``: they were there before.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from domain.environment import EnvironmentConfigError, load_environment
from domain.plan_model import Plan, PlanFormatError, PlanStack, Selection
from domain.registry import RegistryError, load_registry
from domain.stacks import all_stacks
from tenancy.automation import git
from tenancy.automation.base_view import RegistryView
from tenancy.automation.pr_comment import (
    COMMAND_TIMEOUT,
    CommandRun,
    CommentContext,
    TenantChange,
    _command_env,
)
from tenancy.automation.registry_diff import pull_request_problems
from tenancy.plan.cache import ENV_VAR, PlanCache, default_cache_dir
from tenancy.plan.incremental import Keys, check_cached, plan_cached

MANDATORY = "mandatory"


def _doc(tenant) -> dict[str, Any] | None:
    """The tenant file's mapping (parsed again only for the few files that changed)."""
    from domain.yamlio import MAX_BYTES, parse_yaml_text

    if tenant.doc is not None:
        return tenant.doc
    if len(tenant.data) > MAX_BYTES:
        return None
    try:
        doc = parse_yaml_text(tenant.data.decode("utf-8"))
    except Exception:
        return None
    return doc if isinstance(doc, dict) else None


def _states(keys: Keys) -> dict[str, Any]:
    """Tier and status per tenant file, as transitions.states_in_dir reads them."""
    from domain.lifecycle import TenantState

    return {
        t.file[: -len(".yaml")]: TenantState(t.tier, t.status or "active")
        for t in keys.tenants.values()
        if t.tier is not None
    }


def tenant_changes(base: Keys, head: Keys) -> list[TenantChange]:
    changes = []
    for tenant_id in sorted(set(base.tenants) | set(head.tenants)):
        old, new = base.tenants.get(tenant_id), head.tenants.get(tenant_id)
        if old is not None and new is not None and old.data == new.data:
            continue
        changes.append(
            TenantChange(
                tenant_id,
                _doc(old) if old is not None else None,
                _doc(new) if new is not None else None,
            )
        )
    return changes


class _BasePlan:
    """The base's own ``tenancy plan`` of the given stacks, running in the background."""

    def __init__(self, base_root: Path, args: list[str], python: str, cache_dir: Path | None):
        self.base_root, self.args, self.python = base_root, args, python
        env = _command_env(base_root)
        if cache_dir is not None:
            env[ENV_VAR] = str(cache_dir)
        self.env = env
        self.proc = self._start(args)

    def _start(self, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            [self.python, "-m", "tenancy.cli", *args],
            cwd=self.base_root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait(self) -> CommandRun:
        try:
            stdout, stderr = self.proc.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            return CommandRun(self.args, 124, "", f"timed out after {COMMAND_TIMEOUT}s")
        if self.proc.returncode == 2 and "No such option" in stderr and "--stack" in self.args:
            # A base from before stack selection: plan it whole (once, during the transition).
            self.args = [a for i, a in enumerate(self.args) if not _is_stack_arg(self.args, i)]
            self.proc = self._start(self.args)
            return self.wait()
        missing = self.proc.returncode == 2 and "No such command" in stderr
        return CommandRun(self.args, self.proc.returncode, stdout, stderr, missing=missing)


def _is_stack_arg(args: list[str], i: int) -> bool:
    return args[i] == "--stack" or (i > 0 and args[i - 1] == "--stack")


def _failure(args: list[str], exc: BaseException) -> CommandRun:
    text = "".join(traceback.format_exception_only(type(exc), exc))
    return CommandRun(args, 1, "", text)


def gather(
    base_ref: str,
    env: str,
    project_root: Path,
    tenants_dir: Path,
    python: str = sys.executable,
    cache_dir: Path | None = None,
) -> CommentContext:
    from tenancy.plan.diff import diff_stacks

    project_root = Path(project_root).resolve()
    tenants_dir = Path(tenants_dir).resolve()
    root = git.repo_root(project_root)
    base_commit = git.merge_base(base_ref, root)
    head_commit = git.run_git(["rev-parse", "HEAD"], root).strip()
    project_rel = git.relative_to_repo(project_root, root)
    tenants_rel = (
        tenants_dir.relative_to(project_root)
        if tenants_dir.is_relative_to(project_root)
        else Path("tenants")
    )
    ctx = CommentContext(env, base_ref, base_commit, head_commit, project_root, tenants_dir)

    # Validation of the head; its registry is reused for planning and policies.
    registry = None
    try:
        ctx.settings = load_environment(env, project_root)
        registry = load_registry(tenants_dir, ctx.settings)
        ctx.head_registry = registry
    except EnvironmentConfigError as exc:
        ctx.validation_problems += exc.problems
    except RegistryError as exc:
        ctx.validation_problems += [str(p) for p in exc.problems]
    head_keys = (
        Keys.of_registry(project_root, env, registry)
        if registry is not None
        else Keys.of(project_root, env, tenants_dir)
    )
    try:
        from tenancy.lifecycle.guards import tier_changes_without_path

        # One view of the registry at the base for every rule; a valid head lends it the files
        # it listed and the bytes it read for the keys.
        view = (
            RegistryView.build(
                base_ref,
                tenants_dir,
                list(registry.files.values()),
                {t.file: t.data for t in head_keys.tenants.values()},
            )
            if registry is not None
            else RegistryView.build(base_ref, tenants_dir)
        )
        ctx.validation_problems += [
            str(p) for p in pull_request_problems(base_ref, tenants_dir, view)
        ]
        ctx.validation_problems += [
            str(p) for p in tier_changes_without_path(base_ref, tenants_dir, view)
        ]
    except git.GitError as exc:
        ctx.validation_problems.append(f"cannot compare with {base_ref}: {exc}")

    if cache_dir is None:
        cache_dir = default_cache_dir(project_root)
    if cache_dir is not None:  # the base's command runs elsewhere: an absolute path
        cache_dir = Path(cache_dir).resolve()
    cache = PlanCache(cache_dir) if cache_dir is not None else None
    head_has_cli = (project_root / "tenancy" / "cli.py").exists()

    with (
        tempfile.TemporaryDirectory(prefix="tenancy-pr-") as tmp,
        git.temporary_worktree(base_commit, root) as tree,
    ):
        base_root = tree / project_rel
        base_tenants = base_root / tenants_rel
        base_keys = Keys.of(base_root, env, base_tenants, like=head_keys)
        ctx.tenant_changes = tenant_changes(base_keys, head_keys)
        ctx.head_keys, ctx.base_keys = head_keys.stacks, base_keys.stacks
        ctx.plan_cache = cache
        ctx.base_states, ctx.head_states = _states(base_keys), _states(head_keys)
        names = sorted(set(head_keys.stacks) | set(base_keys.stacks))
        changed = [n for n in names if head_keys.stacks.get(n) != base_keys.stacks.get(n)]
        ctx.unchanged_stacks = len(names) - len(changed)
        base_changed = [n for n in changed if n in base_keys.stacks]

        # The base side, in the background, by the base's own code.
        base_job = None
        base_cached: dict[str, PlanStack] = {}
        base_json = Path(tmp) / "base.json"
        if not (base_root / "tenancy" / "cli.py").exists():
            ctx.base_plan = Plan([])
            ctx.base_note = (
                "_The base has no `tenancy` CLI yet, so it is compared as an empty plan._"
            )
        elif cache is not None and all(
            (hit := cache.get_plan(base_keys.stacks[n], n)) is not None
            and base_cached.setdefault(n, hit) is not None
            for n in base_changed
        ):
            # Every base stack needed is cached under the base's own content key (which names
            # the base's code): the base's plans, without starting the base's CLI.
            ctx.base_plan = Plan(
                [base_cached[n] for n in base_changed],
                environment=env,
                selection=Selection(all=False, stacks=tuple(base_changed)),
            )
        elif base_changed:
            args = ["plan", "--env", env, "--tenants", str(base_tenants), "--json", str(base_json)]
            for name in base_changed:
                args += ["--stack", name]
            base_job = _BasePlan(base_root, args, python, cache_dir)
        else:
            ctx.base_plan = Plan([], selection=Selection(all=False))

        # The head side, in this process.
        head_stacks: dict[str, PlanStack] = {}
        plan_args = ["plan", "--env", env]
        if not head_has_cli:
            ctx.head_run = CommandRun(plan_args, 127, "", "", missing=True)
        elif registry is None or ctx.settings is None:
            ctx.head_run = CommandRun(
                plan_args, 1, "", "the head's registry or environment is invalid (see validation)"
            )
        else:
            settings = ctx.settings
            specs = {s.name: s for s in all_stacks(registry, env)}

            def plans_of(wanted: list[str]) -> dict[str, PlanStack]:
                todo = [specs[n] for n in wanted if n not in head_stacks]
                if todo:
                    planned = plan_cached(todo, settings, registry, head_keys.stacks, cache)
                    head_stacks.update({s.name: s for s in planned.stacks})
                return {n: head_stacks[n] for n in wanted}

            try:
                plans_of([n for n in changed if n in specs])
                ctx.head_run = CommandRun(plan_args, 0, "", "")
            except Exception as exc:
                ctx.head_run = _failure(plan_args, exc)
            if ctx.head_run.ok:
                ctx.all_stacks = [n for n in names if n in specs]
                ctx.changed_stacks = changed
                ctx.load_head_stacks = plans_of
                ctx.head_plan = Plan(
                    [head_stacks[n] for n in changed if n in head_stacks],
                    environment=env,
                    selection=Selection(all=False, stacks=tuple(changed)),
                )
                try:
                    ordered = [n for n in names if n in specs]
                    results = check_cached(plans_of, ordered, head_keys, settings, registry, cache)
                    ctx.policy = _policy_results(results, set(changed))
                except Exception as exc:
                    ctx.policy_failure = "The policy pack could not be evaluated: " + str(
                        _failure(["check"], exc).stderr
                    )
        if ctx.head_run is not None and not ctx.head_run.ok:
            ctx.policy_missing = ctx.head_run.missing
            ctx.policy_failure = (
                "Not run: there is no head plan to check."
                if ctx.head_run.missing
                else "Not run: the head plan failed."
            )

        if base_job is not None:
            ctx.base_run = base_job.wait()
            if ctx.base_run.ok:
                try:
                    ctx.base_plan = Plan.read(base_json)
                except PlanFormatError as exc:
                    ctx.base_run = CommandRun(ctx.base_run.args, 1, "", str(exc))

    if ctx.head_plan is not None and ctx.base_plan is not None:
        ctx.stack_diffs = [
            diff_stacks(ctx.base_plan.stack(n), ctx.head_plan.stack(n))
            for n in changed
            if ctx.base_plan.stack(n) is not None or ctx.head_plan.stack(n) is not None
        ]
    return ctx


def _policy_results(results, changed: set[str]) -> dict[str, Any]:
    violations: list[dict[str, Any]] = []
    undecided: list[dict[str, Any]] = []
    for stack_results in results:
        for result in stack_results.results:
            entry = {**result, "preexisting": stack_results.stack not in changed}
            (undecided if result.get("undecided") else violations).append(entry)
    failed = any(v.get("level") == MANDATORY for v in violations) or any(
        u.get("level") == MANDATORY for u in undecided
    )
    return {"violations": violations, "undecided": undecided, "failed": failed}


__all__ = ["gather"]
