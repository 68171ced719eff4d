"""``tenancy transitions`` and ``tenancy state-moves``.

Exit codes: 0 every transition is safe (or the moves ran); 1 an unsafe transition, or an invalid
registry; 2 the command could not run (unknown ref, base plan failed, unreadable plan, bad path).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from domain.project import project_root
from tenancy.paths import output_problems

EXIT_FAILED = 1
EXIT_SETUP = 2


def _fail(console: Console, title: str, lines: list[str], code: int) -> typer.Exit:
    console.print(f"[bold red]{escape(title)}[/]")
    for line in lines:
        console.print(f"  [red]✗[/] {escape(line)}", soft_wrap=True)  # paths stay whole
    return typer.Exit(code)


def transitions(
    base: Annotated[
        str,
        typer.Option("--base", metavar="REF", help="Git ref to compare with, e.g. origin/main."),
    ],
    env: Annotated[
        str, typer.Option("--env", help="Environment: reads Pulumi.<env>.yaml.")
    ] = "dev",
    tenants: Annotated[
        Path | None,
        typer.Option("--tenants", metavar="DIR", help="Tenant registry (default: tenants/)."),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", metavar="FILE", help="Write the verdicts as JSON.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the markdown here.")
    ] = None,
    base_plan: Annotated[
        Path | None,
        typer.Option(
            "--base-plan", metavar="FILE", help="Use this base plan JSON instead of planning."
        ),
    ] = None,
    head_plan: Annotated[
        Path | None,
        typer.Option(
            "--head-plan", metavar="FILE", help="Use this head plan JSON instead of planning."
        ),
    ] = None,
) -> None:
    """Name each tenant's transition since REF (onboard, upgrade, suspend, ...) and judge it on the
    two offline plans: exit 1 when a stateful or identity resource would be lost."""
    from tenancy.automation.git import GitError
    from tenancy.lifecycle.planning import InvalidRegistry, TransitionsError, compare
    from tenancy.lifecycle.transitions import render_markdown

    console = Console(stderr=True)
    problems = [
        problem
        for path, option in ((json_path, "--json"), (output, "--output"))
        if path is not None
        for problem in output_problems(path, option)
    ]
    if problems:  # before any work
        raise _fail(console, "cannot write output", problems, EXIT_SETUP)
    try:
        report = compare(
            base, env, project_root(), tenants or project_root() / "tenants", base_plan, head_plan
        )
    except GitError as exc:
        raise _fail(console, f"cannot compare with {base!r}", [str(exc)], EXIT_SETUP) from None
    except TransitionsError as exc:
        raise _fail(console, "cannot compare the plans", exc.problems, EXIT_SETUP) from None
    except InvalidRegistry as exc:
        raise _fail(console, "the tenant registry is invalid", exc.problems, EXIT_FAILED) from None
    text = render_markdown(report)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if json_path is not None:
        report.write_json(json_path)
    for e in report.entries + ([report.shared] if report.shared.touched else []):
        mark = "[green]✓[/]" if e.safe else "[red]✗[/]"
        console.print(f"{mark} {escape(e.tenant)}: {escape(e.kind)}")
        for reason in e.reasons:
            console.print(f"    [red]{escape(reason)}[/]")
    raise typer.Exit(0 if report.safe else EXIT_FAILED)


def state_moves(
    env: Annotated[
        str, typer.Option("--env", help="Environment: reads Pulumi.<env>.yaml.")
    ] = "dev",
    tenants: Annotated[
        Path | None,
        typer.Option("--tenants", metavar="DIR", help="Tenant registry (default: tenants/)."),
    ] = None,
    execute: Annotated[
        bool, typer.Option("--execute", help="Run the moves (default: only list them).")
    ] = False,
    backend: Annotated[
        str | None,
        typer.Option("--backend", metavar="URL", help="State backend (default as for `up`)."),
    ] = None,
) -> None:
    """The declared `pulumi state move` steps (for example identities moving to the platform stack):
    list them, or run them with --execute. Run before `tenancy up`; idempotent."""
    import os

    from domain.environment import EnvironmentConfigError, load_environment
    from domain.registry import RegistryError, load_registry
    from tenancy.automation.adapter import resolve_backend
    from tenancy.lifecycle.state_moves import StateMoveError, declared_moves, run_moves

    console = Console(stderr=True)
    try:
        settings = load_environment(env, project_root())
        registry = load_registry(tenants or project_root() / "tenants", settings)
    except EnvironmentConfigError as exc:
        raise _fail(console, f"environment {env!r} is invalid", exc.problems, EXIT_SETUP) from None
    except RegistryError as exc:
        raise _fail(  # read, and invalid: a finding (1), as in every command
            console, "the tenant registry is invalid", [str(p) for p in exc.problems], EXIT_FAILED
        ) from None
    url = resolve_backend(backend, os.environ, project_root()).url
    try:
        results = run_moves(declared_moves(registry, env), make_runner(url), execute)
    except StateMoveError as exc:
        raise _fail(console, "state move failed", [str(exc)], EXIT_FAILED) from None
    for r in results:
        console.print(
            f"{escape(r.move.source_stack)} -> {escape(r.move.dest_stack)}: "
            f"{escape(r.move.component_name)}: {escape(r.status)}"
        )
    if not results:
        console.print("no declared state moves")


def make_runner(backend_url: str):
    """The real Pulumi CLI; tests replace this function with one returning a fake."""
    from tenancy.lifecycle.state_moves import cli_runner

    return cli_runner(backend_url=backend_url)


def register(app: typer.Typer) -> None:
    app.command("transitions")(transitions)
    app.command("state-moves")(state_moves)
