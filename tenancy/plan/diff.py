"""Resources added, removed and changed per stack between two plans, as pull-request markdown."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from domain.plan_model import Plan, PlanResource, PlanStack
from tenancy.automation.markdown import code


@dataclass
class StackDiff:
    name: str
    added: list[PlanResource] = field(default_factory=list)
    removed: list[PlanResource] = field(default_factory=list)
    changed: list[tuple[PlanResource, PlanResource, list[str]]] = field(default_factory=list)
    stack_added: bool = False
    stack_removed: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.stack_added or self.stack_removed
        )


def _changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in sorted(set(before) | set(after)):
            sub = f"{prefix}.{key}" if prefix else str(key)
            if key not in before or key not in after:
                paths.append(sub)
            else:
                paths.extend(_changed_paths(before[key], after[key], sub))
        return paths
    return [] if before == after else [prefix or "(value)"]


def _resource_changes(before: PlanResource, after: PlanResource) -> list[str]:
    changes = [f"inputs.{p}" for p in _changed_paths(before.inputs, after.inputs)]
    changes += [
        f"options.{p}" for p in _changed_paths(before.options.__dict__, after.options.__dict__)
    ]
    if before.parent != after.parent:
        changes.append("parent")
    if before.provider != after.provider:
        changes.append("provider")
    if sorted(before.dependencies) != sorted(after.dependencies):
        changes.append("dependencies")
    return changes


def diff_stacks(base: PlanStack | None, head: PlanStack | None) -> StackDiff:
    name = (head or base).name
    diff = StackDiff(name, stack_added=base is None, stack_removed=head is None)
    old = base.by_urn() if base else {}
    new = head.by_urn() if head else {}
    diff.added = [new[u] for u in sorted(set(new) - set(old))]
    diff.removed = [old[u] for u in sorted(set(old) - set(new))]
    for urn in sorted(set(old) & set(new)):
        changes = _resource_changes(old[urn], new[urn])
        if changes:
            diff.changed.append((old[urn], new[urn], changes))
    return diff


def diff_plans(base: Plan, head: Plan) -> list[StackDiff]:
    names = [s.name for s in base.stacks] + [
        s.name for s in head.stacks if base.stack(s.name) is None
    ]
    return [diff_stacks(base.stack(n), head.stack(n)) for n in names]


def _md(text: str) -> str:
    """A name or property path as a table-safe code span (names derive from tenant files)."""
    return code(text, table=True)


def render_markdown(base: Plan, head: Plan, max_rows: int = 200) -> str:
    diffs = diff_plans(base, head)
    changed = [d for d in diffs if not d.empty]
    lines = ["## Offline plan diff", ""]
    if not changed:
        lines.append(f"No changes in {len(diffs)} stack(s).")
        return "\n".join(lines) + "\n"
    lines += ["| stack | added | removed | changed |", "|---|---:|---:|---:|"]
    for d in changed:
        note = " (new stack)" if d.stack_added else " (stack removed)" if d.stack_removed else ""
        lines.append(
            f"| {_md(d.name)}{note} | {len(d.added)} | {len(d.removed)} | {len(d.changed)} |"
        )
    lines.append("")
    for d in changed:
        lines += [
            f"<details><summary><code>{html.escape(d.name)}</code>: "
            f"+{len(d.added)} -{len(d.removed)} ~{len(d.changed)}</summary>",
            "",
        ]
        rows = ["| | type | name | detail |", "|---|---|---|---|"]
        for r in d.added:
            rows.append(
                f"| + | `{r.type}` | {_md(r.name)} | {'protected' if r.options.protect else ''} |"
            )
        for r in d.removed:
            warn = (
                "**protected: removal will fail until offboarding lifts protection**"
                if r.options.protect
                else ""
            )
            rows.append(f"| - | `{r.type}` | {_md(r.name)} | {warn} |")
        for _, after, paths in d.changed:
            shown = ", ".join(_md(p) for p in paths[:8]) + (
                f" and {len(paths) - 8} more" if len(paths) > 8 else ""
            )
            rows.append(f"| ~ | `{after.type}` | {_md(after.name)} | {shown} |")
        if len(rows) - 2 > max_rows:
            rows = [*rows[: max_rows + 2], f"| | | | … {len(rows) - 2 - max_rows} more rows |"]
        lines += [*rows, "", "</details>", ""]
    return "\n".join(lines)
