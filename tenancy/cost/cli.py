"""`tenancy cost`: the monthly estimate per resource, tenant, tier and stack.

Exit codes: 0 every resource priced; 1 the estimate is incomplete (a resource the catalogue
cannot price, listed with its type), or the registry is invalid; 2 could not run (a bad path, the
environment, the catalogue, an --assume pair, a plan that cannot be read or made).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.project import project_root
from tenancy.paths import input_problems, output_problems

EXIT_INCOMPLETE = 1
EXIT_INPUT = 2

out = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command("cost")(cost)


def _input_error(lines: list[str]) -> None:
    err.print("[bold red]tenancy cost: cannot run[/]")
    for line in lines:
        err.print(f"  [red]✗[/] {escape(line)}", soft_wrap=True)
    raise typer.Exit(EXIT_INPUT)


def check_paths(plan: Path | None, json_out: Path | None, tenants: Path) -> list[str]:
    """Every bad path, before any work."""
    problems = []
    if plan is not None:
        problems += input_problems(plan, "--plan")
    if json_out is not None:
        problems += output_problems(json_out, "--json")
    if plan is None and not tenants.is_dir():
        problems.append(f"--tenants {tenants}: not a directory")
    return problems


def cost(
    env: str = typer.Option("dev", "--env", help="Environment (reads Pulumi.<env>.yaml)."),
    tenant: list[str] | None = typer.Option(
        None, "--tenant", help="Report only this tenant (repeatable); shares are computed over all."
    ),
    plan: Path | None = typer.Option(
        None, "--plan", help="A plan JSON from `tenancy plan --json` instead of planning now."
    ),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write the estimate JSON here (docs/cost.md)."
    ),
    assume: list[str] | None = typer.Option(
        None,
        "--assume",
        help="Change a usage assumption, KEY=VALUE (pricing/assumptions.yaml); repeatable.",
    ),
    tenants_opt: Path | None = typer.Option(
        None, "--tenants", help="Tenant registry directory [default: tenants/ of the project]."
    ),
) -> None:
    """Estimate the monthly cost (USD) of the plan per resource, tenant, tier and stack."""
    from domain.plan_model import PlanFormatError
    from tenancy.cost.catalogue import CatalogueError, load_catalogue, parse_assumptions
    from tenancy.cost.estimate import dumps, estimate, read_plan

    tenants = tenants_opt if tenants_opt is not None else project_root() / "tenants"
    problems = check_paths(plan, json_out, tenants)
    if problems:
        _input_error(problems)
    try:
        catalogue = load_catalogue()
        assumptions = parse_assumptions(catalogue, assume or [])
    except CatalogueError as exc:
        _input_error(exc.problems)
    if plan is not None:
        try:
            the_plan = read_plan(plan)
        except PlanFormatError as exc:
            _input_error([str(exc)])
    else:
        the_plan = _plan_now(env, tenants)
    result = estimate(the_plan, catalogue, assumptions)
    if tenant:
        unknown = sorted(set(tenant) - set(result.tenants))
        if unknown:
            _input_error([f"--tenant {t}: not in the plan" for t in unknown])
        result = result.only(tenant)
    data = result.to_json()
    if json_out is not None:
        json_out.write_text(dumps(data), encoding="utf-8")
    print_estimate(result, data, verbose=bool(tenant))
    if result.unpriced:
        raise typer.Exit(EXIT_INCOMPLETE)


def _plan_now(env: str, tenants: Path):
    from domain.environment import EnvironmentConfigError, load_environment
    from domain.registry import RegistryError, load_registry
    from domain.stacks import all_stacks
    from tenancy.plan.engine import plan_stacks

    try:
        settings = load_environment(env)
    except EnvironmentConfigError as exc:
        _input_error(exc.problems)
    try:
        registry = load_registry(tenants, settings)
    except RegistryError as exc:
        err.print(
            f"[bold red]{len(exc.problems)} problem(s) in the tenant registry;"
            " nothing was estimated[/]"
        )
        for problem in exc.problems:
            err.print(f"  [red]✗[/] {escape(str(problem))}", soft_wrap=True)
        raise typer.Exit(EXIT_INCOMPLETE) from None
    try:
        # Shares depend on every tenant on a cluster, so the whole environment is planned.
        return plan_stacks(all_stacks(registry, env), settings, registry)
    except Exception as exc:
        _input_error([f"the offline plan failed: {type(exc).__name__}: {exc}"])


def usd(value: float) -> str:
    return f"${value:,.2f}"


MAX_TENANT_ROWS = 30


def print_estimate(result, data: dict, verbose: bool = False) -> None:
    table = Table(
        title=f"monthly estimate (USD, prices of {data['catalogue_date']})",
        title_justify="left",
        show_edge=False,
    )
    for column in ("tenant", "tier", "dedicated", "shared", "total"):
        table.add_column(column, justify="left" if column in ("tenant", "tier") else "right")
    rows = data["tenants"]
    if len(rows) > MAX_TENANT_ROWS:  # a long registry: the most expensive, the rest in --json
        rows = sorted(rows, key=lambda r: -r["monthly_usd"])[:10]
        table.title = f"{table.title}: the 10 most expensive of {len(data['tenants'])} tenants"
    for row in rows:
        table.add_row(
            row["tenant"],
            row["tier"],
            usd(row["dedicated_usd"]),
            usd(row["shared_usd"]),
            usd(row["monthly_usd"]),
        )
    out.print(table)
    tiers = Table(title="per tier", title_justify="left", show_edge=False)
    for column in ("tier", "tenants", "dedicated", "shared", "total", "per tenant"):
        tiers.add_column(column, justify="left" if column == "tier" else "right")
    for row in data["tiers"]:
        if row["tenants"]:
            tiers.add_row(
                row["tier"],
                str(row["tenants"]),
                usd(row["dedicated_usd"]),
                usd(row["shared_usd"]),
                usd(row["monthly_usd"]),
                usd(row["average_per_tenant_usd"]),
            )
    out.print(tiers)
    if len(data["stacks"]) <= 12:
        stacks = Table(title="per stack", title_justify="left", show_edge=False)
        for column in ("stack", "tenant", "total", "platform's own"):
            stacks.add_column(column, justify="left" if column in ("stack", "tenant") else "right")
        for row in data["stacks"]:
            stacks.add_row(
                row["stack"],
                row["tenant"] or "-",
                usd(row["monthly_usd"]),
                usd(row["platform_usd"]),
            )
        out.print(stacks)
    if result.selected is None:
        out.print(
            f"platform's own (tenant null): {usd(result.platform_total)};"
            f" total {usd(result.total)} a month"
        )
    if verbose:
        for line in result.lines:
            out.print(
                f"  {escape(line.tenant or '-')} {usd(line.monthly_usd):>12}  {escape(line.type)}  "
                f"[dim]{escape(line.basis)}[/]",
                soft_wrap=True,
            )
    if result.unpriced:
        err.print(
            f"[bold red]{len(result.unpriced)} resource(s) could not be priced[/]"
            " (not counted in the totals):"
        )
        for u in result.unpriced:
            err.print(
                f"  [red]✗[/] {escape(u.type)} {escape(u.urn)}: {escape(u.reason)}", soft_wrap=True
            )
    out.print(
        "[dim]usage assumptions: pricing/assumptions.yaml (change with --assume KEY=VALUE)[/]"
    )
