"""``tenancy transitions``: name each tenant's transition between two registries and judge it on the
two offline plans.

Building blocks: the plan diff (``tenancy.plan.diff.diff_plans``) gives each stack's added,
removed and changed resources; ``domain.replacement`` says which changes force a replacement and
which resources hold state; ``domain.lifecycle`` names the transition, knows the tier paths and the
declared state moves. Each resource is attributed to a tenant (its stack's tenant, or in the
platform stack the tenant whose id prefixes its name or an ancestor's); the rest is "shared".

Unsafe (exit 1):
- a stateful or identity resource deleted, replaced, or moved to another stack or URN (without a
  declared state move) while its tenant is not offboarding; for shared resources, always;
- any other protected resource (a custom IAM role) deleted or replaced while its tenant is not
  offboarding: Pulumi refuses to delete it, so removing it is an explicit step (docs/lifecycle.md,
  "Removing an enterprise option");
- a tier change the platform has no path for; a tenant file deleted without offboarding first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from domain.lifecycle import (
    Kind,
    StateMove,
    TenantState,
    classify,
    identity_move,
    is_declared_move,
    tier_path,
)
from domain.plan_model import Plan, PlanResource, PlanStack
from domain.provider_facts import (
    CUSTOM_ROLE_ID_REUSE_DAYS,
    CUSTOM_ROLE_TYPE,
    CUSTOM_ROLE_UNDELETE_DAYS,
)
from domain.replacement import K8S_PROVIDER_REPLACING_INPUTS, replace_reasons, stateful_kind
from domain.tiers import Status
from domain.yamlio import parse_yaml_text
from tenancy.plan.diff import diff_plans

if TYPE_CHECKING:
    from tenancy.automation.base_view import RegistryView

SHARED = "(shared)"


# --- registry states -----------------------------------------------------------------------------


def state_of(doc: Any) -> TenantState | None:
    if not isinstance(doc, dict):
        return None
    return TenantState(
        str(doc.get("tier", "?")), str(doc.get("status", Status.ACTIVE.value) or "active")
    )


def states_in_dir(tenants_dir: Path) -> dict[str, TenantState]:
    """Tier and status of every tenant file in a directory (unreadable files are skipped:
    validation reports them)."""
    states: dict[str, TenantState] = {}
    for path in sorted(Path(tenants_dir).glob("*.yaml")):
        state = state_in_file(path)
        if state is not None:
            states[path.stem] = state
    return states


def state_in_file(path: Path) -> TenantState | None:
    """A tenant file's tier and status, as ``states_in_dir`` reads it; None when unreadable."""
    try:
        return state_of(parse_yaml_text(path.read_text(encoding="utf-8")))
    except Exception:  # validation names the problem; here the file has no state
        return None


def states_at(
    commit: str, tenants_dir: Path, view: RegistryView | None = None
) -> dict[str, TenantState]:
    """Tier and status of every tenant file at ``commit`` (a commit id, see git.merge_base).
    ``view``: the registry at ``commit`` against the working tree, when the caller has one (an
    unchanged file's base version is then the working file's bytes, not read from git)."""
    from tenancy.automation.base_view import RegistryView
    from tenancy.automation.registry_diff import tenant_doc_of

    view = view or RegistryView.at(commit, tenants_dir)
    names = [n for n in sorted(view.base) if n.endswith(".yaml")]
    texts = view.texts(names)
    states: dict[str, TenantState] = {}
    for name in names:
        state = state_of(tenant_doc_of(texts[name]))
        if state is not None:
            states[name[: -len(".yaml")]] = state
    return states


# --- resources -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceRef:
    stack: str
    type: str
    name: str
    urn: str  # the engine's URN: stack, the parents' type chain, type, name
    stateful: str | None = None
    protected: bool = False  # `protect` in the plan: Pulumi refuses to delete it

    def label(self) -> str:
        return f"{self.type}::{self.name} ({self.stack})"


@dataclass
class Moved:
    before: ResourceRef
    after: ResourceRef
    declared: StateMove | None = None


@dataclass
class Replaced:
    resource: ResourceRef
    inputs: list[str]


