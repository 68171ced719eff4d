"""Resources added, removed and changed per stack between two plans, as pull-request markdown.

What a reviewer needs first comes first: banners when protection is lifted or a stateful
resource is deleted or replaced, then one table row per changed stack, then per stack the
resources grouped by component (in the order a reader builds the picture), each changed input
with its old and new value. Secrets are already masked in the plans ("[secret]").
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.plan_model import Plan, PlanResource, PlanStack
from tenancy.plan.markdown import Details, code

# The order a reader builds the picture: where it runs, then identity, data, then the workload.
COMPONENT_ORDER = (
    "tenancy:tiers:SharedPool",
    "tenancy:tiers:NamespaceTenant",
    "tenancy:tiers:DedicatedCluster",
    "tenancy:blocks:TenantProject",
    "tenancy:blocks:TenantServices",
    "tenancy:blocks:Network",
    "tenancy:blocks:GkeCluster",
    "tenancy:blocks:IngressController",
    "tenancy:blocks:NamespaceBaseline",
    "tenancy:blocks:WorkloadIdentity",
    "tenancy:blocks:IdentityPlatformTenant",
    "tenancy:blocks:PostgresSet",
    "tenancy:blocks:Neo4j",
    "tenancy:blocks:FirestoreDatabase",
    "tenancy:blocks:TenantBucket",
    "tenancy:blocks:TemporalNamespace",
    "tenancy:blocks:TenantIngress",
    "tenancy:blocks:TenantApplication",
    "tenancy:blocks:MigrationJob",
)
STACK_GROUP = "stack"
VALUE_CHARS = 80  # an old or new value longer than this is shortened in the comment
MAX_VALUE_ROWS = 8  # changed inputs shown per resource before "and N more"


def is_stateful(resource: PlanResource, by_urn: dict[str, PlanResource] | None = None) -> bool:
    """Whether losing the resource loses data or identities (domain.replacement)."""
    from domain.replacement import stateful_kind

    parent = (by_urn or {}).get(resource.parent) if resource.parent else None
    if stateful_kind(resource.type, parent.type if parent else None) is not None:
        return True
    chart = str(resource.inputs.get("chart") or "")
    return resource.type == "kubernetes:helm.sh/v3:Release" and chart.rsplit("/", 1)[-1] == "neo4j"


@dataclass
class Change:
    path: str  # "inputs.settings.tier", "options.protect", "parent", ...
    before: Any
    after: Any


@dataclass
class StackDiff:
    name: str
    added: list[PlanResource] = field(default_factory=list)
    removed: list[PlanResource] = field(default_factory=list)
    changed: list[tuple[PlanResource, PlanResource, list[str]]] = field(default_factory=list)
    stack_added: bool = False
    stack_removed: bool = False
    values: dict[str, list[Change]] = field(default_factory=dict)  # urn -> changes with values
    base: PlanStack | None = None
    head: PlanStack | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.stack_added or self.stack_removed
        )


_MISSING = object()


def _changes(before: Any, after: Any, prefix: str) -> list[Change]:
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            sub = f"{prefix}.{key}" if prefix else str(key)
            old, new = before.get(key, _MISSING), after.get(key, _MISSING)
            if old is _MISSING or new is _MISSING:
                found.append(Change(sub, old, new))
            else:
                found.extend(_changes(old, new, sub))
        return found
    return [] if before == after else [Change(prefix or "(value)", before, after)]


def resource_changes(before: PlanResource, after: PlanResource) -> list[Change]:
    found = _changes(before.inputs, after.inputs, "inputs")
    found += _changes(before.options.__dict__, after.options.__dict__, "options")
    for attribute in ("parent", "provider"):
        if getattr(before, attribute) != getattr(after, attribute):
            found.append(Change(attribute, getattr(before, attribute), getattr(after, attribute)))
    if sorted(before.dependencies) != sorted(after.dependencies):
        found.append(Change("dependencies", before.dependencies, after.dependencies))
    return found


def _resource_changes(before: PlanResource, after: PlanResource) -> list[str]:
    return [c.path for c in resource_changes(before, after)]


def diff_stacks(base: PlanStack | None, head: PlanStack | None) -> StackDiff:
    either = head or base
    if either is None:
        raise ValueError("diff_stacks needs at least one side")
    diff = StackDiff(
        either.name, stack_added=base is None, stack_removed=head is None, base=base, head=head
    )
    if base is not None and head is not None and base.key and base.key == head.key:
        return diff  # same content key: the same inputs, so the same plan
    old = base.by_urn() if base else {}
    new = head.by_urn() if head else {}
    diff.added = [new[u] for u in sorted(set(new) - set(old))]
    diff.removed = [old[u] for u in sorted(set(old) - set(new))]
    for urn in sorted(set(old) & set(new)):
        changes = resource_changes(old[urn], new[urn])
        if changes:
            diff.changed.append((old[urn], new[urn], [c.path for c in changes]))
            diff.values[urn] = changes
    return diff


def comparable_names(base: Plan, head: Plan) -> tuple[list[str], list[str]]:
    """Stack names to compare, and the ones left out because only one side's selection had them."""
    names = [s.name for s in base.stacks] + [
        s.name for s in head.stacks if base.stack(s.name) is None
    ]
    if not selections_differ(base, head):
        return names, []
    # A stack the other side was not asked to plan is not added or removed: it was not selected.
    both = {s.name for s in base.stacks} & {s.name for s in head.stacks}
    return [n for n in names if n in both], [n for n in names if n not in both]


