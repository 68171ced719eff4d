"""The pull-request rules on the registry's history: a tenant's file may only be deleted after it
went through ``offboarding``, and a tenant cannot be born in ``offboarding``.

Offboarding is two steps (status ``offboarding`` + ``up`` lifts the protection, then ``destroy``),
so by the time a file is deleted its base version must already say ``status: offboarding``. A new
file that says ``offboarding`` would create a tenant whose stateful resources were never protected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain.registry import Problem
from domain.tiers import Status
from domain.yamlio import Lines, load_yaml_fast, parse_yaml_text
from tenancy.automation import git
from tenancy.automation.base_view import RegistryView


def removed_without_offboarding(
    base_ref: str, tenants_dir: Path, view: RegistryView | None = None
) -> list[Problem]:
    """One problem per tenant file present at ``base_ref`` (its merge base with HEAD) but missing
    from the working tree whose base version's status was not ``offboarding``.

    ``view``: the registry at the base against the working tree, when the caller has one.
    Raises ``git.GitError`` when ``base_ref`` is not a commit or ``tenants_dir`` is outside git.
    """
    view = view or RegistryView.build(base_ref, tenants_dir)
    removed = [n for n in sorted(view.base) if n.endswith(".yaml") and not view.head_exists(n)]
    texts = view.texts(removed)
    problems: list[Problem] = []
    for name in removed:
        problem = _offboarding_problem(name, tenant_doc_of(texts[name]), base_ref)
        if problem is not None:
            problems.append(problem)
    return sorted(problems)


def born_offboarding(
    base_ref: str, tenants_dir: Path, view: RegistryView | None = None
) -> list[Problem]:
    """One problem per tenant file that is new relative to ``base_ref`` (its merge base with HEAD)
    and says ``status: offboarding``. Raises ``git.GitError`` like ``removed_without_offboarding``.
    """
    view = view or RegistryView.build(base_ref, tenants_dir)
    problems: list[Problem] = []
    for path in view.head_files:
        if path.name in view.base:
            continue
        doc, problem = load_yaml_fast(path)
        if problem is None and isinstance(doc, dict) and doc.get("status") == Status.OFFBOARDING:
            problems.append(
                Problem(
                    path.name,
                    "status",
                    Lines(path)(("status",)),
                    f"a new tenant (not in {base_ref}) cannot start as 'offboarding': it would be "
                    "created without deletion protection; use status: active",
                )
            )
    return problems


# Encryption settings a provider applies only at creation: changing one replaces the stateful
# resource (domain/replacement.py: Cloud SQL encryptionKeyName, Firestore cmekConfig are ForceNew
# in terraform-provider-google), so an existing tenant may not change them in its file.
SET_AT_CREATION = {
    "cloudsql_cmek": "its Cloud SQL instances",
    "firestore_cmek": "its Firestore database",
}


def _encryption(doc: dict[str, Any] | None) -> dict[str, bool]:
    section = doc.get("encryption") if isinstance(doc, dict) else None
    section = section if isinstance(section, dict) else {}
    return {key: section.get(key) is True for key in SET_AT_CREATION}


def encryption_changed(
    base_ref: str, tenants_dir: Path, view: RegistryView | None = None
) -> list[Problem]:
    """One problem per existing tenant (in the base and the working tree) whose file changes an
    encryption setting that only applies at creation."""
    view = view or RegistryView.build(base_ref, tenants_dir)
    # A new tenant chooses freely; a file with the base's bytes changes nothing. Only the rest
    # is parsed, and its base version read from git.
    existing = [
        path for path in view.head_files if path.name in view.base and not view.unchanged(path.name)
    ]
    old_texts = view.texts(path.name for path in existing)
    problems: list[Problem] = []
    for path in existing:
        doc, problem = load_yaml_fast(path)
        if problem is not None or not isinstance(doc, dict):
            continue
        before = _encryption(tenant_doc_of(old_texts[path.name]))
        after = _encryption(doc)
        for key, what in SET_AT_CREATION.items():
            if before[key] != after[key]:
                problems.append(
                    Problem(
                        path.name,
                        f"encryption.{key}",
                        Lines(path)(("encryption", key)) or Lines(path)(("encryption",)),
                        f"was {before[key]} in {base_ref}: the key is set when {what} are created "
                        "and changing it replaces them with empty ones; move the data to new "
                        "instances instead (docs/tiers.md)",
                    )
                )
    return problems


def pull_request_problems(
    base_ref: str, tenants_dir: Path, view: RegistryView | None = None
) -> list[Problem]:
    """Every rule that needs the base: deletions without offboarding, tenants born offboarding,
    encryption changes that would replace a tenant's databases."""
    view = view or RegistryView.build(base_ref, tenants_dir)
    return sorted(
        removed_without_offboarding(base_ref, tenants_dir, view)
        + born_offboarding(base_ref, tenants_dir, view)
        + encryption_changed(base_ref, tenants_dir, view)
    )


def tenant_doc_at(commit: str, path: str, cwd: Path) -> dict[str, Any] | None:
    """The mapping in tenant file ``path`` (relative to the repository root) at ``commit``; None
    when
    the file is absent or unreadable there: callers treat an unknown old version conservatively."""
    return tenant_doc_of(git.show_file(commit, path, cwd))


def tenant_doc_of(text: str | None) -> dict[str, Any] | None:
    """The mapping in a tenant file's text; None when absent or unreadable."""
    if text is None:
        return None
    try:
        doc = parse_yaml_text(text)
    except Exception:  # malformed YAML, or a bad tagged value such as `!!int x`
        return None
    return doc if isinstance(doc, dict) else None


def _offboarding_problem(name: str, doc: dict[str, Any] | None, base_ref: str) -> Problem | None:
    how = (
        "offboard in two steps: set status: offboarding and deploy (`tenancy up`), "
        "destroy the stack (`tenancy destroy`), then delete the file"
    )
    if doc is None:
        return Problem(
            name,
            "status",
            None,
            f"tenant file deleted, and its version at {base_ref} cannot be read to confirm "
            f"it was offboarding; {how}",
        )
    status = doc.get("status", Status.ACTIVE.value)
    if status == Status.OFFBOARDING.value:
        return None
    # No line number: the file no longer exists in the tree the reader is looking at.
    return Problem(
        name,
        "status",
        None,
        f"tenant file deleted while its status at {base_ref} was {status!r}, not 'offboarding'; "
        f"{how}",
    )
