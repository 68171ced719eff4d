"""`tenancy check`: run the policy pack offline and report by tenant and policy.

Exit codes: 0 nothing blocks; 1 a mandatory violation, or a mandatory policy that could not
decide (unless --allow-undecided); 2 the input could not be read (environment, registry, plan,
policy config) or planning failed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from domain.environment import EnvironmentConfigError, EnvironmentSettings, load_environment
from domain.plan_model import Plan, PlanFormatError
from domain.project import project_root
from domain.registry import Registry, RegistryError, load_registry
from tenancy.paths import input_problems, output_problems

if TYPE_CHECKING:
    from tenancy.checks.engine import CheckReport, CheckResult

EXIT_BLOCKED = 1
EXIT_INPUT = 2
PLATFORM = "platform (shared)"

out = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add `check` to the tenancy CLI."""
    app.command("check")(check)


def check(
    env: str = typer.Option("dev", "--env", help="Environment (reads Pulumi.<env>.yaml)."),
    tenant: list[str] | None = typer.Option(
        None, "--tenant", help="Only this tenant's stack (repeatable)."
    ),
    plan: Path | None = typer.Option(
        None, "--plan", help="A plan JSON from `tenancy plan --json` instead of planning now."
    ),
    json_out: Path | None = typer.Option(
        None, "--json", help="Also write the results as JSON (for CI)."
    ),
    tenants_opt: Path | None = typer.Option(
        None, "--tenants", help="Tenant registry directory [default: tenants/ of the project]."
    ),
    policy_config: Path | None = typer.Option(
        None,
        "--policy-config",
        help="Policy config JSON, as `pulumi preview --policy-pack-config`.",
    ),
    allow_undecided: bool = typer.Option(
        False,
        "--allow-undecided",
        help="Do not fail on mandatory policies that cannot decide offline.",
    ),
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        help="Plan cache (default: $TENANCY_CACHE_DIR, else build/plan-cache).",
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Plan and evaluate every stack; read and write no cache."
    ),
) -> None:
    """Evaluate the policy pack against the offline plan; exit 1 on any mandatory violation.

    Plans and policy results are cached by content key: only stacks whose plan or whose registry
    facts changed are planned and evaluated again."""
    problems = [*(input_problems(plan, "--plan") if plan else [])]
    problems += output_problems(json_out, "--json") if json_out else []
    if policy_config is not None:
        problems += input_problems(policy_config, "--policy-config")
    if problems:
        _input_error("; ".join(problems))  # before any work
    tenants = tenants_opt if tenants_opt is not None else project_root() / "tenants"
    settings, registry = _load_inputs(env, tenants)
    config = _load_policy_config(policy_config)
    cache = None
    if not no_cache:
        from tenancy.plan.cache import PlanCache, default_cache_dir

        directory = cache_dir or default_cache_dir(project_root())
        cache = PlanCache(directory) if directory is not None else None
    try:
        report = _cached_report(plan, settings, registry, tenant or [], tenants, cache, config)
    except ValueError as exc:  # e.g. an enforcement level the engine does not know
        _input_error(f"policy config: {exc}")
    print_report(report, allow_undecided)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=1) + "\n", encoding="utf-8")
    if report.failed(allow_undecided):
        raise typer.Exit(EXIT_BLOCKED)


def _cached_report(
    path: Path | None,
    settings: EnvironmentSettings,
    registry: Registry,
    tenant_ids: list[str],
    tenants: Path,
    cache,
    config: dict | None,
) -> CheckReport:
    """The report, with each stack's results read from the cache when its policy key is there.

    From a plan file, a stack's results are keyed by the stack's own content (a file may have been
    edited); planned now, by its content key (tenancy.plan.keys)."""
    from domain.stacks import StackSelectionError, select_stacks
    from tenancy.checks.engine import CheckReport, CheckResult
    from tenancy.plan.incremental import (
        Keys,
        check_cached,
        judging_code,
        plan_cached,
        plan_file_key,
    )

    keys = Keys.of_registry(project_root(), settings.environment, registry)
    if path is not None:
        the_plan = _load_plan(path, settings, registry, tenant_ids)
        stacks = {s.name: s for s in the_plan.stacks}
        # Keys only name cache entries: without a cache, no stack is hashed.
        code = judging_code(project_root()) if cache is not None else ""
        keys.stacks = (
            {name: plan_file_key(stack, code) for name, stack in stacks.items()}
            if cache is not None
            else {}
        )

        def plans(names: list[str]):
            return {n: stacks[n] for n in names}

        names = list(stacks)
    else:
        try:
            specs = select_stacks(registry, settings.environment, tenant_ids)
        except StackSelectionError as exc:
            _input_error(str(exc))
        by_name = {s.name: s for s in specs}

        def plans(names: list[str]):
            try:
                planned = plan_cached(
                    [by_name[n] for n in names], settings, registry, keys.stacks, cache
                )
            except Exception as exc:
                _input_error(f"the offline plan failed: {type(exc).__name__}: {exc}")
            return {s.name: s for s in planned.stacks}

        names = [s.name for s in sorted(specs, key=lambda s: (s.kind != "platform", s.name))]
    per_stack = check_cached(plans, names, keys, settings, registry, cache, config)
    report = CheckReport(stacks=len(names))
    for stack_results in per_stack:
        report.resources += stack_results.resources
        for raw in stack_results.results:
            report.add(CheckResult(**{k: raw[k] for k in (*_RESULT_FIELDS, "undecided")}))
    return report