def selections_differ(base: Plan, head: Plan) -> bool:
    if base.selection is None or head.selection is None:
        return False
    return base.selection != head.selection


def diff_plans(base: Plan, head: Plan) -> list[StackDiff]:
    names, _ = comparable_names(base, head)
    return [diff_stacks(base.stack(n), head.stack(n)) for n in names]


# --- what a reviewer must not miss ---------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    kind: str  # "protection lifted" | "stateful deleted" | "stateful replaced"
    stack: str
    resource: PlanResource
    detail: str


def _leaf(path: str) -> str:
    return path.split(".", 1)[1] if path.startswith("inputs.") else path


def alerts(diffs: Iterable[StackDiff]) -> list[Alert]:
    from domain.replacement import replace_reasons

    found: list[Alert] = []
    for d in diffs:
        head_urns = d.head.by_urn() if d.head else {}
        base_urns = d.base.by_urn() if d.base else {}
        added_by_type: dict[str, list[PlanResource]] = {}
        for r in d.added:
            added_by_type.setdefault(r.type, []).append(r)
        for before, after, _ in d.changed:
            if before.options.protect and not after.options.protect:
                found.append(Alert("protection lifted", d.name, after, "`protect` true → false"))
            if is_stateful(after, head_urns):
                forcing = replace_reasons(after.type, before.inputs, after.inputs)
                if forcing:
                    found.append(
                        Alert(
                            "stateful replaced",
                            d.name,
                            after,
                            "changes " + ", ".join(code(p) for p in forcing),
                        )
                    )
        for r in d.removed:
            if not is_stateful(r, base_urns):
                continue
            twin = next(
                (a for a in added_by_type.get(r.type, []) if a.name != r.name or a.urn != r.urn),
                None,
            )
            if twin is not None and not d.stack_removed:
                found.append(
                    Alert(
                        "stateful replaced", d.name, r, f"its urn changes (new: {code(twin.name)})"
                    )
                )
            else:
                guard = (
                    "protected: the deletion fails until offboarding lifts protection"
                    if r.options.protect
                    else "not protected: the data is deleted"
                )
                found.append(Alert("stateful deleted", d.name, r, guard))
    return found


def render_alerts(found: list[Alert]) -> list[str]:
    if not found:
        return []
    lines = ["> [!WARNING]"]
    titles = {
        "protection lifted": "Protection lifted",
        "stateful deleted": "Stateful resource deleted",
        "stateful replaced": "Stateful resource replaced (data is not carried over)",
    }
    for kind in ("protection lifted", "stateful deleted", "stateful replaced"):
        mine = [a for a in found if a.kind == kind]
        if not mine:
            continue
        stacks = sorted({a.stack for a in mine})
        lines.append(
            f"> **{titles[kind]}**: {len(mine)} resource(s) in "
            + ", ".join(code(s) for s in stacks)
        )
        for a in mine[:20]:
            lines.append(
                f"> - {code(a.stack)} {code(a.resource.type)} {code(a.resource.name)}: {a.detail}"
            )
        if len(mine) > 20:
            lines.append(f"> - … and {len(mine) - 20} more")
    return [*lines, ""]


# --- grouping by component -----------------------------------------------------------------------


def component_of(resource: PlanResource, by_urn: dict[str, PlanResource]) -> PlanResource | None:
    """The nearest block component above the resource (or the tier component, or None)."""
    tier = None
    current: PlanResource | None = resource
    seen = 0
    while current is not None and seen < 64:
        if not current.custom and current.type.startswith("tenancy:blocks:"):
            return current
        if not current.custom and current.type.startswith("tenancy:tiers:"):
            tier = tier or current
        current = by_urn.get(current.parent) if current.parent else None
        seen += 1
    return tier


