"""Running one operation over the selected stacks safely (``tenancy.automation.selection`` picks
them, ``tenancy.automation.reports`` reports what happened).

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

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from domain.stacks import StackSpec
from tenancy.automation.adapter import OperationFailed, OperationResult, StackOperations
from tenancy.automation.reports import Operation, Outcome, RunReport, StackReport, format_changes

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
