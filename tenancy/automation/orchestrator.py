"""Which stacks to act on, and running one operation over them safely.

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

Running (``Orchestrator.run``)
  - preview, refresh: the platform stack first, then the tenant stacks with bounded parallelism.
    A failed platform preview or refresh does not stop the tenant stacks: they are read-only.
  - up: the platform stack first; if it fails the tenant stacks are skipped (they read its outputs).
  - destroy: the tenant stacks first, then the platform stack (only with the explicit flag, and only
    when every tenant stack was destroyed). Each destroy removes the resources, then the stack.
  - A locked stack (ConcurrentUpdateError) is retried with exponential backoff and jitter; any other
    error fails that stack alone and is reported with the stack's own output.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

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
from tenancy.automation.adapter import (
    OperationFailed,
    OperationResult,
    ResourceChange,
    StackOperations,
)
from tenancy.automation.registry_diff import tenant_doc_at

SHARED_CODE_DIRS = tuple(f"{package}/" for package in CODE_PACKAGES)
MIGRATIONS_DIR = "migrations/"
SHARED_CODE_FILES = ("__main__.py", "Pulumi.yaml", "pyproject.toml")
OUTPUT_EXCERPT_LINES = 40


class Operation(StrEnum):
    PREVIEW = "preview"
    UP = "up"
    REFRESH = "refresh"
    DESTROY = "destroy"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    DRIFT = "drift"


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


# --- retries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for a locked stack, a bounded number of attempts."""

    max_attempts: int = 5
    base_delay: float = 2.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random  # in [0, 1)

    def delay(self, failed_attempts: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failed_attempts - 1))
        # Half fixed, half random: waiting jobs do not all wake up together.
        return ceiling / 2 + ceiling / 2 * self.jitter()


# --- reports -------------------------------------------------------------------------------------


@dataclass
class StackReport:
    stack: str
    operation: str
    outcome: Outcome
    changes: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    attempts: int = 0
    detail: str = ""  # why it failed or was skipped
    stdout: str = ""
    stderr: str = ""
    resource_changes: list[ResourceChange] = field(default_factory=list)


@dataclass
class RunReport:
    operation: Operation
    stacks: list[StackReport]

    @property
    def exit_code(self) -> int:
        return 0 if all(r.outcome == Outcome.SUCCEEDED for r in self.stacks) else 1

    def by_stack(self) -> dict[str, StackReport]:
        return {r.stack: r for r in self.stacks}


def format_changes(changes: dict[str, int]) -> str:
    shown = {op: n for op, n in changes.items() if op not in ("same",) and n}
    if not shown:
        return "no changes"
    order = ["create", "update", "replace", "delete"]
    ops = sorted(shown, key=lambda op: (order.index(op) if op in order else len(order), op))
    return ", ".join(f"{shown[op]} {op}" for op in ops)


def summary_table(report: RunReport) -> Table:
    table = Table(title=f"tenancy {report.operation.value}: summary")
    for column in ("Stack", "Operation", "Changes", "Duration", "Result"):
        table.add_column(column)
    for r in report.stacks:
        result = r.outcome.value + (f" ({r.attempts} attempts)" if r.attempts > 1 else "")
        style = {"succeeded": "green", "failed": "red", "skipped": "yellow", "drift": "red"}[
            r.outcome.value
        ]
        table.add_row(
            r.stack,
            r.operation,
            format_changes(r.changes),
            f"{r.duration:.1f}s",
            f"[{style}]{escape(result)}[/{style}]",
        )
    return table


def excerpt(text: str, lines: int = OUTPUT_EXCERPT_LINES) -> str:
    kept = text.strip().splitlines()
    if len(kept) <= lines:
        return "\n".join(kept)
    return "\n".join([f"... ({len(kept) - lines} earlier lines omitted)", *kept[-lines:]])


def print_report(report: RunReport, console: Console) -> None:
    console.print(summary_table(report))
    for r in report.stacks:
        if r.outcome == Outcome.FAILED:
            body = r.detail
            if r.stderr.strip():
                body += "\n\nstderr:\n" + excerpt(r.stderr)
            if r.stdout.strip():
                body += "\n\nstdout:\n" + excerpt(r.stdout)
            console.print(
                Panel(escape(body), title=f"{r.stack}: {r.operation} failed", border_style="red")
            )
        elif r.outcome == Outcome.DRIFT:
            console.print(
                Panel(escape(drift_text(r)), title=f"{r.stack}: drift", border_style="red")
            )
        elif r.outcome == Outcome.SKIPPED:
            console.print(f"[yellow]{escape(r.stack)}[/yellow]: {escape(r.detail)}")
    drifted = [r.stack for r in report.stacks if r.outcome == Outcome.DRIFT]
    if drifted:
        console.print(f"[red]Drift in {len(drifted)} stack(s): {', '.join(drifted)}[/red]")