@dataclass
class Entry:
    tenant: str
    before: TenantState | None = None
    after: TenantState | None = None
    kind: str = Kind.CHANGE.value
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created: list[ResourceRef] = field(default_factory=list)
    changed: list[ResourceRef] = field(default_factory=list)
    replaced: list[Replaced] = field(default_factory=list)
    deleted: list[ResourceRef] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.reasons

    @property
    def touched(self) -> bool:
        return bool(self.created or self.changed or self.replaced or self.deleted or self.moved)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": None if self.tenant == SHARED else self.tenant,
            "from": self.before.to_dict() if self.before else None,
            "to": self.after.to_dict() if self.after else None,
            "kind": self.kind,
            "safe": self.safe,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "resources": {
                "created": [r.urn for r in self.created],
                "changed": [r.urn for r in self.changed],
                "replaced": [{"urn": r.resource.urn, "inputs": r.inputs} for r in self.replaced],
                "deleted": [r.urn for r in self.deleted],
                "moved": [
                    {
                        "from": m.before.urn,
                        "to": m.after.urn,
                        "declared_state_move": m.declared is not None,
                    }
                    for m in self.moved
                ],
            },
        }


@dataclass
class TransitionReport:
    entries: list[Entry]
    shared: Entry

    @property
    def safe(self) -> bool:
        return all(e.safe for e in self.entries) and self.shared.safe

    def entry(self, tenant: str) -> Entry | None:
        return next((e for e in self.entries if e.tenant == tenant), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "safe": self.safe,
            "transitions": [e.to_dict() for e in self.entries],
            "shared": self.shared.to_dict(),
        }

    def write_json(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


class _StackIndex:
    """Engine URNs and tenant attribution for one stack of a plan."""

    def __init__(self, stack: PlanStack, tenant_ids: list[str]):
        self.stack = stack
        self.by_urn = stack.by_urn()
        self._ids = sorted(tenant_ids, key=len, reverse=True)
        self._urns: dict[str, str] = {}

    def parent_type(self, r: PlanResource) -> str | None:
        parent = self.by_urn.get(r.parent or "")
        return parent.type if parent else None

    def engine_urn(self, r: PlanResource) -> str:
        """``urn:pulumi:<stack>::<project>::<parent types joined by $>$<type>::<name>``."""
        if r.urn in self._urns:
            return self._urns[r.urn]
        types = [r.type]
        parent = self.by_urn.get(r.parent or "")
        while parent is not None and parent.type != "pulumi:pulumi:Stack":
            types.append(parent.type)
            parent = self.by_urn.get(parent.parent or "")
        prefix = r.urn.split("::", 2)
        project = prefix[1] if len(prefix) > 2 else "tenancy"
        urn = f"urn:pulumi:{self.stack.name}::{project}::{'$'.join(reversed(types))}::{r.name}"
        self._urns[r.urn] = urn
        return urn

    def ref(self, r: PlanResource) -> ResourceRef:
        return ResourceRef(
            self.stack.name,
            r.type,
            r.name,
            self.engine_urn(r),
            stateful_kind(r.type, self.parent_type(r)),
            bool(r.options.protect),
        )

    def tenant_of(self, r: PlanResource) -> str:
        if self.stack.tenant:
            return self.stack.tenant
        current: PlanResource | None = r
        while current is not None:
            for tenant_id in self._ids:
                if current.name.startswith(f"{tenant_id}-"):
                    return tenant_id
            current = self.by_urn.get(current.parent or "")
        return SHARED


# --- the analysis --------------------------------------------------------------------------------


def analyse(
    base_states: dict[str, TenantState],
    head_states: dict[str, TenantState],
    base_plan: Plan,
    head_plan: Plan,
    env: str,
    moves: list[StateMove] | None = None,
) -> TransitionReport:
    tenant_ids = sorted(set(base_states) | set(head_states))
    if moves is None:
        moves = [identity_move(env, t) for t in tenant_ids]
    entries: dict[str, Entry] = {
        t: Entry(t, base_states.get(t), head_states.get(t)) for t in tenant_ids
    }
    shared = Entry(SHARED)

    def entry(tenant: str) -> Entry:
        if tenant == SHARED:
            return shared
        return entries.setdefault(tenant, Entry(tenant))

    base_index = {s.name: _StackIndex(s, tenant_ids) for s in base_plan.stacks}
    head_index = {s.name: _StackIndex(s, tenant_ids) for s in head_plan.stacks}
    removed: list[tuple[str, ResourceRef]] = []
    added: list[tuple[str, ResourceRef]] = []

    for d in diff_plans(base_plan, head_plan):
        # A side is None only for a stack the other side lacks, whose lists then stay empty.
        old = cast(_StackIndex, base_index.get(d.name))
        new = cast(_StackIndex, head_index.get(d.name))
        for r in d.removed:
            removed.append((old.tenant_of(r), old.ref(r)))
        for r in d.added:
            added.append((new.tenant_of(r), new.ref(r)))
        replaced_providers = {
            after.urn
            for before, after, paths in d.changed
            if after.type == "pulumi:providers:kubernetes"
            and any(p.split(".")[1] in K8S_PROVIDER_REPLACING_INPUTS for p in paths if "." in p)
        }
        for before, after, _paths in d.changed:
            before_ref, after_ref = old.ref(before), new.ref(after)
            tenant = new.tenant_of(after)
            if before_ref.urn != after_ref.urn:  # re-parented: the engine sees another URN
                removed.append((old.tenant_of(before), before_ref))
                added.append((tenant, after_ref))
                continue
            inputs = replace_reasons(after.type, before.inputs, after.inputs)
            if after.provider in replaced_providers:
                inputs.append("provider (its cluster changed: every object is replaced)")
            if inputs:
                entry(tenant).replaced.append(Replaced(after_ref, inputs))
            else:
                entry(tenant).changed.append(after_ref)

    # A resource that left one place and appeared in another (same type and name) was moved.
    arrivals: dict[tuple[str, str], list[tuple[str, ResourceRef]]] = {}
    for tenant, ref in added:
        arrivals.setdefault((ref.type, ref.name), []).append((tenant, ref))
    for tenant, ref in removed:
        candidates = arrivals.get((ref.type, ref.name))
        if candidates:
            _, target = candidates.pop(0)
            declared = is_declared_move(moves, ref.type, ref.name, ref.stack, target.stack)
            entry(tenant).moved.append(Moved(ref, target, declared))
        else:
            entry(tenant).deleted.append(ref)
    for remaining in arrivals.values():
        for tenant, ref in remaining:
            entry(tenant).created.append(ref)

    for e in entries.values():
        _judge(e, env)
    _judge_resources(shared, offboarding=False)
    ordered = [e for e in entries.values() if e.before != e.after or e.touched]
    return TransitionReport(sorted(ordered, key=lambda e: e.tenant), shared)


def _judge(e: Entry, env: str) -> None:
    e.kind = classify(e.before, e.after).value if (e.before or e.after) else Kind.CHANGE.value
    if e.before is None and e.after is None:  # resources named after an unknown id
        _judge_resources(e, offboarding=False)
        return
    if e.kind == Kind.DELETE and e.before and e.before.status != Status.OFFBOARDING:
        e.reasons.append(
            f"tenant file deleted while its status was {e.before.status!r}: set status "
            "offboarding and deploy first (two steps: start offboarding, then delete)"
        )
    if e.before and e.after and e.before.tier != e.after.tier:
        ok, why = tier_path(e.before.tier, e.after.tier)
        (e.notes if ok else e.reasons).append(why)
    if e.kind == Kind.SUSPEND:
        e.notes.append(
            "suspend: sign-in disabled, traffic answered with the maintenance response, "
            "workloads scaled to zero, Temporal API key disabled; data and protection unchanged"
        )
    offboarding = any(s is not None and s.status == Status.OFFBOARDING for s in (e.before, e.after))
    _judge_resources(e, offboarding)


def _judge_resources(e: Entry, offboarding: bool) -> None:
    whose = "shared resource" if e.tenant == SHARED else f"tenant {e.tenant!r} is not offboarding"
    if offboarding:
        return
    for ref in e.deleted:
        if ref.stateful:
            e.reasons.append(f"{ref.stateful} {ref.label()} would be deleted ({whose})")
        elif ref.protected:
            e.reasons.append(protected_removal(ref, "deleted", whose))
    for r in e.replaced:
        if r.resource.stateful:
            e.reasons.append(
                f"{r.resource.stateful} {r.resource.label()} would be replaced (deleted and "
                f"recreated) because {', '.join(r.inputs)} changed ({whose})"
            )
        elif r.resource.protected:
            e.reasons.append(protected_removal(r.resource, "replaced", whose))
    for m in e.moved:
        if not m.before.stateful:
            continue
        if m.declared is not None:
            e.notes.append(
                f"{m.before.stateful} {m.before.name} moves {m.before.stack} -> {m.after.stack} "
                f"by a declared `pulumi state move` ({m.declared.reason}); run "
                "`tenancy state-moves --execute` before `tenancy up`"
            )
        else:
            e.reasons.append(
                f"{m.before.stateful} {m.before.name} moves from {m.before.urn} to "
                f"{m.after.urn}: Pulumi would delete it and create a new one ({whose})"
            )


def protected_removal(ref: ResourceRef, how: str, whose: str) -> str:
    """Why a protected resource's removal is not a plain deploy, and the explicit steps."""
    steps = (
        f"protected {ref.label()} would be {how} ({whose}): Pulumi refuses to delete a protected "
        f"resource, so `tenancy up` fails. To remove it on purpose: `pulumi state unprotect "
        f"--stack {ref.stack} '{ref.urn}'`, then deploy (docs/lifecycle.md, \"Removing an "
        'enterprise option")'
    )
    if ref.type == CUSTOM_ROLE_TYPE:
        steps += (
            f". GCP soft-deletes a custom role: it can be undeleted for "
            f"{CUSTOM_ROLE_UNDELETE_DAYS} days, and its id cannot be used again for up to "
            f"{CUSTOM_ROLE_ID_REUSE_DAYS} days; grants that name it stop working at once"
        )
    return steps


# --- markdown ------------------------------------------------------------------------------------


def _state(s: TenantState | None) -> str:
    return f"{s.tier}/{s.status}" if s else "—"


def summary_lines(report: TransitionReport, max_items: int = 25) -> list[str]:
    """The verdict and every reason and note: what a reviewer must read (never shortened)."""
    from tenancy.plan.markdown import cell, code

    rows = [*report.entries, *([report.shared] if report.shared.touched else [])]
    if not rows:
        return ["No tenant changes state, and no tenant's resources change."]
    kinds: dict[str, int] = {}
    for e in rows:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    unsafe = [e for e in rows if not e.safe]
    verdict = f"**{len(unsafe)} unsafe transition(s)**" if unsafe else "every transition is safe"
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    lines = [f"{len(rows)} tenant(s) affected ({counts}); {verdict}."]
    for e in rows:
        if not (e.reasons or e.notes):
            continue
        lines += ["", f"{'❌' if e.reasons else 'ℹ️'} {code(e.tenant)}: {cell(e.kind)}"]
        lines += [f"- ❌ {cell(r)}" for r in e.reasons[:max_items]]
        lines += [f"- {cell(n)}" for n in e.notes[:max_items]]
        extra = max(0, len(e.reasons) - max_items) + max(0, len(e.notes) - max_items)
        if extra:
            lines.append(f"- … and {extra} more (run `tenancy transitions` locally)")
    return lines


def table_lines(report: TransitionReport) -> list[str]:
    """One row per affected tenant: verdict, states, transition and resource counts."""
    from tenancy.plan.markdown import code

    rows = [*report.entries, *([report.shared] if report.shared.touched else [])]
    lines = [
        "| verdict | tenant | from | to | transition "
        "| created | changed | replaced | deleted | moved |",
        "|---|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for e in rows:
        lines.append(
            f"| {'✅ safe' if e.safe else '❌ unsafe'} | {code(e.tenant)} | {_state(e.before)} | "
            f"{_state(e.after)} | {e.kind} | {len(e.created)} | {len(e.changed)} | "
            f"{len(e.replaced)} | {len(e.deleted)} | {len(e.moved)} |"
        )
    return lines


def resource_lines(report: TransitionReport) -> list[str]:
    """The replaced, deleted and moved resources, one row each."""
    from tenancy.plan.markdown import cell, code

    lines = ["| tenant | resource | stack | what |", "|---|---|---|---|"]
    for e in [*report.entries, report.shared]:
        for r in e.replaced:
            what = f"replaced: {', '.join(r.inputs)}"
            lines.append(
                f"| {code(e.tenant)} | {code(r.resource.type + '::' + r.resource.name)} | "
                f"{code(r.resource.stack)} | {cell(what)} |"
            )
        for ref in e.deleted:
            lines.append(
                f"| {code(e.tenant)} | {code(ref.type + '::' + ref.name)} | {code(ref.stack)} | "
                f"deleted{' (stateful)' if ref.stateful else ''} |"
            )
        for m in e.moved:
            lines.append(
                f"| {code(e.tenant)} | {code(m.before.type + '::' + m.before.name)} | "
                f"{code(m.before.stack)} → {code(m.after.stack)} | "
                f"moved{' (declared state move)' if m.declared else ''} |"
            )
    return lines


def render_markdown(report: TransitionReport) -> str:
    lines = ["## Tenant transitions", "", *summary_lines(report)]
    if report.entries or report.shared.touched:
        lines += ["", *table_lines(report)]
        resources = resource_lines(report)
        if len(resources) > 2:
            lines += ["", "### Replaced, deleted and moved resources", "", *resources]
    return "\n".join(lines) + "\n"
