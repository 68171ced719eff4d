"""The stack commands: ``preview``, ``up``, ``refresh``, ``destroy`` and ``pr-comment``.

``tenancy/cli.py`` owns the app and calls ``register(app)``. Exit codes: 0 all stacks succeeded;
1 a stack failed, was skipped, drifted, or destroy was refused; 2 the command could not start
(invalid registry or environment, unknown ref, no passphrase, no Pulumi CLI).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from domain.environment import EnvironmentConfigError, load_environment
from domain.project import project_root
from domain.registry import Registry, RegistryError, load_registry
from domain.stacks import StackSelectionError, StackSpec, all_stacks
from tenancy.automation.adapter import (
    AutomationSetupError,
    Backend,
    PulumiAutomation,
    StackOperations,
    resolve_backend,
)
from tenancy.automation.git import GitError
from tenancy.automation.orchestrator import Orchestrator
from tenancy.automation.reports import Operation, print_report, write_step_summary
from tenancy.automation.selection import Selection, destroy_refusals, resolve_selection
from tenancy.paths import output_problems

EXIT_INVALID = 1
EXIT_SETUP = 2

EnvOption = Annotated[str, typer.Option("--env", help="Environment: reads Pulumi.<env>.yaml.")]
TenantOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tenant",
        metavar="ID",
        help="A tenant id (repeatable). A free tenant selects the platform stack.",
    ),
]
ChangedSinceOption = Annotated[
    str | None,
    typer.Option(
        "--changed-since",
        metavar="GIT_REF",
        help="Select the stacks affected by `git diff GIT_REF...HEAD`.",
    ),
]
ParallelOption = Annotated[
    int, typer.Option("--parallel", metavar="N", min=1, help="Tenant stacks run at once.")
]
BackendOption = Annotated[
    str | None,
    typer.Option(
        "--backend",
        metavar="URL",
        help="State backend, e.g. gs://bucket/path (default: PULUMI_BACKEND_URL, "
        "else the repository's .pulumi-state/).",
    ),
]
TenantsOption = Annotated[
    Path | None,
    typer.Option("--tenants", metavar="DIR", help="Tenant registry directory (default: tenants/)."),
]


def make_operations(project_root: Path, backend: Backend, tenants_dir: Path) -> StackOperations:
    """The real adapter; tests replace this function with one returning a fake."""
    return PulumiAutomation(project_root, backend, tenants_dir=tenants_dir)


def _fail(console: Console, lines: list[str], code: int = EXIT_SETUP) -> typer.Exit:
    for line in lines:
        console.print(f"[red]error:[/red] {escape(line)}")
    return typer.Exit(code)


def _load(env: str, tenants_dir: Path, console: Console) -> Registry:
    try:
        settings = load_environment(env, project_root())
        return load_registry(tenants_dir, settings)
    except EnvironmentConfigError as exc:
        raise _fail(console, exc.problems) from None
    except RegistryError as exc:  # read, and invalid: a finding (1), as in every command
        raise _fail(console, [str(p) for p in exc.problems], code=EXIT_INVALID) from None


def _select(
    operation: Operation,
    registry: Registry,
    env: str,
    tenants: list[str],
    changed_since: str | None,
    destroy_platform: bool,
    console: Console,
) -> list[StackSpec]:
    if operation == Operation.DESTROY and not tenants and not changed_since:
        if not destroy_platform:
            raise _fail(
                console,
                [
                    "destroy never defaults to every stack: name the stacks with --tenant ID "
                    "(or --changed-since GIT_REF, or --destroy-platform)"
                ],
            )
        selection = Selection(
            [s for s in all_stacks(registry, env) if s.kind == "platform"], ["--destroy-platform"]
        )
    else:
        try:
            selection = resolve_selection(registry, env, tenants, changed_since, project_root())
        except (StackSelectionError, GitError) as exc:
            raise _fail(console, [str(exc)]) from None
    for reason in dict.fromkeys(selection.reasons):
        console.print(f"[dim]selected because: {escape(reason)}[/dim]")
    for note in selection.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    if operation == Operation.DESTROY:
        refusals = destroy_refusals(selection.stacks, registry, destroy_platform, tenants)
        if refusals:
            raise _fail(console, [*refusals, "nothing was destroyed"], code=1)
    return selection.stacks


def run_operation(
    operation: Operation,
    env: str,
    tenants: list[str] | None,
    changed_since: str | None,
    parallel: int,
    backend: str | None,
    tenants_dir: Path | None,
    *,
    preview_only: bool = False,
    destroy_platform: bool = False,
) -> None:
    console = Console()
    tenants_dir = tenants_dir or project_root() / "tenants"
    registry = _load(env, tenants_dir, console)
    stacks = _select(
        operation, registry, env, list(tenants or []), changed_since, destroy_platform, console
    )
    if not stacks:
        console.print("Nothing to do: no stack is affected.")
        raise typer.Exit(0)
    console.print(f"{operation.value}: {len(stacks)} stack(s): {', '.join(s.name for s in stacks)}")
    state = resolve_backend(backend, os.environ, project_root())
    console.print(f"State backend: {escape(state.display())} (from {state.source})")
    try:
        operations = make_operations(project_root(), state, tenants_dir)
    except AutomationSetupError as exc:
        raise _fail(console, [str(exc)]) from None
    report = Orchestrator(operations, parallel=parallel, console=console).run(
        operation, stacks, preview_only=preview_only
    )
    print_report(report, console)
    write_step_summary(report)
    raise typer.Exit(report.exit_code)


def preview(
    env: EnvOption = "dev",
    tenant: TenantOption = None,
    changed_since: ChangedSinceOption = None,
    parallel: ParallelOption = 4,
    backend: BackendOption = None,
    tenants: TenantsOption = None,
) -> None:
    """Preview the selected stacks with the policy pack attached."""
    run_operation(Operation.PREVIEW, env, tenant, changed_since, parallel, backend, tenants)


def up(
    env: EnvOption = "dev",
    tenant: TenantOption = None,
    changed_since: ChangedSinceOption = None,
    parallel: ParallelOption = 4,
    backend: BackendOption = None,
    tenants: TenantsOption = None,
) -> None:
    """Deploy the selected stacks: the platform stack first, then tenant stacks in parallel."""
    run_operation(Operation.UP, env, tenant, changed_since, parallel, backend, tenants)


def refresh(
    env: EnvOption = "dev",
    tenant: TenantOption = None,
    changed_since: ChangedSinceOption = None,
    parallel: ParallelOption = 4,
    backend: BackendOption = None,
    tenants: TenantsOption = None,
    preview_only: Annotated[
        bool, typer.Option("--preview-only", help="Only report drift; any drift exits 1.")
    ] = False,
) -> None:
    """Refresh the selected stacks' state from the cloud (or, with --preview-only, report drift)."""
    run_operation(
        Operation.REFRESH,
        env,
        tenant,
        changed_since,
        parallel,
        backend,
        tenants,
        preview_only=preview_only,
    )


