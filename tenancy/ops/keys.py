"""``tenancy keys``: which Temporal Cloud API keys expire when, and whether a rotation is due.

Read from the environment file and the registry alone (no plan, no cloud): every generation in
``temporal.api_keys`` is one key per Temporal namespace, and the workers hold the newest. Names
and dates only; a token never reaches this report.

Exit codes: 0 nothing due; 1 a rotation step is due on the day asked about (the newest generation
has fewer than TEMPORAL_API_KEY_MIN_REMAINING_DAYS left, or a generation has expired and must be
removed), or the environment's generations are invalid; 2 the command could not run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from domain import clock, names
from domain.api_keys import MIN_REMAINING, newest
from domain.conventions import TEMPORAL_API_KEY_MIN_REMAINING_DAYS
from domain.environment import EnvironmentSettings
from domain.registry import Registry
from domain.tiers import TIERS, Status

FREE_TIER_BLOCK = "free-tier-temporal"


@dataclass(frozen=True)
class KeyRef:
    stack: str
    resource: str  # the Apikey's Pulumi name
    namespace: str  # the Temporal namespace it authenticates to
    disabled: bool  # the tenant is suspended


@dataclass(frozen=True)
class GenerationRow:
    generation: str
    expires: str
    days_left: int
    role: str  # "in use" (the workers hold it), "retiring", "expired"
    keys: list[KeyRef] = field(default_factory=list)


@dataclass(frozen=True)
class KeyReport:
    environment: str
    at: str
    min_remaining_days: int
    generations: list[GenerationRow]
    findings: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Namespace = tuple[str, str, str, bool]


def _namespaces(settings: EnvironmentSettings, registry: Registry) -> list[Namespace]:
    """(stack, key block, Temporal namespace, disabled) for every namespace that holds keys."""
    env = settings.environment
    found = [(env, FREE_TIER_BLOCK, names.shared_temporal_namespace(env), False)]
    for tenant in sorted(registry.tenants, key=lambda t: t.id):
        if TIERS[tenant.tier].own_stack:
            found.append(
                (
                    f"{env}.{tenant.id}",
                    f"{tenant.id}-temporal",
                    names.temporal_namespace(env, tenant.id),
                    tenant.status == Status.SUSPENDED,
                )
            )
    return found


def key_report(settings: EnvironmentSettings, registry: Registry, at: datetime) -> KeyReport:
    generations = settings.temporal.api_keys
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if settings.temporal.backend != "cloud" or not generations:
        return KeyReport(settings.environment, stamp, TEMPORAL_API_KEY_MIN_REMAINING_DAYS, [], [])
    current = newest(generations)
    namespaces = _namespaces(settings, registry)
    rows: list[GenerationRow] = []
    findings: list[str] = []
    for g in generations:
        left = g.expires_at - at
        expired = left.total_seconds() <= 0
        role = "expired" if expired else "in use" if g is current else "retiring"
        rows.append(
            GenerationRow(
                g.generation,
                g.expires,
                left.days,
                role,
                [
                    KeyRef(stack, f"{block}-api-key-{g.generation}", namespace, disabled)
                    for stack, block, namespace, disabled in namespaces
                ],
            )
        )
        if expired:
            findings.append(
                f"generation {g.generation!r} expired at {g.expires}: remove it from "
                "temporal.api_keys (its keys no longer authenticate)"
            )
    if current.expires_at - at < MIN_REMAINING:
        findings.append(
            f"rotation due: the newest generation {current.generation!r} expires at "
            f"{current.expires}, less than {TEMPORAL_API_KEY_MIN_REMAINING_DAYS} days after "
            f"{stamp}: add a generation (docs/operations.md, Temporal API keys)"
        )
    return KeyReport(
        settings.environment, stamp, TEMPORAL_API_KEY_MIN_REMAINING_DAYS, rows, findings
    )


def keys_command(
    env: Annotated[
        str, typer.Option("--env", help="Environment: reads Pulumi.<env>.yaml.")
    ] = "dev",
    tenants: Annotated[
        Path | None,
        typer.Option("--tenants", help="Tenant registry directory [default: tenants/]."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="INSTANT",
            help="Judge the keys on this day instead of now (ISO 8601 with offset, e.g. "
            "2027-06-01T00:00:00Z).",
        ),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON.")
    ] = None,
) -> None:
    """Which Temporal API keys expire when, and whether a rotation step is due."""
    from rich.table import Table

    from tenancy.cli import (
        EXIT_INVALID,
        EXIT_SETUP,
        check_output_path,
        fail,
        load,
        out,
    )

    if json_path is not None:
        check_output_path(json_path, "--json")
    try:
        moment = clock.parse_instant(at) if at is not None else clock.now()
    except clock.ClockError as exc:
        fail([f"--at: {exc}"], "bad option", EXIT_SETUP)
    settings, registry = load(tenants, env)
    report = key_report(settings, registry, moment)
    if not report.generations:
        out.print(f"environment {env!r} uses no Temporal Cloud API keys")
    else:
        count = len(report.generations[0].keys)
        table = Table(title=f"Temporal API keys of {env!r} on {report.at} ({count} namespace(s))")
        for column in ("generation", "expires", "days left", "role", "keys"):
            table.add_column(column)
        for row in report.generations:
            disabled = sum(k.disabled for k in row.keys)
            note = f" ({disabled} disabled: suspended)" if disabled else ""
            table.add_row(
                row.generation, row.expires, str(row.days_left), row.role, f"{len(row.keys)}{note}"
            )
        out.print(table)
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if report.findings:
        fail(report.findings, f"{len(report.findings)} key rotation step(s) due", EXIT_INVALID)
    if report.generations:
        out.print(
            f"[green]✓[/] no rotation due: the newest generation keeps at least "
            f"{report.min_remaining_days} days"
        )


def register(app: typer.Typer) -> None:
    app.command("keys")(keys_command)
