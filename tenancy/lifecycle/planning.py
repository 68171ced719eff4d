"""Both sides of a transition: the registry states and the offline plans at a git ref and now.

The base side is planned by the base's own code, from a temporary ``git worktree`` of the merge
base, through ``python -m tenancy.cli plan`` (the head's modules are never imported there); the head
side is planned in-process.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from domain.environment import EnvironmentConfigError, load_environment
from domain.plan_model import Plan, PlanFormatError
from domain.registry import RegistryError, load_registry
from tenancy.automation import git
from tenancy.lifecycle.transitions import TransitionReport, analyse, states_at, states_in_dir


class TransitionsError(Exception):
    """The comparison could not be made (exit 2), with every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class InvalidRegistry(Exception):
    """The head registry is invalid (exit 1: validation findings)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def head_plan(env: str, project_root: Path, tenants_dir: Path) -> Plan:
    from domain.stacks import all_stacks
    from tenancy.plan.engine import plan_stacks

    try:
        settings = load_environment(env, project_root)
        registry = load_registry(tenants_dir, settings)
    except EnvironmentConfigError as exc:
        raise TransitionsError(exc.problems) from None
    except RegistryError as exc:
        raise InvalidRegistry([str(p) for p in exc.problems]) from None
    return plan_stacks(all_stacks(registry, env), settings, registry)


def base_plan(
    base_commit: str, root: Path, project_root: Path, tenants_dir: Path, env: str, python: str
) -> Plan:
    from tenancy.automation.pr_comment import run_tenancy

    project_rel = git.relative_to_repo(project_root, root)
    tenants_rel = (
        tenants_dir.relative_to(project_root)
        if tenants_dir.is_relative_to(project_root)
        else Path("tenants")
    )
    with git.temporary_worktree(base_commit, root) as tree, tempfile.TemporaryDirectory() as tmp:
        base_root = tree / project_rel
        if not (base_root / "tenancy" / "cli.py").exists():
            return Plan([])  # nothing was planned before the CLI existed
        out = Path(tmp) / "base.json"
        run = run_tenancy(
            base_root,
            ["plan", "--env", env, "--tenants", str(base_root / tenants_rel), "--json", str(out)],
            python,
        )
        if not run.ok:
            raise TransitionsError([f"the base plan failed: {run.failure()}"])
        return Plan.read(out)


def read_plan(path: Path) -> Plan:
    try:
        return Plan.read(path)
    except PlanFormatError as exc:
        raise TransitionsError([str(exc)]) from None


def compare(
    base_ref: str,
    env: str,
    project_root: Path,
    tenants_dir: Path,
    base_plan_path: Path | None = None,
    head_plan_path: Path | None = None,
    python: str = sys.executable,
) -> TransitionReport:
    """Raises ``git.GitError`` or ``TransitionsError`` (could not run), ``InvalidRegistry``."""
    project_root, tenants_dir = Path(project_root).resolve(), Path(tenants_dir).resolve()
    # The registry may live in another repository than the code (tests, --tenants elsewhere).
    base_states = states_at(git.merge_base(base_ref, git.repo_root(tenants_dir)), tenants_dir)
    head_states = states_in_dir(tenants_dir)
    head = (
        read_plan(head_plan_path) if head_plan_path else head_plan(env, project_root, tenants_dir)
    )
    if base_plan_path:
        base = read_plan(base_plan_path)
    else:
        root = git.repo_root(project_root)
        base = base_plan(
            git.merge_base(base_ref, root), root, project_root, tenants_dir, env, python
        )
    return analyse(base_states, head_states, base, head, env)
