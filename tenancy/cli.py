"""The `tenancy` command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from domain.environment import EnvironmentConfigError, EnvironmentSettings, load_environment
from domain.project import ProjectNotFoundError, project_root, set_project_dir
from domain.registry import Registry, RegistryError, load_registry
from domain.tiers import Tier
from tenancy.paths import input_problems, output_problems


class _Tenancy(typer.Typer):
    """The app; run as a program it leaves without the interpreter's teardown.

    Tearing down a process that planned thousands of resources means a full garbage collection
    and freeing every object one by one: 0.5-1 s of nothing. Output is flushed first, and only
    the real program exits this way (tests invoke the command object, not the app)."""

    def __call__(self, *args, **kwargs):
        from domain.yamlio import use_doc_cache

        docs = _doc_cache(sys.argv[1:])
        use_doc_cache(docs)
        code: object = 0
        try:
            super().__call__(*args, **kwargs)
        except SystemExit as exc:
            code = exc.code
        use_doc_cache(None)
        if docs is not None:
            docs.save()
        fast_exit(code)


def _doc_cache(argv: list[str]):
    """Parsed tenant files are cached next to the plans (``--cache-dir``, else
    ``$TENANCY_CACHE_DIR``, else build/plan-cache); none with ``--no-cache`` or the cache off."""
    from domain.yamlio import DocCache
    from tenancy.plan.cache import default_cache_dir

    if "--no-cache" in argv:
        return None
    chosen = None
    for i, arg in enumerate(argv):
        if arg == "--cache-dir" and i + 1 < len(argv):
            chosen = Path(argv[i + 1])
        elif arg.startswith("--cache-dir="):
            chosen = Path(arg.split("=", 1)[1])

    def where() -> Path | None:  # asked once the command runs and knows its project
        try:
            directory = chosen or default_cache_dir(project_root())
        except ProjectNotFoundError:
            return None
        return directory / "docs.json" if directory is not None else None

    return DocCache(where)


def fast_exit(code: object) -> None:
    import os

    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


class _Commands(TyperGroup):
    """Every command: no project found (domain.project) is "could not run", exit 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ProjectNotFoundError as exc:
            fail([str(exc)], "no project", EXIT_SETUP)


