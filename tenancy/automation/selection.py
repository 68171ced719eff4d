"""Which stacks an operation acts on, and the guards on them (``tenancy.automation.orchestrator``
runs the operation).

Selection (``resolve_selection``)
  - ``--tenant ID``: that tenant's stack; a free tenant selects the platform stack.
  - ``--changed-since REF`` (``git diff REF...HEAD``, deleted files included):
      * a paying tenant's file changed → its stack; also the platform stack when the tenant is
        new, or its status or tier changed (its Identity Platform tenant lives there for every
        tier);
      * a free tenant's file changed, or a tenant moved into or out of the free tier → the
        platform stack;
      * a paying tenant's file deleted → the platform stack (it removes the tenant's identity);
        its own stack was destroyed during offboarding (noted);
      * ``Pulumi.<env>.yaml`` or shared code (domain.CODE_PACKAGES, __main__.py,
        Pulumi.yaml, pyproject.toml) changed → every stack. Tenant stacks are built by the same code
        and read the environment settings through the platform stack's outputs, so either change can
        alter any of them;
      * a migration under ``migrations/`` changed → every stack whose MigrationJob ships it
        (``domain.stacks.runs_migrations``: the platform stack's free-tier job and every tenant's).
  - neither option: every stack of the environment. Both: the union.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from domain import CODE_PACKAGES
from domain.environment import settings_path
from domain.registry import Registry
from domain.stacks import (
    StackSpec,
    all_stacks,
    has_own_stack,
    platform_stack_name,
    runs_migrations,
    select_stacks,
    tenant_stack_name,
)
from domain.tiers import Status, Tier, tier_spec
from tenancy.automation import git
from tenancy.automation.registry_diff import tenant_doc_at

SHARED_CODE_DIRS = tuple(f"{package}/" for package in CODE_PACKAGES)
MIGRATIONS_DIR = "migrations/"
SHARED_CODE_FILES = ("__main__.py", "Pulumi.yaml", "pyproject.toml")


# --- selection -----------------------------------------------------------------------------------


@dataclass
class ChangeImpact:
    """What a set of changed files means for the stacks of one environment."""

    every_stack: bool = False
    migrations: bool = False  # every stack with a MigrationJob
    platform: bool = False
    tenant_ids: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Selection:
    stacks: list[StackSpec]
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stacks]


def is_shared_code(path: str) -> bool:
    return path.startswith(SHARED_CODE_DIRS) or path in SHARED_CODE_FILES


def _state_at(commit: str, path: str, root: Path) -> tuple[Tier | None, str | None]:
    """Tier and status a tenant file had at ``commit``; None if unknown (the caller is
    conservative)."""
    doc = tenant_doc_at(commit, path, root)
    if doc is None:
        return None, None
    status = str(doc.get("status", Status.ACTIVE.value))
    try:
        return Tier(str(doc.get("tier"))), status
    except ValueError:
        return None, status


def changes_since(ref: str, env: str, registry: Registry, project_root: Path) -> ChangeImpact:
    """Classify ``git diff REF...HEAD`` for environment ``env``."""
    root = git.repo_root(project_root)
    project_prefix = git.relative_to_repo(project_root, root)
    tenants_rel = git.relative_to_repo(registry.directory, root)
    env_file = settings_path(env, project_root).relative_to(project_root).as_posix()
    base = git.merge_base(ref, root)  # also checks that ``ref`` is a commit, for changed_files
    impact = ChangeImpact()

    for change in git.changed_files(ref, root):
        path = change.path
        if project_prefix not in ("", "."):
            if not path.startswith(project_prefix + "/"):
                continue
            path = path[len(project_prefix) + 1 :]
        posix = PurePosixPath(change.path)

        if is_shared_code(path):
            impact.every_stack = True
            impact.reasons.append(f"shared code changed: {path}")
        elif path.startswith(MIGRATIONS_DIR):
            impact.migrations = True
            impact.reasons.append(f"migration changed (shipped by every MigrationJob): {path}")
        elif path == env_file:
            impact.every_stack = True
            impact.reasons.append(f"environment config changed: {path}")
        elif posix.parent.as_posix() == tenants_rel and posix.suffix == ".yaml":
            _classify_tenant_file(change, posix.stem, registry, base, root, env, impact)
    return impact


def _classify_tenant_file(
    change: git.ChangedFile,
    tenant_id: str,
    registry: Registry,
    base: str,
    root: Path,
    env: str,
    impact: ChangeImpact,
) -> None:
    name = PurePosixPath(change.path).name
    tenant = None if change.deleted else registry.get(tenant_id)
    if tenant is not None and not has_own_stack(tenant):
        impact.platform = True
        impact.reasons.append(f"free tenant changed: {name}")
        return

    # The base version (one `git show`) matters only for a removed or a paying tenant.
    base_tier, base_status = (
        _state_at(base, change.path, root) if change.status != "A" else (None, None)
    )
    if tenant is None:
        impact.platform = True
        if base_tier is not None and tier_spec(base_tier).own_stack:
            impact.reasons.append(f"tenant removed, its identity leaves the platform stack: {name}")
            impact.notes.append(
                f"{name} was deleted: stack {tenant_stack_name(env, tenant_id)} is not selected "
                "(offboarding destroys it before the file goes)"
            )
        else:
            # A free tenant, or an old version we cannot read: the platform stack holds free
            # tenants.
            impact.reasons.append(f"free tenant removed: {name}")
        return

    impact.tenant_ids.add(tenant.id)
    impact.reasons.append(f"tenant changed: {name}")
    if base_tier is not None and not tier_spec(base_tier).own_stack:  # it leaves the shared pool
        impact.platform = True
        impact.reasons.append(f"tenant left the free tier: {name}")
    elif change.status == "A" or base_tier is None:
        impact.platform = True
        impact.reasons.append(f"new tenant, its identity is created in the platform stack: {name}")
    elif base_status != tenant.status.value or base_tier != tenant.tier:
        impact.platform = True
        impact.reasons.append(
            f"status or tier changed, the identity in the platform stack follows: {name}"
        )


def resolve_selection(
    registry: Registry,
    env: str,
    tenant_ids: Iterable[str] | None = None,
    changed_since: str | None = None,
    project_root: Path | None = None,
) -> Selection:
    """The stacks to act on, platform first, then tenant stacks by name."""
    wanted = list(tenant_ids or [])
    everything = all_stacks(registry, env)
    if not wanted and not changed_since:
        return Selection(everything, ["no --tenant or --changed-since: every stack"])

    chosen: set[str] = (
        set(s.name for s in select_stacks(registry, env, wanted)) if wanted else set()
    )
    reasons = [f"--tenant {t}" for t in wanted]
    notes: list[str] = []
    if changed_since:
        if project_root is None:
            raise ValueError("--changed-since needs the project root")
        impact = changes_since(changed_since, env, registry, project_root)
        reasons += impact.reasons
        notes += impact.notes
        if impact.every_stack:
            chosen |= {s.name for s in everything}
        if impact.migrations:
            chosen |= {s.name for s in everything if runs_migrations(s)}
        if impact.platform:
            chosen.add(platform_stack_name(env))
        chosen |= {tenant_stack_name(env, t) for t in impact.tenant_ids}
    return Selection([s for s in everything if s.name in chosen], reasons, notes)


# --- guards --------------------------------------------------------------------------------------


def destroy_refusals(
    stacks: list[StackSpec],
    registry: Registry,
    allow_platform: bool,
    requested_tenants: Iterable[str] = (),
) -> list[str]:
    """Why ``destroy`` must not run on these stacks (empty: it may)."""
    refusals: list[str] = []
    for tenant_id in requested_tenants:
        tenant = registry.get(tenant_id)
        if tenant is not None and not has_own_stack(tenant):
            refusals.append(
                f"{tenant_id} is a free tenant: it lives in the platform stack and has no stack "
                "to destroy. "
                "Set status: offboarding, run `tenancy up`, then delete its file and run "
                "`tenancy up` again."
            )
    for spec in stacks:
        if spec.kind == "platform":
            if not allow_platform:
                refusals.append(
                    f"refusing to destroy the platform stack {spec.name}: it holds the shared "
                    "pool and every "
                    "free tenant. Pass --destroy-platform if that is really meant."
                )
        elif spec.tenant is not None and spec.tenant.status != Status.OFFBOARDING:
            file = registry.files.get(spec.tenant.id)
            refusals.append(
                f"refusing to destroy {spec.name}: tenant {spec.tenant.id} has status "
                f"'{spec.tenant.status.value}'. Offboarding is two steps: set status: offboarding "
                f"in {file.name if file else spec.tenant.id + '.yaml'} and run `tenancy up` (that "
                "lifts the resource protection), then destroy."
            )
    return refusals
