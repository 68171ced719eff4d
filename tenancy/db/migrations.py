"""Versioned SQL migrations: ``migrations/NNNN_name.sql`` applied in order, once each, recorded in
``schema_migrations`` with the checksum of the file that was applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql

from domain.migration_files import (  # noqa: F401  (re-exported: the tools import them from here)
    MIGRATIONS_DIR_ENV,
    MigrationFile,
    checksum_of,
    default_migrations_dir,
    load_migrations,
    resolve_migrations_dir,
)
from domain.names import id_problems
from tenancy.db.catalog import has_migration_ledger
from tenancy.db.connection import connect, describe_dsn
from tenancy.db.errors import MigrationFilesError


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_MIGRATIONS_DIR":  # the project's migrations/, found when read
        return default_migrations_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# One migrator at a time per database: a second Job waits instead of racing.
ADVISORY_LOCK_KEY = 0x74656E616E6379  # "tenancy"

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text        PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class AppliedMigration:
    version: str
    name: str
    checksum: str
    applied_at: datetime


@dataclass(frozen=True)
class MigrationStatus:
    version: str
    name: str
    state: Literal["applied", "pending", "changed", "missing-file"]
    applied_at: datetime | None


@dataclass(frozen=True)
class MigrateResult:
    applied: list[str]
    already_applied: list[str]


def applied_migrations(conn: psycopg.Connection) -> dict[str, AppliedMigration]:
    if not has_migration_ledger(conn):
        return {}
    rows = conn.execute(
        "SELECT version, name, checksum, applied_at FROM public.schema_migrations ORDER BY version"
    ).fetchall()
    return {row[0]: AppliedMigration(*row) for row in rows}


def _check_consistency(files: list[MigrationFile], applied: dict[str, AppliedMigration]) -> None:
    by_version = {f.version: f for f in files}
    for version, record in applied.items():
        file = by_version.get(version)
        if file is None:
            raise MigrationFilesError(
                f"the database has migration {version}_{record.name} applied, but it is not in "
                "the migrations directory: this code is older than the database"
            )
        if file.checksum != record.checksum:
            raise MigrationFilesError(
                f"migration {file.file_name} was changed after it was applied (recorded sha256 "
                f"{record.checksum[:12]}, file now {file.checksum[:12]}); applied migrations are "
                "immutable, add a new migration instead"
            )
    newest_applied = max(applied, default="")
    for file in files:
        if file.version not in applied and file.version < newest_applied:
            raise MigrationFilesError(
                f"migration {file.file_name} is older than the newest applied migration "
                f"({newest_applied}) but was never applied; renumber it after {newest_applied}"
            )


def migrate(dsn: str, migrations_dir: Path | str | None = None) -> MigrateResult:
    """Apply every pending migration, each in its own transaction together with its record.
    Running it again is a no-op; an edited, already applied file is an error."""
    files = load_migrations(migrations_dir)
    with connect(dsn, "target") as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        try:
            try:
                conn.execute(_CREATE_LEDGER)
            except psycopg.Error as exc:
                raise MigrationFilesError(
                    f"cannot create the schema_migrations table in {describe_dsn(dsn)}: "
                    f"{' '.join(str(exc).split())} (the migration user must own the database)"
                ) from None
            applied = applied_migrations(conn)
            _check_consistency(files, applied)
            done: list[str] = []
            for file in files:
                if file.version in applied:
                    continue
                with conn.transaction():
                    try:
                        conn.execute(file.sql)  # trusted repository SQL, no parameters
                    except psycopg.Error as exc:
                        raise MigrationFilesError(
                            f"migration {file.file_name} failed and was rolled back: "
                            f"{' '.join(str(exc).split())}"
                        ) from None
                    conn.execute(
                        "INSERT INTO public.schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        [file.version, file.name, file.checksum],
                    )
                done.append(file.file_name)
            return MigrateResult(
                applied=done,
                already_applied=[f.file_name for f in files if f.version in applied],
            )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def status(dsn: str, migrations_dir: Path | str | None = None) -> list[MigrationStatus]:
    files = load_migrations(migrations_dir)
    with connect(dsn, "target") as conn:
        applied = applied_migrations(conn)
    result: list[MigrationStatus] = []
    for file in files:
        record = applied.get(file.version)
        if record is None:
            result.append(MigrationStatus(file.version, file.name, "pending", None))
        elif record.checksum != file.checksum:
            result.append(MigrationStatus(file.version, file.name, "changed", record.applied_at))
        else:
            result.append(MigrationStatus(file.version, file.name, "applied", record.applied_at))
    known = {f.version for f in files}
    for version, record in applied.items():
        if version not in known:
            result.append(MigrationStatus(version, record.name, "missing-file", record.applied_at))
    return sorted(result, key=lambda s: s.version)


APP_ROLE = "tenancy_app"
ALL_TENANTS = "*"

# Role attributes that let a login escape row-level security, and why.
_ESCALATING = (
    ("rolsuper", "is a superuser"),
    ("rolbypassrls", "has BYPASSRLS: row-level security does not apply to it"),
    (
        "rolcreaterole",
        "has CREATEROLE: on PostgreSQL 15 it can grant itself the owner's role and turn "
        "row-level security off",
    ),
    ("rolcreatedb", "has CREATEDB"),
)


_NO_SUCH_ROLE = "does not exist"
_ATTRIBUTE_NAMES = ("SUPERUSER", "BYPASSRLS", "CREATEROLE", "CREATEDB")


def _is_member(conn: psycopg.Connection, login: str, role: str) -> bool:
    row = conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [login, role]).fetchone()
    return bool(row and row[0])


def login_problems(conn: psycopg.Connection, login: str) -> list[str]:
    """Why ``login`` must not be a service login (empty when it may be): superuser, BYPASSRLS,
    CREATEROLE, CREATEDB, owner of a table, or a direct or indirect member of the table owner or
    of a role with any of those attributes (a Cloud SQL built-in user is a member of
    cloudsqlsuperuser, which has CREATEROLE and CREATEDB)."""
    row = conn.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
        "FROM pg_catalog.pg_roles WHERE rolname = %s",
        [login],
    ).fetchone()
    if row is None:
        return [_NO_SUCH_ROLE]
    problems = [reason for (_, reason), flag in zip(_ESCALATING, row, strict=True) if flag]
    owners = [
        name
        for (name,) in conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'tenancy_ops', 'tenancy_guard') "
            "AND c.relkind IN ('r', 'p') "
            "UNION SELECT current_user::text ORDER BY 1"
        ).fetchall()
    ]
    for owner in owners:
        if owner == login:
            problems.append("owns the tables and could turn row-level security off")
        elif _is_member(conn, login, owner):
            problems.append(
                f"is a member of {owner!r}, which owns the tables: it can SET ROLE to it and "
                "turn row-level security off"
            )
    escalating_groups = conn.execute(
        "SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb "
        "FROM pg_catalog.pg_roles r "
        "WHERE r.rolname <> %s AND pg_has_role(%s, r.oid, 'MEMBER') "
        "AND (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb) "
        "ORDER BY r.rolname",
        [login, login],
    ).fetchall()
    for group, *flags in escalating_groups:
        if group in owners:
            continue  # already said
        attributes = [name for name, flag in zip(_ATTRIBUTE_NAMES, flags, strict=True) if flag]
        problems.append(
            f"is a member of {group!r}, which has {', '.join(attributes)}: it can SET ROLE to it"
        )
    return problems


def grant_app_role(dsn: str, logins: list[str], tenants: list[str]) -> list[str]:
    """Make each service login a member of the application role, bound to ``tenants`` (a list of
    tenant ids, or [ALL_TENANTS] for the shared pool's login); idempotent.

    Services must not log in as anything that can turn row-level security off: every login is
    checked first (``login_problems``) and refused with every reason at once.
    """
    bad = [t for t in tenants if t != ALL_TENANTS and id_problems(t)]
    if not tenants or bad:
        raise MigrationFilesError(
            f"cannot grant {APP_ROLE}: name the tenants the login serves (or all of them)"
            + (f"; not tenant ids: {', '.join(repr(t) for t in bad)}" if bad else "")
        )
    granted: list[str] = []
    with connect(dsn, "target") as conn:
        refused = []
        for login in logins:
            problems = login_problems(conn, login)
            if problems == [_NO_SUCH_ROLE]:
                refused.append(f"cannot grant {APP_ROLE}: no role {login!r} in {describe_dsn(dsn)}")
            elif problems:
                refused.append(
                    f"refusing {login!r} as the service login in {describe_dsn(dsn)}: it "
                    + "; it ".join(problems)
                )
        if refused:
            raise MigrationFilesError("\n".join(refused))
        for login in logins:
            with conn.transaction():
                conn.execute(
                    sql.SQL("GRANT {} TO {}").format(
                        sql.Identifier(APP_ROLE), sql.Identifier(login)
                    )
                )
                conn.execute("DELETE FROM tenancy_ops.login_tenants WHERE login = %s", [login])
                for tenant in tenants:
                    conn.execute(
                        "INSERT INTO tenancy_ops.login_tenants (login, tenant_id) VALUES (%s, %s)",
                        [login, tenant],
                    )
            granted.append(login)
    return granted


READONLY_ROLE = "tenancy_readonly"


def grant_direct_role(dsn: str, login: str, tenant: str, writes: bool = False) -> str:
    """Give an enterprise tenant's own login (its Google group's role: Cloud SQL IAM group
    authentication) direct access to its data: a member of tenancy_readonly (tenancy_app with
    ``writes``), bound to that one tenant, so row-level security still applies; idempotent.
    Refused, with every reason, when the login could turn row-level security off."""
    if id_problems(tenant):
        raise MigrationFilesError(f"cannot grant direct access: {tenant!r} is not a tenant id")
    role = APP_ROLE if writes else READONLY_ROLE
    with connect(dsn, "target") as conn:
        problems = login_problems(conn, login)
        if problems == [_NO_SUCH_ROLE]:
            raise MigrationFilesError(
                f"cannot grant {role}: no role {login!r} in {describe_dsn(dsn)}"
            )
        if problems:
            raise MigrationFilesError(
                f"refusing {login!r} as a direct login in {describe_dsn(dsn)}: it "
                + "; it ".join(problems)
            )
        with conn.transaction():
            other = READONLY_ROLE if writes else APP_ROLE
            if _is_member(conn, login, other):
                conn.execute(
                    sql.SQL("REVOKE {} FROM {}").format(
                        sql.Identifier(other), sql.Identifier(login)
                    )
                )
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(login))
            )
            conn.execute("DELETE FROM tenancy_ops.login_tenants WHERE login = %s", [login])
            conn.execute(
                "INSERT INTO tenancy_ops.login_tenants (login, tenant_id) VALUES (%s, %s)",
                [login, tenant],
            )
    return role