app = _Tenancy(
    name="tenancy",
    cls=_Commands,
    help="Tenant registry, offline plan and operations of the multi-tenant platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

# Paths default to the project's (found when the command runs, see domain.project), so the
# options' defaults are None here.
TenantsOpt = typer.Option(
    None, "--tenants", help="Tenant registry directory [default: tenants/ of the project]."
)


def tenants_or_default(tenants: Path | None) -> Path:
    return tenants if tenants is not None else project_root() / "tenants"


@app.callback()
def main(
    project_dir: Path | None = typer.Option(
        None,
        "--project-dir",
        help="The project (a directory holding Pulumi.yaml) [default: the nearest one from the "
        "working directory up].",
    ),
) -> None:
    """Tenant registry, offline plan and operations of the multi-tenant platform."""
    try:
        set_project_dir(project_dir)
    except ProjectNotFoundError as exc:
        fail([str(exc)], "no project", EXIT_SETUP)


EnvOpt = typer.Option("dev", "--env", help="Environment (reads Pulumi.<env>.yaml).")
TenantOpt = typer.Option(None, "--tenant", help="Only this tenant's stack (repeatable).")


# Exit codes: 1 the input was read and fails validation; 2 the command could not run (missing or
# invalid environment file, unknown git ref, bad option).
EXIT_INVALID = 1
EXIT_SETUP = 2


def fail(lines: list[str], title: str, code: int = EXIT_INVALID) -> NoReturn:
    err.print(title, style="bold red", markup=False, highlight=False)
    for line in lines:
        err.print("  [red]✗[/] ", end="")
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def check_output_path(path: Path, option: str) -> None:
    """A bad output path stops the command before any work (exit 2)."""
    problems = output_problems(path, option)
    if problems:
        fail(problems, "cannot write the output", EXIT_SETUP)


def check_input_paths(*paths: tuple[Path, str]) -> None:
    problems = [p for path, option in paths for p in input_problems(path, option)]
    if problems:
        fail(problems, "cannot read the input", EXIT_SETUP)


def load_settings(env: str) -> EnvironmentSettings:
    try:
        return load_environment(env)
    except EnvironmentConfigError as exc:
        code = EXIT_INVALID if exc.findings_only else EXIT_SETUP
        fail(exc.problems, f"environment {env!r} is invalid", code)


def load(tenants: Path | None, env: str) -> tuple[EnvironmentSettings, Registry]:
    settings = load_settings(env)
    try:
        return settings, load_registry(tenants_or_default(tenants), settings)
    except RegistryError as exc:
        fail(
            [str(p) for p in exc.problems],
            f"{len(exc.problems)} problem(s) in the tenant registry; nothing was planned or "
            "applied",
        )


@app.command()
def validate(
    tenants_opt: Path | None = TenantsOpt,
    env: str = EnvOpt,
    base: str | None = typer.Option(
        None,
        "--base",
        help="Git ref to compare with (pull requests): tenants removed without offboarding, and "
        "tier changes with no safe path (downgrades), are errors.",
    ),
) -> None:
    """Check every tenant file and the cross-tenant rules; report every problem at once."""
    tenants = tenants_or_default(tenants_opt)
    settings = load_settings(env)
    problems = []
    registry: Registry | None = None
    try:
        registry = load_registry(tenants, settings)
    except RegistryError as exc:
        problems.extend(exc.problems)
    if base is not None:
        from tenancy.automation.base_view import RegistryView
        from tenancy.automation.git import GitError
        from tenancy.automation.registry_diff import pull_request_problems
        from tenancy.lifecycle.guards import tier_changes_without_path

        try:
            # One view of the base for both rules; a valid registry lends its file list.
            files = list(registry.files.values()) if registry is not None else None
            view = RegistryView.build(base, tenants, files)
            problems.extend(pull_request_problems(base, tenants, view))
            problems.extend(tier_changes_without_path(base, tenants, view))
        except GitError as exc:
            fail([str(exc)], f"cannot compare the registry with {base!r}", EXIT_SETUP)
    if problems:
        fail(
            [str(p) for p in sorted(problems)], f"{len(problems)} problem(s) in the tenant registry"
        )
    assert registry is not None  # no problems means the registry loaded
    counts = ", ".join(f"{len(registry.by_tier(tier))} {tier.value}" for tier in Tier)
    out.print(
        f"[green]✓[/] {len(registry.tenants)} tenant(s) valid in {tenants} for environment "
        f"{env!r} ({counts})"
    )


@app.command()
def schema(
    output_opt: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Where to write the JSON Schema ('-' for stdout) [default: docs/tenant.schema.json "
        "of the project].",
    ),
) -> None:
    """Write the JSON Schema of tenant files (editors validate tenants/*.yaml with it)."""
    from domain.registry.schema import tenant_json_schema

    output = output_opt or project_root() / "docs" / "tenant.schema.json"
    if str(output) != "-":
        check_output_path(output, "--output")

    text = json.dumps(tenant_json_schema(), indent=2) + "\n"
    if str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"[green]✓[/] wrote {output}")


@app.command()
def new(
    tenant_id: str = typer.Argument(
        ..., metavar="ID", help="Tenant id (4-20 chars, lowercase letters, digits, hyphens)."
    ),
    tier: str = typer.Option(..., "--tier", help="free | standard | enterprise"),
    display_name: str | None = typer.Option(None, "--display-name"),
    contact_email: str | None = typer.Option(
        None, "--email", help="Contact email (default: ops@<id>.example)."
    ),
    region: str | None = typer.Option(None, "--region", help="Default: the environment's region."),
    placement: str | None = typer.Option(
        None, "--placement", help="Standard only; default: the least-loaded shared cluster."
    ),
    subdomain: str | None = typer.Option(
        None, "--subdomain", help="Standard only; default: the id."
    ),
    custom_domain: str | None = typer.Option(
        None, "--custom-domain", help="Enterprise only (required)."
    ),
    dedicated_project: bool = typer.Option(False, "--dedicated-project", help="Enterprise only."),
    tenants: Path | None = TenantsOpt,
    env: str = EnvOpt,
) -> None:
    """Write a valid tenant file: the onboarding entry point."""
    from tenancy.onboarding import OnboardingError, write_new_tenant

    settings, registry = load(tenants, env)
    try:
        path = write_new_tenant(
            registry,
            settings,
            tenant_id=tenant_id,
            tier=tier,
            display_name=display_name,
            contact_email=contact_email,
            region=region,
            placement=placement,
            subdomain=subdomain,
            custom_domain=custom_domain,
            dedicated_project=dedicated_project,
        )
    except OnboardingError as exc:
        fail(exc.problems, f"cannot onboard {tenant_id!r}; nothing was written")
    out.print(f"[green]✓[/] wrote {path}")