def _group_rank(component: PlanResource | None) -> tuple[int, str]:
    if component is None:
        return (-1, "")
    try:
        return (COMPONENT_ORDER.index(component.type), component.name)
    except ValueError:
        return (len(COMPONENT_ORDER), component.type + component.name)


def fmt_value(value: Any) -> str:
    if value is _MISSING:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > VALUE_CHARS:
        text = text[: VALUE_CHARS - 1] + "…"
    return code(text)


def _change_text(changes: list[Change]) -> str:
    shown = [
        f"{code(_leaf(c.path))}: {fmt_value(c.before)} → {fmt_value(c.after)}"
        if c.path != "dependencies"
        else f"{code('dependencies')} changed"
        for c in changes[:MAX_VALUE_ROWS]
    ]
    more = len(changes) - MAX_VALUE_ROWS
    return "<br>".join(shown) + (f"<br>and {more} more" if more > 0 else "")


def stack_rows(d: StackDiff) -> list[tuple[str, list[str]]]:
    """(group heading, table rows) per component, in reading order."""
    head_urns = d.head.by_urn() if d.head else {}
    base_urns = d.base.by_urn() if d.base else {}
    entries: list[tuple[PlanResource | None, int, str, str]] = []
    for r in d.added:
        detail = "protected" if r.options.protect else ""
        row = f"| + | {code(r.type)} | {code(r.name)} | {detail} |"
        entries.append((component_of(r, head_urns), 0, r.type + r.name, row))
    for r in d.removed:
        warn = (
            "**protected: removal will fail until offboarding lifts protection**"
            if r.options.protect
            else ""
        )
        row = f"| - | {code(r.type)} | {code(r.name)} | {warn} |"
        entries.append((component_of(r, base_urns), 1, r.type + r.name, row))
    for _, after, _paths in d.changed:
        row = (
            f"| ~ | {code(after.type)} | {code(after.name)} | {_change_text(d.values[after.urn])} |"
        )
        entries.append((component_of(after, head_urns), 2, after.type + after.name, row))
    groups: dict[str, tuple[tuple[int, str], list[tuple[int, str, str]]]] = {}
    for component, order, sort_key, row in entries:
        heading = (
            STACK_GROUP
            if component is None
            else f"{component.type.rsplit(':', 1)[-1]} {code(component.name)}"
        )
        rank = _group_rank(component)
        groups.setdefault(heading, (rank, []))[1].append((order, sort_key, row))
    ordered = sorted(groups.items(), key=lambda kv: kv[1][0])
    return [(heading, [row for *_, row in sorted(rows)]) for heading, (_, rows) in ordered]


def stack_details(d: StackDiff) -> Details:
    note = " (new stack)" if d.stack_added else " (stack removed)" if d.stack_removed else ""
    counts = f"+{len(d.added)} -{len(d.removed)} ~{len(d.changed)}"
    summary = f"<code>{html.escape(d.name)}</code>{note}: {counts}"
    blocks = []
    for heading, rows in stack_rows(d):
        blocks.append(
            (
                f"**{heading}**",
                ["| | type | name | change |", "|---|---|---|---|", *rows],
            )
        )
    return Details(summary, blocks)


def render_markdown(base: Plan, head: Plan, max_rows: int = 200) -> str:
    names, skipped = comparable_names(base, head)
    diffs = [diff_stacks(base.stack(n), head.stack(n)) for n in names]
    changed = [d for d in diffs if not d.empty]
    lines = ["## Offline plan diff", ""]
    if skipped:
        assert base.selection is not None and head.selection is not None  # they differ
        lines += [
            f"> [!NOTE]\n> The plans were made for different stack selections (base: "
            f"{base.selection.describe()}; head: {head.selection.describe()}). "
            f"{len(skipped)} stack(s) planned on one side only are not compared: "
            + ", ".join(code(n) for n in skipped[:10])
            + (" …" if len(skipped) > 10 else ""),
            "",
        ]
    lines += render_alerts(alerts(changed))
    if not changed:
        lines.append(f"No changes in {len(diffs)} stack(s).")
        return "\n".join(lines) + "\n"
    lines += ["| stack | added | removed | changed |", "|---|---:|---:|---:|"]
    for d in changed:
        note = " (new stack)" if d.stack_added else " (stack removed)" if d.stack_removed else ""
        lines.append(
            f"| {code(d.name)}{note} | {len(d.added)} | {len(d.removed)} | {len(d.changed)} |"
        )
    lines.append("")
    for d in changed:
        lines += [stack_details(d).render(max_rows), ""]
    return "\n".join(lines)
