"""The pull-request rule for tier changes: ``validate --base`` refuses a tier change the platform
has no safe path for (every downgrade, and skipping a tier).

A downgrade would remove the tenant's dedicated stack, with its databases, bucket and Neo4j
volumes, before any data is moved back to the shared pool. It needs an explicit path with its own
data move, which does not exist yet (docs/lifecycle.md#downgrade); until then the change is
refused here, before anything is planned or deployed. Deleting a tenant stays two steps
(``registry_diff.removed_without_offboarding``).
"""

from __future__ import annotations

from pathlib import Path

from domain.lifecycle import tier_path
from domain.registry import Problem
from tenancy.automation import git
from tenancy.lifecycle.transitions import states_at, states_in_dir


def tier_changes_without_path(base_ref: str, tenants_dir: Path) -> list[Problem]:
    """One problem per tenant file whose tier changed since ``base_ref`` (its merge base with
    HEAD) with no safe path. Raises ``git.GitError`` for an unknown ref."""
    tenants_dir = Path(tenants_dir)
    root = git.repo_root(tenants_dir)
    base = git.merge_base(base_ref, root)
    before = states_at(base, tenants_dir)
    problems = []
    for tenant_id, after in sorted(states_in_dir(tenants_dir).items()):
        old = before.get(tenant_id)
        if old is None or old.tier == after.tier:
            continue
        safe, why = tier_path(old.tier, after.tier)
        if not safe:
            problems.append(
                Problem(
                    f"{tenant_id}.yaml",
                    "tier",
                    _tier_line(tenants_dir / f"{tenant_id}.yaml"),
                    f"tier changed from {old.tier!r} at {base_ref} to {after.tier!r}: {why}",
                )
            )
    return problems


def _tier_line(path: Path) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("tier:"):
                return number
    except OSError:
        return None
    return None
