"""``tenancy upgrade ID --to standard`` and ``tenancy worker``.

Exit codes: 0 success; 1 the upgrade failed or was refused (the message says what state the tenant
is in), or the registry is invalid; 2 it could not run (Temporal unreachable, missing environment,
unknown tenant).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tenancy.upgrade.model import DEFAULT_TASK_QUEUE


def _out() -> Console:
    # Wide when captured (logs, CI): the step table stays one row per step.
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> NoReturn:
    _err().print(Text("error: ", style="bold red") + Text(message))
    raise typer.Exit(code)


_STYLES = {
    "done": "green",
    "skipped": "cyan",
    "running": "yellow",
    "failed": "red",
    "compensated": "magenta",
    "pending": "dim",
}


def print_status(status) -> None:
    table = Table(title=f"{status.workflow_id}: {status.run_status.lower()}, {status.phase}")
    for column in ("step", "state", "started", "finished", "detail"):
        table.add_column(column)
    for step in status.steps:
        table.add_row(
            step["step"],
            Text(step["state"], style=_STYLES.get(step["state"], "")),
            step.get("started_at", ""),
            step.get("finished_at", ""),
            step.get("detail", ""),
        )
    _out().print(table)


_ADDRESS = typer.Option(
    None, "--temporal-address", help="host:port of Temporal (default: $TEMPORAL_ADDRESS)"
)
_NAMESPACE = typer.Option(
    None, "--temporal-namespace", help="the platform's namespace (default: $TEMPORAL_NAMESPACE)"
)
_QUEUE = typer.Option(DEFAULT_TASK_QUEUE, "--task-queue", help="the lifecycle workers' task queue")


def register(app: typer.Typer) -> None:
    @app.command("upgrade")
    def upgrade_command(
        tenant: str = typer.Argument(..., help="tenant id, as in tenants/<id>.yaml"),
        to: str = typer.Option("standard", "--to", help="the tier to move to (only: standard)"),
        status: bool = typer.Option(
            False, "--status", help="show the steps of the tenant's latest upgrade and exit"
        ),
        wait: bool = typer.Option(True, "--wait/--no-wait", help="wait for the upgrade to end"),
        env: str = typer.Option("dev", "--env", help="environment"),
        tenants: Path | None = typer.Option(None, "--tenants", help="tenant registry directory"),
        temporal_address: str | None = _ADDRESS,
        temporal_namespace: str | None = _NAMESPACE,
        task_queue: str = _QUEUE,
    ) -> None:
        """Move a free tenant to the standard tier as one durable workflow (docs/lifecycle.md).
        A `tenancy worker` runs it; run this again after a failure to finish or retry it."""
        from tenancy.upgrade.runtime import TemporalTarget

        target = TemporalTarget.from_env(
            address=temporal_address, namespace=temporal_namespace, task_queue=task_queue
        )
        if status:
            asyncio.run(_show_status(target, env, tenant))
            return
        if to != "standard":
            _fail(f"there is no upgrade path to {to!r}: only free -> standard", 1)
        _check_registry(tenant, env, tenants)
        asyncio.run(_start(target, env, tenant, wait))

    @app.command("worker")
    def worker_command(
        env: str = typer.Option("dev", "--env", help="environment"),
        temporal_address: str | None = _ADDRESS,
        temporal_namespace: str | None = _NAMESPACE,
        task_queue: str = _QUEUE,
    ) -> None:
        """Run the lifecycle worker: it executes upgrade workflows and their steps. Connections
        come from the environment (see docs/lifecycle.md); it runs until interrupted."""
        from tenancy.upgrade.runtime import TemporalTarget, deps_from_env

        try:
            deps = deps_from_env(env)
        except KeyError as exc:
            _fail(f"the worker needs these environment variables: {exc.args[0]}", 2)
        except Exception as exc:  # e.g. the Pulumi CLI or passphrase is missing
            _fail(str(exc), 2)
        target = TemporalTarget.from_env(
            address=temporal_address, namespace=temporal_namespace, task_queue=task_queue
        )
        try:
            asyncio.run(_work(target, deps))
        except KeyboardInterrupt:
            _out().print("worker stopped")


def _check_registry(tenant: str, env: str, tenants: Path | None) -> None:
    from domain.environment import EnvironmentConfigError, load_environment
    from domain.project import project_root
    from domain.registry import RegistryError, load_registry

    try:
        settings = load_environment(env)
    except EnvironmentConfigError as exc:
        _fail(f"cannot read the environment: {exc}", 2)
    try:
        registry = load_registry(tenants or project_root() / "tenants", settings)
    except RegistryError as exc:  # read, and invalid: a finding (1), as in every command
        _fail(f"the tenant registry is invalid: {exc}", 1)
    entry = registry.get(tenant)
    if entry is None:
        _fail(f"tenant {tenant!r} is not in the registry", 2)
    tier = str(getattr(entry, "tier", ""))
    if tier != "standard":
        _fail(
            f"tenant {tenant!r} has tier {tier} in the registry: merge the pull request "
            "that sets `tier: standard` first (the upgrade builds the stack the registry declares)",
            1,
        )


async def _client(target):
    from tenancy.upgrade.runtime import connect

    try:
        return await connect(target)
    except Exception as exc:
        _fail(f"cannot reach Temporal at {target.address} ({target.namespace}): {exc}", 2)


async def _work(target, deps) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tenancy.upgrade.runtime import make_worker

    client = await _client(target)
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="upgrade-step") as executor:
        worker = make_worker(client, target.task_queue, deps, executor)
        _out().print(
            f"worker for upgrades on {target.address}, namespace {target.namespace}, "
            f"task queue {target.task_queue}"
        )
        await worker.run()


async def _show_status(target, env: str, tenant: str) -> None:
    from tenancy.upgrade.runtime import upgrade_status

    client = await _client(target)
    status = await upgrade_status(client, env, tenant)
    if status is None:
        _fail(f"no upgrade of tenant {tenant!r} in environment {env!r} was started", 1)
    print_status(status)
    if status.run_status not in ("COMPLETED", "RUNNING"):
        raise typer.Exit(1)


async def _start(target, env: str, tenant: str, wait: bool) -> None:
    from temporalio.client import WorkflowFailureError
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from tenancy.upgrade.model import UpgradeInput
    from tenancy.upgrade.runtime import start_upgrade, upgrade_status

    client = await _client(target)
    try:
        handle = await start_upgrade(client, target.task_queue, UpgradeInput(tenant, env))
    except WorkflowAlreadyStartedError:
        _fail(
            f"an upgrade of {tenant!r} is already running: `tenancy upgrade {tenant} --status`", 1
        )
    _out().print(f"started {handle.id} on task queue {target.task_queue}")
    if not wait:
        return
    try:
        await handle.result()
        failed = False
    except WorkflowFailureError as exc:
        failed = True
        cause = exc.cause
        message = str(cause.message if hasattr(cause, "message") else cause)
    status = await upgrade_status(client, env, tenant)
    if status is not None:
        print_status(status)
    if failed:
        _fail(message, 1)
    _out().print(Text(f"tenant {tenant} is upgraded to standard", style="green"))