def destroy(
    env: EnvOption = "dev",
    tenant: TenantOption = None,
    changed_since: ChangedSinceOption = None,
    parallel: ParallelOption = 4,
    backend: BackendOption = None,
    tenants: TenantsOption = None,
    destroy_platform: Annotated[
        bool,
        typer.Option(
            "--destroy-platform",
            help="Also destroy the platform stack (shared pool and free tenants).",
        ),
    ] = False,
) -> None:
    """Destroy offboarding tenants' stacks: their resources, then the stacks."""
    run_operation(
        Operation.DESTROY,
        env,
        tenant,
        changed_since,
        parallel,
        backend,
        tenants,
        destroy_platform=destroy_platform,
    )


def pr_comment(
    base: Annotated[
        str,
        typer.Option("--base", metavar="REF", help="The pull request's base, e.g. origin/main."),
    ],
    env: EnvOption = "dev",
    output: Annotated[
        Path | None, typer.Option("--output", metavar="FILE", help="Write here instead of stdout.")
    ] = None,
    tenants: TenantsOption = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            metavar="DIR",
            help="Plan cache (default: $TENANCY_CACHE_DIR, else build/plan-cache).",
        ),
    ] = None,
) -> None:
    """Write the pull-request report (validation, plan diff, policy, cost) as one markdown document.

    Only stacks whose content key differs between base and head are planned; the rest, and their
    policy results, come from the plan cache."""
    from tenancy.automation.pr_comment import ICONS, build_pr_comment

    console = Console(stderr=True)
    if output is not None and (problems := output_problems(output, "--output")):
        raise _fail(console, problems)  # before any work
    root = project_root()
    try:
        comment = build_pr_comment(
            base, env, root, tenants or root / "tenants", cache_dir=cache_dir
        )
    except GitError as exc:
        raise _fail(console, [str(exc)]) from None
    if output is not None:
        output.write_text(comment.markdown, encoding="utf-8")
        console.print(f"wrote {output}")
    else:
        sys.stdout.write(comment.markdown)
    for section in comment.sections:
        console.print(f"{ICONS[section.status]} {section.title}: {escape(section.headline)}")
    raise typer.Exit(1 if comment.blocking else 0)


def register(app: typer.Typer) -> None:
    app.command("preview")(preview)
    app.command("up")(up)
    app.command("refresh")(refresh)
    app.command("destroy")(destroy)
    app.command("pr-comment")(pr_comment)
