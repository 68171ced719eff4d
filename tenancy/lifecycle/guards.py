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

from domain.lifecycle import TenantState, tier_path
from domain.registry import Problem
from tenancy.automation.base_view import RegistryView
from tenancy.automation.registry_diff import tenant_doc_of
from tenancy.lifecycle.transitions import state_in_file, state_of


def tier_changes_without_path(
    base_ref: str, tenants_dir: Path, view: RegistryView | None = None
) -> list[Problem]:
    """One problem per tenant file whose tier changed since ``base_ref`` (its merge base with
    HEAD) with no safe path. Raises ``git.GitError`` for an unknown ref.

    Only files in both trees whose bytes differ are read: a file with the base's bytes has the
    base's tier (``view``: the registry at the base against the working tree, when the caller
    has one)."""
    tenants_dir = Path(tenants_dir)
    view = view or RegistryView.build(base_ref, tenants_dir)
    after: dict[str, TenantState] = {}
    for name in sorted(view.base):
        tenant_id = name[: -len(".yaml")]
        # states_at keys by name, states_in_dir by stem: ".yaml" alone is in neither both
        if not name.endswith(".yaml") or Path(name).stem != tenant_id or view.unchanged(name):
            continue
        state = state_in_file(tenants_dir / name)
        if state is not None:
            after[tenant_id] = state
    texts = view.texts(f"{tenant_id}.yaml" for tenant_id in after)
    problems = []
    for tenant_id, new in sorted(after.items()):
        old = state_of(tenant_doc_of(texts[f"{tenant_id}.yaml"]))
        if old is None or old.tier == new.tier:
            continue
        safe, why = tier_path(old.tier, new.tier)
        if not safe:
            problems.append(
                Problem(
                    f"{tenant_id}.yaml",
                    "tier",
                    _tier_line(tenants_dir / f"{tenant_id}.yaml"),
                    f"tier changed from {old.tier!r} at {base_ref} to {new.tier!r}: {why}",
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