CacheDirOpt = typer.Option(
    None,
    "--cache-dir",
    help="Plan cache directory (default: $TENANCY_CACHE_DIR, else build/plan-cache).",
)
NoCacheOpt = typer.Option(False, "--no-cache", help="Plan every stack; read and write no cache.")
StackOpt = typer.Option(None, "--stack", help="Only this stack, by name (repeatable).")


def plan_cache(cache_dir: Path | None, no_cache: bool):
    """The plan cache the options ask for (None: no cache)."""
    from tenancy.plan.cache import PlanCache, default_cache_dir

    if no_cache:
        return None
    directory = cache_dir or default_cache_dir(project_root())
    return PlanCache(directory) if directory is not None else None


def select(registry: Registry, env: str, tenant: list[str] | None, stack: list[str] | None):
    """Stacks chosen by --tenant and --stack (every stack without either), and the selection."""
    from domain.plan_model import Selection
    from domain.stacks import StackSelectionError, all_stacks, select_stacks

    try:
        specs = select_stacks(registry, env, tenant) if tenant or not stack else []
    except StackSelectionError as exc:
        fail([str(exc)], "cannot select stacks")
    if stack:
        known = {s.name: s for s in all_stacks(registry, env)}
        unknown = [name for name in stack if name not in known]
        if unknown:
            fail([f"unknown stack(s): {', '.join(unknown)}"], "cannot select stacks")
        chosen = {s.name for s in specs} | set(stack)
        specs = [s for s in known.values() if s.name in chosen]
    if not tenant and not stack:
        return specs, Selection(all=True)
    return specs, Selection(all=False, stacks=tuple(s.name for s in specs))