def drift_text(r: StackReport) -> str:
    lines = [f"The cloud differs from the recorded state: {format_changes(r.changes)}."]
    for change in r.resource_changes:
        diff = f" [{', '.join(change.diffs)}]" if change.diffs else ""
        lines.append(f"  {change.op:8} {change.type} {change.name}{diff}")
    if not r.resource_changes and r.stdout.strip():
        lines += ["", excerpt(r.stdout)]
    return "\n".join(lines)


def markdown_report(report: RunReport) -> str:
    """The same summary for ``$GITHUB_STEP_SUMMARY``."""
    lines = [
        f"## tenancy {report.operation.value}",
        "",
        "| Stack | Operation | Changes | Duration | Result |",
        "|---|---|---|---|---|",
    ]
    for r in report.stacks:
        lines.append(
            f"| `{r.stack}` | {r.operation} | {format_changes(r.changes)} | {r.duration:.1f}s | "
            f"{r.outcome.value} |"
        )
    for r in report.stacks:
        if r.outcome == Outcome.DRIFT:
            lines += ["", f"### Drift in `{r.stack}`", "", "```", drift_text(r), "```"]
        elif r.outcome in (Outcome.FAILED, Outcome.SKIPPED):
            output = excerpt(r.stderr or r.stdout)
            lines += ["", f"### `{r.stack}`: {r.outcome.value}", "", r.detail.replace("\n", " ")]
            if output:
                lines += ["", "```", output, "```"]
    return "\n".join(lines) + "\n"


def write_step_summary(report: RunReport, environ: dict[str, str] | None = None) -> Path | None:
    """Appends the report to GitHub's job summary when running in Actions."""
    path = (environ if environ is not None else os.environ).get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown_report(report))
    return Path(path)


# --- progress ------------------------------------------------------------------------------------


class StackProgress:
    """One live row per stack in a terminal; plain start/finish lines everywhere (CI logs too)."""

    def __init__(self, console: Console, stacks: list[str]):
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[stack]}", style="bold"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.tasks = {
            name: self.progress.add_task("queued", stack=name, start=False) for name in stacks
        }

    def __enter__(self) -> StackProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def started(self, stack: str, step: str) -> None:
        self.progress.start_task(self.tasks[stack])
        self.progress.update(self.tasks[stack], description=step)
        self.console.print(f"[cyan]▶[/cyan] {stack}: {step}")

    def output(self, stack: str, line: str) -> None:
        if line.strip():
            self.progress.update(self.tasks[stack], description=escape(line.strip()[:80]))

    def retrying(self, stack: str, attempt: int, delay: float) -> None:
        self.console.print(
            f"[yellow]↻[/yellow] {stack}: stack is locked by another update; "
            f"attempt {attempt + 1} in {delay:.1f}s"
        )

    def finished(self, report: StackReport) -> None:
        self.progress.update(
            self.tasks[report.stack], description=report.outcome.value, completed=1, total=1
        )
        mark = {"succeeded": "[green]✔[/green]", "skipped": "[yellow]–[/yellow]"}.get(
            report.outcome.value, "[red]✘[/red]"
        )
        self.console.print(
            f"{mark} {report.stack}: {report.operation} {report.outcome.value} "
            f"({format_changes(report.changes)}, {report.duration:.1f}s)"
        )


# --- running -------------------------------------------------------------------------------------


