"""Command line of the database tooling.

``db_app`` is mounted as ``tenancy db``; ``migrate_data_command`` and ``purge_tenant_data_command``
are registered on the top-level app as ``tenancy migrate-data`` and ``tenancy purge-tenant-data``.
DSNs are secrets: output names databases as user@host:port/dbname and masks any password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tenancy.db.defaults import DEFAULT_RETENTION_DAYS, MIGRATIONS_DIR_ENV

# The database modules import psycopg; they load when a database command runs, not with the CLI.
if TYPE_CHECKING:
    from tenancy.db.datamove import DataMigrationReport, TableResult

db_app = typer.Typer(
    name="db",
    help="Schema migrations of the platform's PostgreSQL databases.",
    no_args_is_help=True,
    add_completion=False,
)


def _out() -> Console:
    # Created per call so typer's CliRunner (which swaps sys.stdout) captures the output.
    return Console(highlight=False, soft_wrap=True)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def _failures_exit_non_zero(*dsns: str) -> Iterator[None]:
    """One red line naming what failed, with any password masked, and exit code 1."""
    import psycopg

    from tenancy.db.connection import redact
    from tenancy.db.errors import DatabaseToolError, MigrationFilesError

    try:
        yield
    except (DatabaseToolError, MigrationFilesError, psycopg.Error) as exc:
        message = redact(" ".join(str(exc).split()), *dsns)
        _err().print(Text("error: ", style="bold red") + Text(message))
        raise typer.Exit(code=1) from None


_DSN_HELP = (
    "libpq connection string or URL; prefer --password-file (or PGPASSWORD) over a password in "
    "the DSN"
)
_PASSWORD_FILE_HELP = (
    "file holding the password for every --dsn, e.g. a mounted Kubernetes Secret: the password "
    "is then in neither the command line nor the environment"
)


def _read_password(path: Path) -> str:
    """The password in ``path`` (one trailing newline dropped); exit 2 when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        _err().print(
            Text("error: ", style="bold red")
            + Text(f"--password-file {path}: cannot read it ({reason})")
        )
        raise typer.Exit(code=2) from None
    password = text.removesuffix("\n").removesuffix("\r")
    if not password:
        _err().print(Text("error: ", style="bold red") + Text(f"--password-file {path}: empty"))
        raise typer.Exit(code=2)
    return password


_DIR_HELP = f"directory of NNNN_name.sql files (default: ${MIGRATIONS_DIR_ENV}, else migrations/)"


