"""``tenancy pr-comment``: one markdown document for a pull request.

Sections: registry validation, the offline plan diff per stack (base → head), the policy result
and the monthly cost per changed tenant (tenancy/cost/section.py). Each side's plan is made by that side's own code: the head with the
working tree, the base from a temporary ``git worktree`` of the merge base, both through
``python -m tenancy.cli`` so neither side imports the other's modules.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from domain.environment import EnvironmentConfigError, load_environment
from domain.registry import RegistryError, load_registry
from tenancy.automation import git
from tenancy.automation.markdown import code
from tenancy.automation.orchestrator import excerpt
from tenancy.automation.registry_diff import pull_request_problems

MARKER = "<!-- tenancy-pr-comment -->"
MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters
EXCERPT_LINES = 30
COMMAND_TIMEOUT = 900
EMPTY_PLAN = {"stacks": []}


@dataclass
class Section:
    title: str
    status: str  # passed | failed | unavailable | later
    headline: str
    body: str
    blocking: bool = False


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


def cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def run_tenancy(root: Path, args: list[str], python: str = sys.executable) -> CommandRun:
    """``python -m tenancy.cli ARGS`` with ``root``'s own code first on the import path."""
    if not (root / "tenancy" / "cli.py").exists():
        return CommandRun(args, 127, "", "tenancy/cli.py does not exist", missing=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            [python, "-m", "tenancy.cli", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CommandRun(args, 124, "", f"timed out after {COMMAND_TIMEOUT}s")
    missing = done.returncode == 2 and "No such command" in done.stderr
    return CommandRun(args, done.returncode, done.stdout, done.stderr, missing=missing)


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
        problems += [str(p) for p in pull_request_problems(base_ref, tenants_dir)]
    except git.GitError as exc:
        problems.append(f"cannot compare with {base_ref}: {exc}")
    if not problems:
        return Section(
            "Registry validation",
            "passed",
            "passed",
            f"Every tenant file is valid for environment `{env}`, and no tenant file was deleted "
            "without first passing through `offboarding`.",
        )
    body = "\n".join(f"- {code(p)}" for p in problems)
    return Section(
        "Registry validation", "failed", f"{len(problems)} problem(s)", body, blocking=True
    )


def plan_diff_section(
    base: CommandRun | None, head: CommandRun, diff: CommandRun | None, base_note: str
) -> Section:
    title = "Plan diff (base → head)"
    if not head.ok:
        return Section(
            title,
            "unavailable" if head.missing else "failed",
            "not available" if head.missing else "head plan failed",
            "The head plan could not be made. " + head.failure(),
            blocking=True,
        )
    if base is not None and not base.ok:
        return Section(
            title,
            "unavailable",
            "base plan unavailable",
            "The base plan could not be made, so there is nothing to compare with. "
            + base.failure(),
        )
    if diff is None or not diff.ok:
        failure = diff.failure() if diff is not None else "not run"
        return Section(
            title,
            "unavailable" if diff is None or diff.missing else "failed",
            "diff unavailable",
            "The plans were made but could not be compared. " + failure,
            blocking=True,
        )
    body = (base_note + "\n\n" if base_note else "") + (
        nested(diff.stdout.strip()) or "No stack changes."
    )
    return Section(title, "passed", "computed", body)


def policy_section(check: CommandRun | None, check_json: Path) -> Section:
    title = "Policy"
    if check is None:
        return Section(
            title,
            "unavailable",
            "not run",
            "Not run: there is no head plan to check.",
            blocking=True,
        )
    try:
        result = json.loads(check_json.read_text(encoding="utf-8"))
        summary = result["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        return Section(
            title,
            "unavailable" if check.missing else "failed",
            "not available" if check.missing else "check failed",
            "The policy pack could not be evaluated. " + check.failure(),
            blocking=True,
        )
    mandatory, advisory, undecided = (
        int(summary.get(k, 0)) for k in ("mandatory", "advisory", "undecided")
    )
    headline = f"{mandatory} mandatory, {advisory} advisory, {undecided} undecided"
    rows = [("violation", v) for v in result.get("violations", [])] + [
        ("undecided", v) for v in result.get("undecided", [])
    ]
    if not rows:
        return Section(title, "passed", headline, "No policy violations.")
    lines = [
        f"**{headline}**",
        "",
        "| kind | level | policy | stack | tenant | resource | message |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, v in rows:
        resource = str(v.get("urn") or "").rsplit("::", 1)[-1]
        values = [v.get(k) for k in ("level", "policy", "stack", "tenant")] + [resource]
        lines.append(
            f"| {kind} | "
            + " | ".join(code(x, table=True) for x in [*values, v.get("message")])
            + " |"
        )
    failed = mandatory > 0 or check.returncode != 0
    return Section(
        title, "failed" if failed else "passed", headline, "\n".join(lines), blocking=failed
    )


def cost_section(
    base: CommandRun | None, base_json: Path, head: CommandRun, head_json: Path
) -> Section:
    """Both plans priced in-process with the head's catalogue; cost never blocks a merge."""
    from domain.plan_model import Plan, PlanFormatError
    from tenancy.cost.catalogue import CatalogueError
    from tenancy.cost.section import compare

    title = "Cost"
    if not head.ok:
        return Section(
            title, "unavailable", "no head plan", "Not estimated: there is no head plan."
        )
    base_ok = base is None or base.ok
    try:
        base_plan = Plan.read(base_json) if base_ok else Plan([])
        result = compare(base_plan, Plan.read(head_json))
    except (PlanFormatError, CatalogueError) as exc:
        return Section(title, "failed", "estimate failed", code_block(str(exc)))
    if not base_ok:
        return Section(
            title,
            "unavailable",
            "base plan unavailable",
            "The base plan could not be made, so every tenant shows as new.\n\n" + result.body,
        )
    status = "failed" if result.incomplete else "passed"
    return Section(title, status, result.headline, result.body)


# --- the document --------------------------------------------------------------------------------

ICONS = {"passed": "✅", "failed": "❌", "unavailable": "⚠️", "later": "⏳"}


def render(
    sections: list[Section], base_ref: str, base_commit: str, head_commit: str, env: str
) -> str:
    lines = [
        MARKER,
        "## Tenancy pull-request report",
        "",
        f"Base `{base_ref}` (`{base_commit[:12]}`) → head `{head_commit[:12]}`, environment "
        f"`{env}`.",
        "",
        "| check | result |",
        "|---|---|",
    ]
    lines += [f"| {s.title} | {ICONS[s.status]} {cell(s.headline)} |" for s in sections]
    for s in sections:
        lines += ["", f"### {s.title}", "", s.body]
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_CHARS:
        note = (
            "\n\n_(report truncated: too long for one comment; run `tenancy pr-comment` "
            "locally for all of it)_\n"
        )
        text = text[: MAX_CHARS - len(note)] + note
    return text


def build_pr_comment(
    base_ref: str, env: str, project_root: Path, tenants_dir: Path, python: str = sys.executable
) -> PrComment:
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

    sections = [validation_section(env, project_root, tenants_dir, base_ref)]
    with tempfile.TemporaryDirectory(prefix="tenancy-pr-") as tmp:
        base_json, head_json, check_json = (
            Path(tmp) / n for n in ("base.json", "head.json", "check.json")
        )
        head = run_tenancy(
            project_root,
            ["plan", "--env", env, "--tenants", str(tenants_dir), "--json", str(head_json)],
            python,
        )
        base, base_note = _base_plan(
            base_commit, root, project_rel, tenants_rel, env, base_json, python
        )
        diff = None
        if head.ok and (base is None or base.ok):
            diff = run_tenancy(project_root, ["diff", str(base_json), str(head_json)], python)
        sections.append(plan_diff_section(base, head, diff, base_note))
        check = (
            run_tenancy(
                project_root,
                ["check", "--env", env, "--plan", str(head_json), "--json", str(check_json)],
                python,
            )
            if head.ok
            else None
        )
        sections.append(policy_section(check, check_json))
        sections.append(cost_section(base, base_json, head, head_json))
    return PrComment(render(sections, base_ref, base_commit, head_commit, env), sections)


def _base_plan(
    base_commit: str,
    root: Path,
    project_rel: str,
    tenants_rel: Path,
    env: str,
    out: Path,
    python: str,
) -> tuple[CommandRun | None, str]:
    """The base's plan, by the base's own code. A base without the CLI had nothing planned."""
    with git.temporary_worktree(base_commit, root) as tree:
        base_root = tree / project_rel
        if not (base_root / "tenancy" / "cli.py").exists():
            out.write_text(json.dumps(EMPTY_PLAN), encoding="utf-8")
            return None, "_The base has no `tenancy` CLI yet, so it is compared as an empty plan._"
        run = run_tenancy(
            base_root,
            ["plan", "--env", env, "--tenants", str(base_root / tenants_rel), "--json", str(out)],
            python,
        )
        return run, ""
