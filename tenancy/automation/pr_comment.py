"""``tenancy pr-comment``: one markdown document for a pull request.

The document is a list of sections, each made by a *section builder*: a function that takes the
``CommentContext`` (both sides' registries and plans, the stack diffs, the policy results) and
returns a ``Section`` or None. ``SECTION_BUILDERS`` lists them in reading order; a new section
(transitions, cost, ...) is one builder added to that list.

Reading order: a summary (one line per changed tenant, the result of every section, the banners
a reviewer must not miss), then the sections. The comment fits GitHub's limit: the plan details
are shortened first; the summary and every section marked ``essential`` are never cut, and every
``<details>`` is closed.

Each side's plan is made by that side's own code: the head in this process (``pr-comment`` runs
from the head's checkout), the base by its own ``python -m tenancy.cli plan`` in a temporary
``git worktree`` of the merge base. Only the stacks whose content key differs between the sides
are planned (``tenancy.plan.keys``); everything else comes from the plan cache
(``tenancy.plan.cache``), policy results included.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.environment import EnvironmentConfigError, EnvironmentSettings, load_environment
from domain.plan_model import Plan, PlanStack
from domain.registry import Registry, RegistryError, load_registry
from tenancy.automation import git
from tenancy.automation.registry_diff import pull_request_problems
from tenancy.automation.reports import excerpt
from tenancy.plan.markdown import Details, cell, code

MARKER = "<!-- tenancy-pr-comment -->"
GITHUB_LIMIT = 65_536  # GitHub refuses a comment longer than this many characters
MAX_CHARS = GITHUB_LIMIT - 536  # room for the workflow's own additions
EXCERPT_LINES = 30
COMMAND_TIMEOUT = 900
EMPTY_PLAN: dict[str, list[object]] = {"stacks": []}
# Rows per stack's details, tried in turn until the comment fits (None: every row).
DETAIL_STEPS: tuple[int | None, ...] = (None, 60, 25, 10, 3, 0)


@dataclass
class Section:
    title: str
    status: str  # passed | failed | unavailable | later
    headline: str
    body: str
    blocking: bool = False
    # Never shortened: the reviewer's verdict depends on it (validation, policy, transitions).
    essential: bool = False
    # Collapsible detail after the body: the first thing shortened when the comment is too long.
    details: list[Details] = field(default_factory=list)

    def render(self, max_rows: int | None = None) -> str:
        parts = [f"### {self.title}", "", self.body]
        for block in self.details:
            parts += ["", block.render(max_rows)]
        return "\n".join(parts)


@dataclass
class PrComment:
    markdown: str
    sections: list[Section]

    @property
    def blocking(self) -> bool:
        return any(s.blocking for s in self.sections)


@dataclass
class CommandRun:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    missing: bool = False  # the tree has no such tenancy command

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.missing

    def failure(self) -> str:
        shown = " ".join(["tenancy", *self.args[:1]])
        if self.missing:
            return f"`{shown}` is not available in this tree."
        return f"`{shown}` exited with code {self.returncode}:\n\n" + code_block(
            excerpt(self.stderr or self.stdout, EXCERPT_LINES)
        )


def code_block(text: str) -> str:
    return "```\n" + (text.replace("```", "ʼʼʼ") or "(no output)") + "\n```"


def nested(markdown: str) -> str:
    """Headings of embedded markdown moved below this document's own ``###`` sections."""
    return re.sub(
        r"^(#{1,6}) ", lambda m: "#" * min(6, len(m.group(1)) + 3) + " ", markdown, flags=re.M
    )


def _command_env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }


def run_tenancy(root: Path, args: list[str], python: str = sys.executable) -> CommandRun:
    """``python -m tenancy.cli ARGS`` with ``root``'s own code first on the import path."""
    if not (root / "tenancy" / "cli.py").exists():
        return CommandRun(args, 127, "", "tenancy/cli.py does not exist", missing=True)
    try:
        done = subprocess.run(
            [python, "-m", "tenancy.cli", *args],
            cwd=root,
            env=_command_env(root),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CommandRun(args, 124, "", f"timed out after {COMMAND_TIMEOUT}s")
    missing = done.returncode == 2 and "No such command" in done.stderr
    return CommandRun(args, done.returncode, done.stdout, done.stderr, missing=missing)


# --- what the builders read ----------------------------------------------------------------------


@dataclass
class TenantChange:
    """One changed tenant file, base → head (None: absent on that side)."""

    tenant_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def doc(self) -> dict[str, Any]:
        return self.after if self.after is not None else (self.before or {})

    def field_changes(self) -> list[tuple[str, Any, Any]]:
        """(dotted field, old, new) for every field whose value differs."""
        found: list[tuple[str, Any, Any]] = []

        def walk(old: Any, new: Any, prefix: str) -> None:
            if isinstance(old, dict) and isinstance(new, dict):
                for key in sorted(set(old) | set(new), key=str):
                    walk(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
            elif old != new:
                found.append((prefix, old, new))

        walk(self.before or {}, self.after or {}, "")
        return found


@dataclass
class CommentContext:
    env: str
    base_ref: str
    base_commit: str
    head_commit: str
    project_root: Path
    tenants_dir: Path
    settings: EnvironmentSettings | None = None
    head_registry: Registry | None = None
    validation_problems: list[str] = field(default_factory=list)
    tenant_changes: list[TenantChange] = field(default_factory=list)
    # The plans of the stacks compared (only the changed ones when keys are known).
    base_plan: Plan | None = None
    head_plan: Plan | None = None
    base_run: CommandRun | None = None  # None: the base had no CLI (compared as empty)
    head_run: CommandRun | None = None
    base_note: str = ""
    stack_diffs: list[Any] = field(default_factory=list)  # tenancy.plan.diff.StackDiff
    unchanged_stacks: int = 0  # stacks whose content key is the same on both sides
    # Tier and status of every tenant file on each side (from the key inputs; None: not read).
    base_states: dict[str, Any] | None = None
    head_states: dict[str, Any] | None = None
    # Policy results (CheckResult.to_json dicts); "preexisting" marks unchanged stacks.
    policy: dict[str, Any] | None = None
    policy_failure: str | None = None
    policy_missing: bool = False
    # Every head stack by name (from the plan cache, or planned) and the changed ones: the cost
    # section needs whole plans, since shares depend on every tenant of a cluster.
    all_stacks: list[str] = field(default_factory=list)
    changed_stacks: list[str] = field(default_factory=list)
    load_head_stacks: Callable[[list[str]], dict[str, PlanStack]] | None = None
    # Content keys per stack on each side (the base's by the head's key function), and the plan
    # cache: the cost section reads each unchanged stack's costs from it.
    head_keys: dict[str, str] = field(default_factory=dict)
    base_keys: dict[str, str] = field(default_factory=dict)
    plan_cache: Any = None  # tenancy.plan.cache.PlanCache, or None
    cost: Any = None  # tenancy.cost.section.CostComparison, once the Cost section is built

    def tenant_stack(self, tenant_id: str) -> tuple[PlanStack | None, int | None]:
        """The stack holding a tenant on the head side (or base, if gone) and its resource count."""
        for plan in (self.head_plan, self.base_plan):
            if plan is None:
                continue
            for stack in plan.stacks:
                if stack.tenant == tenant_id:
                    return stack, len(stack.resources)
            platform = next((s for s in plan.stacks if s.tenant is None), None)
            if platform is not None:
                count = _free_tenant_resources(platform, tenant_id)
                if count:
                    return platform, count
        return None, None


def _free_tenant_resources(platform: PlanStack, tenant_id: str) -> int:
    """Resources of a free tenant in the platform stack: its identity component (and children)
    and its limits ConfigMap, by their logical names."""
    mine = {f"{tenant_id}-identity", f"{tenant_id}-limits"}
    by_urn = platform.by_urn()
    count = 0
    for r in platform.resources:
        parent = by_urn.get(r.parent) if r.parent else None
        if r.name in mine or (parent is not None and parent.name == f"{tenant_id}-identity"):
            count += 1
    return count


SectionBuilder = Callable[[CommentContext], "Section | None"]
# What a tenant line shows in its cost column; None until `tenancy cost` provides one.
TenantCost = Callable[[CommentContext, TenantChange], "str | None"]
tenant_cost_change: TenantCost | None = None


# --- the summary ---------------------------------------------------------------------------------

KIND_WORDS = {
    "onboard": "onboards",
    "upgrade": "upgrades",
    "downgrade": "downgrades",
    "suspend": "suspends",
    "resume": "resumes",
    "start offboarding": "starts offboarding",
    "cancel offboarding": "cancels offboarding",
    "delete": "is removed",
    "plain change": "changes",
}


def what_happens(change: TenantChange) -> str:
    """The transition, as ``tenancy transitions`` names it (domain.lifecycle.classify)."""
    from domain.lifecycle import classify
    from tenancy.lifecycle.transitions import state_of

    before, after = state_of(change.before), state_of(change.after)
    kind = classify(before, after).value
    words = KIND_WORDS.get(kind, kind)
    if before is not None and after is not None and before.tier != after.tier:
        words += f" ({code(before.tier)} → {code(after.tier)})"
    return words


def placement_of(doc: dict[str, Any]) -> str:
    tier = doc.get("tier")
    if tier == "standard":
        return f"shared cluster {code(doc.get('placement', '?'))}"
    if tier == "enterprise":
        return "dedicated cluster" + (", own project" if doc.get("dedicated_project") else "")
    if tier == "free":
        return "shared pool"
    return "–"


def _value(value: Any) -> str:
    if value is None:
        return "(unset)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return code(text if len(text) <= 60 else text[:59] + "…")


def tenant_lines(ctx: CommentContext) -> list[str]:
    if not ctx.tenant_changes:
        return []
    cost_of = tenant_cost_change  # optional: set when the cost estimate is available
    with_cost = cost_of is not None
    header = "| tenant | what happens | tier | placement | resources |" + (
        " monthly cost |" if with_cost else ""
    )
    lines = [header, "|---|---|---|---|---:|" + ("---:|" if with_cost else "")]
    for change in ctx.tenant_changes:
        doc = change.doc
        _, count = ctx.tenant_stack(change.tenant_id)
        row = (
            f"| {code(change.tenant_id)} | {what_happens(change)} | {code(doc.get('tier', '?'))} | "
            f"{placement_of(doc)} | {count if count is not None else '–'} |"
        )
        if with_cost:
            assert cost_of is not None
            row += f" {cell(cost_of(ctx, change) or '–')} |"
        lines.append(row)
    # Old -> new for every changed field of changed (not new, not removed) tenants.
    changed = [c for c in ctx.tenant_changes if c.before is not None and c.after is not None]
    for change in changed:
        fields = change.field_changes()
        if fields:
            shown = "; ".join(
                f"{code(path)} {_value(old)} → {_value(new)}" for path, old, new in fields[:12]
            )
            more = f"; and {len(fields) - 12} more" if len(fields) > 12 else ""
            lines.append(f"\n- {code(change.tenant_id)}: {shown}{more}")
    return lines


# --- sections ------------------------------------------------------------------------------------


def validation_section(env: str, project_root: Path, tenants_dir: Path, base_ref: str) -> Section:
    problems: list[str] = []
    try:
        settings = load_environment(env, project_root)
        load_registry(tenants_dir, settings)
    except EnvironmentConfigError as exc:
        problems += exc.problems
    except RegistryError as exc:
        problems += [str(p) for p in exc.problems]
    try:
        from tenancy.lifecycle.guards import tier_changes_without_path

        problems += [str(p) for p in pull_request_problems(base_ref, tenants_dir)]
        problems += [str(p) for p in tier_changes_without_path(base_ref, tenants_dir)]
    except git.GitError as exc:
        problems.append(f"cannot compare with {base_ref}: {exc}")
    return _validation(env, problems)


def _validation(env: str, problems: list[str]) -> Section:
    if not problems:
        return Section(
            "Registry validation",
            "passed",
            "passed",
            f"Every tenant file is valid for environment `{env}`, no tenant file was deleted "
            "without first passing through `offboarding`, and no tier changes without a safe "
            "path.",
            essential=True,
        )
    body = "\n".join(f"- {code(p)}" for p in problems)
    return Section(
        "Registry validation",
        "failed",
        f"{len(problems)} problem(s)",
        body,
        blocking=True,
        essential=True,
    )


def build_validation(ctx: CommentContext) -> Section:
    return _validation(ctx.env, ctx.validation_problems)


def build_plan_diff(ctx: CommentContext) -> Section:
    from tenancy.plan.diff import stack_details

    title = "Plan diff (base → head)"
    head = ctx.head_run
    if head is not None and not head.ok:
        return Section(
            title,
            "unavailable" if head.missing else "failed",
            "not available" if head.missing else "head plan failed",
            "The head plan could not be made. " + head.failure(),
            blocking=True,
        )
    base = ctx.base_run
    if base is not None and not base.ok:
        return Section(
            title,
            "unavailable",
            "base plan unavailable",
            "The base plan could not be made, so there is nothing to compare with. "
            + base.failure(),
        )
    changed = [d for d in ctx.stack_diffs if not d.empty]
    intro = [ctx.base_note] if ctx.base_note else []
    if ctx.unchanged_stacks:
        intro.append(
            f"{ctx.unchanged_stacks} stack(s) have the same content key on both sides (same "
            "tenant file, environment, code and dependencies), so their plans cannot differ and "
            "are not compared."
        )
    if not changed:
        return Section(title, "passed", "no changes", "\n\n".join([*intro, "No stack changes."]))
    table = ["| stack | added | removed | changed |", "|---|---:|---:|---:|"]
    for d in changed:
        note = " (new stack)" if d.stack_added else " (stack removed)" if d.stack_removed else ""
        table.append(
            f"| {code(d.name)}{note} | {len(d.added)} | {len(d.removed)} | {len(d.changed)} |"
        )
    total = sum(len(d.added) + len(d.removed) + len(d.changed) for d in changed)
    return Section(
        title,
        "passed",
        f"{len(changed)} stack(s), {total} resource change(s)",
        "\n\n".join([*intro, "\n".join(table)]),
        details=[stack_details(d) for d in changed],
    )


POLICY_COLUMNS = "| level | policy | stack | tenant | resource | message |"


def _policy_row(v: dict[str, Any]) -> str:
    resource = str(v.get("urn") or "").rsplit("::", 1)[-1]
    return (
        "| "
        + " | ".join(
            code(x)
            for x in (v.get("level"), v.get("policy"), v.get("stack"), v.get("tenant"), resource)
        )
        + f" | {code(v.get('message'))} |"
    )


def build_transitions(ctx: CommentContext) -> Section:
    """Each tenant's transition (onboard, upgrade, suspend, ...) judged on the two plans; blocking
    when a stateful or identity resource would be lost (``tenancy transitions``,
    docs/lifecycle.md). Stacks left out of the plans (same content key) cannot change."""
    from domain.plan_model import Plan
    from tenancy.lifecycle.transitions import (
        analyse,
        resource_lines,
        states_at,
        states_in_dir,
        summary_lines,
        table_lines,
    )

    title = "Tenant transitions"
    unplanned = ctx.head_plan is None or (ctx.base_run is not None and not ctx.base_run.ok)
    if unplanned or (ctx.head_run is not None and not ctx.head_run.ok):
        return Section(
            title,
            "unavailable",
            "not available",
            "Not judged: both plans are needed (see the plan diff section).",
            blocking=True,
            essential=True,
        )
    try:
        # The states gather read with the content keys; git only when it did not.
        report = analyse(
            ctx.base_states
            if ctx.base_states is not None
            else states_at(ctx.base_commit, ctx.tenants_dir),
            ctx.head_states if ctx.head_states is not None else states_in_dir(ctx.tenants_dir),
            ctx.base_plan or Plan([]),
            ctx.head_plan or Plan([]),
            ctx.env,
        )
    except git.GitError as exc:
        return Section(title, "failed", "could not be judged", code_block(str(exc)), blocking=True)
    unsafe = [e for e in report.entries if not e.safe]
    if not report.shared.safe:
        unsafe.append(report.shared)
    headline = (
        f"{len(unsafe)} unsafe of {len(report.entries)}"
        if unsafe
        else f"{len(report.entries)} tenant(s), all safe"
    )
    details = []
    if report.entries or report.shared.touched:
        blocks = [("", table_lines(report))]
        resources = resource_lines(report)
        if len(resources) > 2:
            blocks.append(("Replaced, deleted and moved resources", resources))
        details.append(Details("Transitions and resources", blocks))
    return Section(
        title,
        "failed" if unsafe else "passed",
        headline,
        "\n".join(summary_lines(report)),
        blocking=bool(unsafe),
        essential=True,
        details=details,
    )


def build_policy(ctx: CommentContext) -> Section:
    title = "Policy"
    if ctx.policy is None:
        missing = ctx.policy_missing
        return Section(
            title,
            "unavailable" if missing else "failed",
            "not run" if missing else "check failed",
            ctx.policy_failure or "Not run: there is no head plan to check.",
            blocking=True,
            essential=True,
        )
    results = ctx.policy
    rows = [("violation", v) for v in results.get("violations", [])] + [
        ("undecided", v) for v in results.get("undecided", [])
    ]
    new = [(k, v) for k, v in rows if not v.get("preexisting")]
    old = [(k, v) for k, v in rows if v.get("preexisting")]

    def count(kind: str, level: str | None, items) -> int:
        return sum(1 for k, v in items if k == kind and (level is None or v.get("level") == level))

    mandatory = count("violation", "mandatory", rows)
    headline = (
        f"{mandatory} mandatory, {count('violation', 'advisory', rows)} advisory, "
        f"{count('undecided', None, rows)} undecided"
    )
    if not rows:
        return Section(title, "passed", headline, "No policy violations.", essential=True)
    lines = [f"**{headline}**"]
    if new:
        lines += [
            "",
            f"In the stacks this change touches ({len(new)}):",
            "",
            "| kind " + POLICY_COLUMNS,
            "|---|---|---|---|---|---|---|",
            *(f"| {k} {_policy_row(v)}" for k, v in new),
        ]
    if old:
        # Already there before this change: one row per policy, so 1,000 stacks stay readable.
        by_policy: dict[tuple[str, str, str], list[dict]] = {}
        for kind, v in old:
            by_policy.setdefault((kind, str(v.get("level")), str(v.get("policy"))), []).append(v)
        lines += [
            "",
            f"Already there before this change, in stacks it does not touch ({len(old)}):",
            "",
            "| kind | level | policy | results | stacks | example |",
            "|---|---|---|---:|---:|---|",
        ]
        for (kind, level, policy), items in sorted(by_policy.items()):
            stacks = sorted({str(v.get("stack")) for v in items})
            example = f"{stacks[0]}: {items[0].get('message')}"
            lines.append(
                f"| {kind} | {code(level)} | {code(policy)} | {len(items)} | {len(stacks)} | "
                f"{code(example[:160])} |"
            )
    failed = mandatory > 0 or bool(results.get("failed"))
    return Section(
        title,
        "failed" if failed else "passed",
        headline,
        "\n".join(lines),
        blocking=failed,
        essential=True,
    )


def build_cost(ctx: CommentContext) -> Section:
    from tenancy.cost.section import pr_cost_section

    return pr_cost_section(ctx)


def _tenant_cost(ctx: CommentContext, change: TenantChange) -> str | None:
    from tenancy.cost.section import tenant_cost_cell

    return tenant_cost_cell(ctx, change.tenant_id)


tenant_cost_change = _tenant_cost


# Reading order. Other sections (transitions, cost) plug in here.
SECTION_BUILDERS: list[SectionBuilder] = [
    build_validation,
    build_plan_diff,
    build_transitions,
    build_policy,
    build_cost,
]


# --- the document --------------------------------------------------------------------------------

ICONS = {"passed": "✅", "failed": "❌", "unavailable": "⚠️", "later": "⏳"}


def render_summary(ctx: CommentContext, sections: list[Section]) -> str:
    from tenancy.plan.diff import alerts, render_alerts

    lines = [
        MARKER,
        "## Tenancy pull-request report",
        "",
        f"Base `{ctx.base_ref}` (`{ctx.base_commit[:12]}`) → head `{ctx.head_commit[:12]}`, "
        f"environment `{ctx.env}`.",
        "",
    ]
    lines += render_alerts(alerts([d for d in ctx.stack_diffs if not d.empty]))
    tenants = tenant_lines(ctx)
    if tenants:
        lines += [*tenants, ""]
    elif ctx.stack_diffs:
        lines += ["No tenant file changed.", ""]
    lines += ["| check | result |", "|---|---|"]
    lines += [f"| {s.title} | {ICONS[s.status]} {cell(s.headline)} |" for s in sections]
    return "\n".join(lines)


def render(ctx: CommentContext, sections: list[Section], limit: int = MAX_CHARS) -> str:
    """The whole document within ``limit``: plan details shortened first, essentials never."""
    summary = render_summary(ctx, sections)
    for step in DETAIL_STEPS:
        text = "\n\n".join([summary, *(s.render(step) for s in sections)]) + "\n"
        if len(text) <= limit:
            return text
    # Still too long: drop the non-essential sections' bodies, keeping their headline.
    parts = [summary]
    for s in sections:
        if s.essential:
            parts.append(s.render(0))
        else:
            parts.append(
                f"### {s.title}\n\n_{cell(s.headline)}: left out to fit one comment; run "
                "`tenancy pr-comment` locally for all of it._"
            )
    return "\n\n".join(parts) + "\n"


def build_sections(ctx: CommentContext) -> list[Section]:
    return [s for s in (builder(ctx) for builder in SECTION_BUILDERS) if s is not None]


def build_pr_comment(
    base_ref: str,
    env: str,
    project_root: Path,
    tenants_dir: Path,
    python: str = sys.executable,
    cache_dir: Path | None = None,
) -> PrComment:
    from tenancy.automation.pr_data import gather

    ctx = gather(base_ref, env, Path(project_root), Path(tenants_dir), python, cache_dir)
    sections = build_sections(ctx)
    return PrComment(render(ctx, sections), sections)


def plan_with_base_code(
    base_root: Path, args: list[str], python: str
) -> tuple[CommandRun, Plan | None, str]:
    """Run the base's own ``tenancy plan`` and read what it wrote (the last ``--json`` arg)."""
    out = Path(args[args.index("--json") + 1])
    run = run_tenancy(base_root, args, python)
    if not run.ok:
        return run, None, ""
    from domain.plan_model import PlanFormatError

    try:
        return run, Plan.read(out), ""
    except PlanFormatError as exc:
        return CommandRun(args, 1, "", str(exc)), None, ""


def empty_plan_file(path: Path) -> None:
    path.write_text(json.dumps(EMPTY_PLAN), encoding="utf-8")


__all__ = [
    "MARKER",
    "SECTION_BUILDERS",
    "CommentContext",
    "PrComment",
    "Section",
    "build_pr_comment",
    "validation_section",
]