@db_app.command("migrate")
def migrate_command(
    dsn: list[str] = typer.Option(..., "--dsn", help=f"{_DSN_HELP}; repeat for several databases"),
    migrations_dir: Path | None = typer.Option(
        None, "--migrations-dir", envvar=MIGRATIONS_DIR_ENV, help=_DIR_HELP
    ),
    grant_app_role_to: list[str] = typer.Option(
        [],
        "--grant-app-role-to",
        metavar="LOGIN",
        help="after migrating, make this service login a member of tenancy_app (repeatable); "
        "refused if it is a superuser, has BYPASSRLS, CREATEROLE or CREATEDB, or is a member of "
        "the table owner or of such a role",
    ),
    app_tenant: list[str] = typer.Option(
        [],
        "--app-tenant",
        metavar="ID",
        help="the tenant the service login serves (a dedicated instance's); repeatable",
    ),
    all_tenants: bool = typer.Option(
        False, "--all-tenants", help="the service login serves every tenant (the shared pool's)"
    ),
    grant_direct_role_to: str | None = typer.Option(
        None,
        "--grant-direct-role-to",
        metavar="LOGIN",
        help="after migrating, give this login of the tenant's own (its group's role) direct "
        "read access to the tenant's rows (tenancy_readonly), RLS still applied; needs "
        "--direct-tenant",
    ),
    direct_tenant: str | None = typer.Option(
        None, "--direct-tenant", metavar="ID", help="the tenant the direct login belongs to"
    ),
    direct_writes: bool = typer.Option(
        False, "--direct-writes", help="the direct login may also write (tenancy_app)"
    ),
    password_file: Path | None = typer.Option(
        None, "--password-file", metavar="FILE", help=_PASSWORD_FILE_HELP
    ),
) -> None:
    """Apply pending migrations, in order, each once. Re-running is a no-op."""
    from tenancy.db.connection import describe_dsn, with_password
    from tenancy.db.migrations import ALL_TENANTS, grant_app_role, grant_direct_role, migrate

    if grant_app_role_to and bool(app_tenant) == all_tenants:
        _err().print(
            Text("error: ", style="bold red")
            + Text("--grant-app-role-to needs exactly one of --app-tenant ID or --all-tenants")
        )
        raise typer.Exit(code=2)
    if bool(grant_direct_role_to) != bool(direct_tenant):
        _err().print(
            Text("error: ", style="bold red")
            + Text("--grant-direct-role-to and --direct-tenant go together")
        )
        raise typer.Exit(code=2)
    if password_file is not None:
        password = _read_password(password_file)
        dsn = [with_password(one, password) for one in dsn]
    tenants = [ALL_TENANTS] if all_tenants else app_tenant
    for one in dsn:
        with _failures_exit_non_zero(one):
            result = migrate(one, migrations_dir)
            granted = grant_app_role(one, grant_app_role_to, tenants) if grant_app_role_to else []
            if grant_direct_role_to and direct_tenant:
                role = grant_direct_role(one, grant_direct_role_to, direct_tenant, direct_writes)
                _out().print(
                    Text(f"{grant_direct_role_to} is a member of {role}, bound to {direct_tenant}")
                )
        where = describe_dsn(one)
        serves = "every tenant" if all_tenants else ", ".join(app_tenant)
        for login in granted:
            _out().print(Text(f"{login} is a member of tenancy_app in {where}, serving {serves}"))
        if result.applied:
            for name in result.applied:
                _out().print(Text(f"applied {name} to {where}", style="green"))
        else:
            _out().print(
                Text(
                    f"{where} is up to date ({len(result.already_applied)} migrations applied "
                    "earlier)"
                )
            )


@db_app.command("status")
def status_command(
    dsn: str = typer.Option(..., "--dsn", help=_DSN_HELP),
    migrations_dir: Path | None = typer.Option(
        None, "--migrations-dir", envvar=MIGRATIONS_DIR_ENV, help=_DIR_HELP
    ),
) -> None:
    """Show which migrations are applied, pending, changed since applied, or unknown to this
    code."""
    from tenancy.db.connection import describe_dsn
    from tenancy.db.migrations import status

    with _failures_exit_non_zero(dsn):
        rows = status(dsn, migrations_dir)
    table = Table(title=f"schema of {describe_dsn(dsn)}")
    for column in ("version", "name", "state", "applied at"):
        table.add_column(column)
    styles = {"applied": "green", "pending": "yellow", "changed": "red", "missing-file": "red"}
    for row in rows:
        applied_at = f"{row.applied_at:%Y-%m-%d %H:%M:%S}" if row.applied_at else ""
        table.add_row(row.version, row.name, Text(row.state, style=styles[row.state]), applied_at)
    _out().print(table)
    if any(row.state in ("changed", "missing-file") for row in rows):
        raise typer.Exit(code=1)


@db_app.command("freeze")
def freeze_command(
    tenant: str = typer.Argument(..., help="tenant id, as in tenants/<id>.yaml"),
    dsn: str = typer.Option(..., "--dsn", help=_DSN_HELP),
) -> None:
    """Refuse the tenant's writes in this database (waits for the writes in flight). Idempotent."""
    from tenancy.db.connection import describe_dsn
    from tenancy.db.datamove import check_tenant_id
    from tenancy.db.freeze import freeze

    with _failures_exit_non_zero(dsn):
        check_tenant_id(tenant)
        state = freeze(dsn, tenant)
    _out().print(
        Text(f"tenant {tenant} is {state.state} in {describe_dsn(dsn)} (freeze {state.freeze_id})")
    )


@db_app.command("unfreeze")
def unfreeze_command(
    tenant: str = typer.Argument(..., help="tenant id, as in tenants/<id>.yaml"),
    dsn: str = typer.Option(..., "--dsn", help=_DSN_HELP),
) -> None:
    """Accept the tenant's writes again in this database. An export taken under the freeze can
    no longer be purged (its rows may change from now on)."""
    from tenancy.db.connection import describe_dsn
    from tenancy.db.datamove import check_tenant_id
    from tenancy.db.freeze import unfreeze

    with _failures_exit_non_zero(dsn):
        check_tenant_id(tenant)
        state = unfreeze(dsn, tenant)
    _out().print(Text(f"tenant {tenant} is {state.state} in {describe_dsn(dsn)}"))