@app.command()
def plan(
    env: str = EnvOpt,
    tenant: list[str] | None = TenantOpt,
    stack: list[str] | None = StackOpt,
    json_path: Path | None = typer.Option(
        None, "--json", help="Write the plan JSON here (docs/plan-format.md)."
    ),
    tenants: Path | None = TenantsOpt,
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Processes for tenant stacks (default: by size)."
    ),
    cache_dir: Path | None = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
) -> None:
    """Run the real program offline under the Pulumi mock runtime and show what it would create.

    Each stack's plan is cached under a content key of everything it depends on; a stack whose
    key is cached is read, not planned again."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tenancy.plan.incremental import Keys, git_ref, plan_cached

    if json_path is not None:
        check_output_path(json_path, "--json")
    settings, registry = load(tenants, env)
    specs, selection = select(registry, env, tenant, stack)
    cache = plan_cache(cache_dir, no_cache)
    keys = Keys.of_registry(project_root(), env, registry)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]planning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(specs))

        def on_stack(stack) -> None:
            progress.update(
                task, advance=1, description=f"{stack.name} ({stack.resource_total()} resources)"
            )

        result = plan_cached(
            specs,
            settings,
            registry,
            keys.stacks,
            cache,
            on_stack=on_stack,
            workers=workers,
            selection=selection,
            ref=git_ref(project_root()),
        )
    elapsed = time.perf_counter() - started
    if json_path is not None:
        result.write(json_path)
    _print_plan(result, verbose=len(result.stacks) <= 12)
    reused = f", {cache.hits} from the cache" if cache is not None and cache.hits else ""
    out.print(
        f"[green]✓[/] {result.resource_count} resources in {len(result.stacks)} stack(s){reused}, "
        f"planned offline in {elapsed:.1f}s"
        + (f"; JSON written to {json_path}" if json_path else "")
    )


def _print_plan(result, verbose: bool) -> None:
    if verbose:
        for stack in result.stacks:
            label = f"{stack.name}" + (
                f" — {stack.tenant} ({stack.tier})"
                if stack.tenant
                else " — platform (shared pool + free tenants)"
            )
            table = Table(title=label, title_justify="left", show_edge=False)
            table.add_column("type")
            table.add_column("count", justify="right")
            for rtype, count in stack.count_by_type().items():
                table.add_row(rtype, str(count))
            table.add_row("[bold]total", f"[bold]{len(stack.resources)}")
            out.print(table)
            out.print()
    else:
        table = Table(title="stacks", title_justify="left", show_edge=False)
        for column in ("stack", "tenant", "tier", "resources"):
            table.add_column(column, justify="right" if column == "resources" else "left")
        for stack in result.stacks:
            table.add_row(
                stack.name,
                stack.tenant or "-",
                stack.tier or "platform",
                str(stack.resource_total()),
            )
        out.print(table)


@app.command()
def diff(
    base: Path = typer.Argument(..., help="Base plan JSON."),
    head: Path = typer.Argument(..., help="Head plan JSON."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the markdown here instead of stdout."
    ),
) -> None:
    """Resources added, removed and changed per stack, as markdown for a pull-request comment."""
    from domain.plan_model import Plan, PlanFormatError
    from tenancy.plan.diff import render_markdown

    check_input_paths((base, "BASE"), (head, "HEAD"))
    if output:
        check_output_path(output, "--output")
    try:
        text = render_markdown(Plan.read(base), Plan.read(head))
    except PlanFormatError as exc:
        fail([str(exc)], "cannot diff")
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def docs(
    check: bool = typer.Option(
        False, "--check", help="Fail if a generated doc is out of date instead of writing it."
    ),
) -> None:
    """Regenerate the docs that come from code (tier matrix, per-tier resource tables, policies)."""
    from tenancy.docs import regenerate

    stale = regenerate(check=check)
    if check and stale:
        fail([f"{p} is out of date: run `tenancy docs`" for p in stale], "generated docs are stale")
    out.print(
        "[green]✓[/] generated docs are up to date"
        if check
        else "[green]✓[/] generated docs written"
    )


def _register_subcommands() -> None:
    """Commands contributed by the policy, automation and database packages."""
    from tenancy.automation.cli import register as register_automation
    from tenancy.checks.cli import register as register_checks
    from tenancy.cost.cli import register as register_cost
    from tenancy.db.cli import db_app, migrate_data_command, purge_tenant_data_command
    from tenancy.lifecycle.cli import register as register_lifecycle
    from tenancy.ops.keys import register as register_keys
    from tenancy.upgrade.cli import register as register_upgrade

    register_checks(app)
    register_cost(app)
    register_automation(app)
    register_lifecycle(app)
    register_keys(app)
    register_upgrade(app)
    app.add_typer(db_app, name="db", help="Database schema: apply the versioned migrations.")
    app.command(
        "migrate-data",
        help="Copy one tenant's rows from the shared database to its dedicated instance "
        "(Free→Standard).",
    )(migrate_data_command)
    app.command(
        "purge-tenant-data",
        help="Delete a migrated tenant's rows from the shared database after the retention period.",
    )(purge_tenant_data_command)


# Commands defined in this module, which need none of the others' modules.
OWN_COMMANDS = frozenset({"validate", "schema", "new", "plan", "diff"})


def _runs_own_command(argv: list[str]) -> bool:
    """True when this process is the `tenancy` program running one of this module's commands:
    then the other packages' commands (and their imports, ~0.3 s) are not needed."""
    program = Path(argv[0]).name if argv else ""
    return program in ("tenancy", "cli.py") and len(argv) > 1 and argv[1] in OWN_COMMANDS


if not _runs_own_command(sys.argv):
    _register_subcommands()

if __name__ == "__main__":
    app()