_RESULT_FIELDS = ("policy", "level", "stack", "tenant", "urn", "message")


def _input_error(message: str, code: int = EXIT_INPUT) -> NoReturn:
    err.print(f"[bold red]tenancy check:[/] {escape(message)}")
    raise typer.Exit(code)


def _load_inputs(env: str, tenants: Path) -> tuple[EnvironmentSettings, Registry]:
    try:
        settings = load_environment(env)
    except EnvironmentConfigError as exc:  # only key generations failing: a finding (1)
        _input_error("; ".join(exc.problems), EXIT_BLOCKED if exc.findings_only else EXIT_INPUT)
    try:
        return settings, load_registry(tenants, settings)
    except RegistryError as exc:  # read, and invalid: a finding (1), as in every command
        _input_error(str(exc), EXIT_BLOCKED)


def _load_plan(
    path: Path | None, settings: EnvironmentSettings, registry: Registry, tenant_ids: list[str]
) -> Plan:
    from domain.stacks import StackSelectionError, select_stacks

    try:
        specs = select_stacks(registry, settings.environment, tenant_ids)
    except StackSelectionError as exc:
        _input_error(str(exc))
    if path is not None:
        try:
            plan = Plan.read(path)
        except PlanFormatError as exc:
            _input_error(str(exc))
        wanted = {spec.name for spec in specs}
        return (
            Plan([stack for stack in plan.stacks if stack.name in wanted]) if tenant_ids else plan
        )
    from tenancy.plan.engine import plan_stacks

    try:
        return plan_stacks(specs, settings, registry)
    except Exception as exc:
        _input_error(f"the offline plan failed: {type(exc).__name__}: {exc}")


def _load_policy_config(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _input_error(f"{path}: {exc}")
    if not isinstance(data, dict):
        _input_error(f"{path}: policy config is a JSON object keyed by policy name")
    return data


# --- printing ------------------------------------------------------------------------------------


def _grouped(results: list[CheckResult]) -> dict[str, dict[str, list[CheckResult]]]:
    groups: dict[str, dict[str, list[CheckResult]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        groups[result.tenant or PLATFORM][result.policy].append(result)
    return groups


def _print_group(title: str, results: list[CheckResult], undecided: bool) -> None:
    for tenant, by_policy in sorted(
        _grouped(results).items(), key=lambda kv: (kv[0] == PLATFORM, kv[0])
    ):
        stacks = sorted({r.stack for rs in by_policy.values() for r in rs})
        out.print(f"\n[bold]{escape(tenant)}[/] [dim]({escape(', '.join(stacks))}) — {title}[/]")
        for policy, items in sorted(by_policy.items()):
            mark = (
                "[yellow]?[/]"
                if undecided
                else ("[red]✗[/]" if items[0].level == "mandatory" else "[yellow]![/]")
            )
            out.print(f"  {mark} [bold]{escape(policy)}[/] [dim]{items[0].level}[/]")
            for result in items:
                out.print(f"      {escape(result.message)}", soft_wrap=True)
                if result.urn:
                    out.print(f"        [dim]{escape(result.urn)}[/]", soft_wrap=True)


def print_report(report: CheckReport, allow_undecided: bool = False) -> None:
    summary = report.summary
    out.print(f"tenancy check: {report.stacks} stack(s), {report.resources} resource(s)")
    if report.violations:
        _print_group("violations", report.violations, undecided=False)
    if report.undecided:
        _print_group(
            "undecided (a value is unknown until deploy)", report.undecided, undecided=True
        )
    verdict = "[red]FAIL[/]" if report.failed(allow_undecided) else "[green]PASS[/]"
    out.print(
        f"\n{verdict} {summary['mandatory']} mandatory, {summary['advisory']} advisory, "
        f"{summary['undecided']} undecided"
    )