def _print_table_result(result: TableResult) -> None:
    verbs = {
        "copied": "copied and verified",
        "verified-earlier": "verified (copied earlier)",
        "would-copy": "would copy",
    }
    _out().print(Text(f"  {result.table}: {verbs[result.action]} {result.rows} rows"))


def _print_migration_summary(report: DataMigrationReport) -> None:
    table = Table(title=f"tenant {report.tenant}: {report.source} -> {report.target}")
    for column in ("table", "rows", "md5 of rows", "result"):
        table.add_column(column)
    for result in report.tables:
        table.add_row(result.table, str(result.rows), result.checksum, result.action)
    _out().print(table)
    if report.dry_run:
        _out().print(
            Text(
                f"dry run: {report.total_rows} rows would be copied; nothing was written",
                style="yellow",
            )
        )
    else:
        _out().print(
            Text(
                f"tenant {report.tenant}: {report.total_rows} rows copied and verified",
                style="green",
            )
        )


def migrate_data_command(
    tenant: str = typer.Argument(..., help="tenant id, as in tenants/<id>.yaml"),
    from_dsn: str = typer.Option(..., "--from", help=f"the shared database; {_DSN_HELP}"),
    to_dsn: str = typer.Option(..., "--to", help=f"the tenant's dedicated database; {_DSN_HELP}"),
    resume: bool = typer.Option(
        False, "--resume", help="continue an interrupted run; re-verifies tables copied earlier"
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="show what would be copied and write nothing"
    ),
    freeze: bool = typer.Option(
        False,
        "--freeze",
        help="freeze the tenant's writes in the source first (a real run needs the freeze)",
    ),
) -> None:
    """Copy one tenant's rows from the shared database to its dedicated one (Free→Standard)."""
    from tenancy.db.connection import describe_dsn
    from tenancy.db.datamove import migrate_data

    _out().print(
        Text(
            f"{'planning' if dry_run else 'migrating'} tenant {tenant}: {describe_dsn(from_dsn)} "
            f"-> {describe_dsn(to_dsn)}"
        )
    )
    with _failures_exit_non_zero(from_dsn, to_dsn):
        report = migrate_data(
            tenant,
            from_dsn,
            to_dsn,
            resume=resume,
            dry_run=dry_run,
            on_table=_print_table_result,
            freeze=freeze,
        )
    _print_migration_summary(report)


def purge_tenant_data_command(
    tenant: str = typer.Argument(..., help="tenant id whose rows leave the shared database"),
    dsn: str = typer.Option(..., "--dsn", help=f"the shared database; {_DSN_HELP}"),
    retention_days: int = typer.Option(
        DEFAULT_RETENTION_DAYS,
        "--retention-days",
        min=0,
        help="refuse unless the verified migration is at least this old",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="purge without a verified migration or before the retention period ends",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="count the rows that would be deleted; delete nothing"
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Delete a migrated tenant's rows from the shared database after the retention period."""
    from tenancy.db.connection import describe_dsn
    from tenancy.db.purge import purge_tenant

    if not (dry_run or yes):
        typed = typer.prompt(
            f"Type the tenant id to delete its rows from {describe_dsn(dsn)}", default=""
        )
        if typed != tenant:
            _err().print(
                Text("error: confirmation did not match; nothing was deleted", style="bold red")
            )
            raise typer.Exit(code=1)
    with _failures_exit_non_zero(dsn):
        report = purge_tenant(
            tenant, dsn, retention_days=retention_days, force=force, dry_run=dry_run
        )
    table = Table(title=f"tenant {tenant} in {report.database}")
    table.add_column("table")
    table.add_column("rows would be deleted" if dry_run else "rows deleted")
    for name, count in report.deleted.items():
        table.add_row(name, str(count))
    _out().print(table)
    verb = "would be deleted" if dry_run else "deleted"
    note = " (forced)" if force else ""
    _out().print(
        Text(
            f"tenant {tenant}: {report.total_rows} rows {verb}{note}",
            style="yellow" if dry_run else "green",
        )
    )