class Orchestrator:
    def __init__(
        self,
        operations: StackOperations,
        *,
        parallel: int = 4,
        retry: RetryPolicy | None = None,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if parallel < 1:
            raise ValueError("--parallel must be at least 1")
        self.operations = operations
        self.parallel = parallel
        self.retry = retry or RetryPolicy()
        self.console = console or Console()
        self.clock = clock

    def run(
        self, operation: Operation, stacks: list[StackSpec], *, preview_only: bool = False
    ) -> RunReport:
        platform = [s for s in stacks if s.kind == "platform"]
        tenants = [s for s in stacks if s.kind == "tenant"]
        reports: list[StackReport] = []
        with StackProgress(self.console, [s.name for s in stacks]) as progress:
            if operation == Operation.DESTROY:
                reports += self._run_many(operation, tenants, progress, preview_only)
                for spec in platform:
                    if any(r.outcome != Outcome.SUCCEEDED for r in reports):
                        reports.append(
                            self._skip(
                                spec,
                                operation,
                                progress,
                                "not destroyed: a tenant stack was not destroyed, and tenant "
                                "stacks depend on it",
                            )
                        )
                    else:
                        reports.append(self._run_one(operation, spec, progress, preview_only))
            else:
                for spec in platform:
                    reports.append(self._run_one(operation, spec, progress, preview_only))
                platform_failed = any(r.outcome == Outcome.FAILED for r in reports)
                if operation == Operation.UP and platform_failed:
                    reports += [
                        self._skip(
                            spec,
                            operation,
                            progress,
                            "skipped: the platform stack failed, and tenant stacks read its "
                            "outputs",
                        )
                        for spec in tenants
                    ]
                else:
                    reports += self._run_many(operation, tenants, progress, preview_only)
        return RunReport(operation, reports)

    def _run_many(
        self,
        operation: Operation,
        specs: list[StackSpec],
        progress: StackProgress,
        preview_only: bool,
    ) -> list[StackReport]:
        if not specs:
            return []
        with ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="stack") as pool:
            futures = [
                pool.submit(self._run_one, operation, spec, progress, preview_only)
                for spec in specs
            ]
            return [f.result() for f in futures]  # in selection order, whatever finished first

    def _skip(
        self, spec: StackSpec, operation: Operation, progress: StackProgress, why: str
    ) -> StackReport:
        report = StackReport(spec.name, operation.value, Outcome.SKIPPED, detail=why)
        progress.finished(report)
        return report

    def _run_one(
        self, operation: Operation, spec: StackSpec, progress: StackProgress, preview_only: bool
    ) -> StackReport:
        from pulumi.automation.errors import ConcurrentUpdateError  # see _with_retries

        label = f"{operation.value}{' --preview-only' if preview_only else ''}"
        progress.started(spec.name, label)
        started = self.clock()
        report = StackReport(spec.name, label, Outcome.SUCCEEDED)
        try:
            result = self._with_retries(
                spec.name,
                progress,
                report,
                lambda sink: self._call(operation, spec.name, sink, preview_only),
            )
            if operation == Operation.DESTROY:
                # The resources are gone; now the stack itself (its history and config).
                self._with_retries(
                    spec.name, progress, None, lambda sink: self.operations.remove_stack(spec.name)
                )
            report.changes = result.changes
            report.stdout, report.stderr = result.stdout, result.stderr
            report.resource_changes = list(result.resource_changes)
            if operation == Operation.REFRESH and preview_only and result.changed_count:
                report.outcome = Outcome.DRIFT
                report.detail = f"drift: {format_changes(result.changes)}"
        except ConcurrentUpdateError as exc:
            report.outcome = Outcome.FAILED
            report.detail = (
                "the stack stayed locked by another update after "
                f"{self.retry.max_attempts} attempts"
            )
            report.stderr = str(exc)
        except OperationFailed as exc:
            report.outcome = Outcome.FAILED
            report.detail = str(exc)
            report.stdout, report.stderr = exc.stdout, exc.stderr
        except Exception as exc:  # one stack's surprise must not take the others down
            report.outcome = Outcome.FAILED
            report.detail = f"{type(exc).__name__}: {exc}"
        report.duration = self.clock() - started
        progress.finished(report)
        return report

    def _call(self, operation: Operation, stack: str, sink, preview_only: bool) -> OperationResult:
        ops = self.operations
        if operation == Operation.PREVIEW:
            return ops.preview(stack, on_output=sink)
        if operation == Operation.UP:
            return ops.up(stack, on_output=sink)
        if operation == Operation.REFRESH:
            return ops.refresh(stack, preview_only=preview_only, on_output=sink)
        return ops.destroy(stack, on_output=sink)

    def _with_retries(
        self,
        stack: str,
        progress: StackProgress,
        report: StackReport | None,
        call: Callable[[Callable[[str], None]], OperationResult],
    ) -> OperationResult:
        """``call`` until the stack is not locked, at most ``max_attempts`` times; counts into
        ``report``."""
        # Imported here, not at the top: `tenancy` imports this module to register its commands, and
        # the Pulumi SDK would add most of a second to every command's start.
        from pulumi.automation.errors import ConcurrentUpdateError

        failed = 0
        while True:
            if report is not None:
                report.attempts += 1
            try:
                return call(lambda line: progress.output(stack, line))
            except ConcurrentUpdateError:
                failed += 1
                if failed >= self.retry.max_attempts:
                    raise
                delay = self.retry.delay(failed)
                progress.retrying(stack, failed, delay)
                self.retry.sleep(delay)
