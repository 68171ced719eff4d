"""What an operation did, per stack: the terminal summary, failure and drift panels, and the same
report as markdown for GitHub's job summary."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from tenancy.automation.adapter import (
    ResourceChange,
)

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
