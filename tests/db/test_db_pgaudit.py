"""Migration 0006 creates the pgAudit extension where the server can load it, fails on Cloud SQL
when it cannot (an instance without cloudsql.enable_pgaudit must not pass for audited), and says
why in a NOTICE elsewhere. With the library preloaded, as the Cloud SQL flag does, a service's
write is then written to the server log by pgAudit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from domain.conventions import POSTGRES_FLAGS
from tenancy.db import migrate
from tenancy.db.errors import MigrationFilesError
from tenancy.db.migrations import ALL_TENANTS, DEFAULT_MIGRATIONS_DIR, grant_app_role

PGAUDIT = "0006_pgaudit.sql"
# What every Cloud SQL instance sets (PostgresSet's flags).
PGAUDIT_LOG = POSTGRES_FLAGS["pgaudit.log"]


def _migrations_before_pgaudit(tmp_path: Path) -> Path:
    target = tmp_path / "before-pgaudit"
    target.mkdir()
    for path in sorted(DEFAULT_MIGRATIONS_DIR.glob("*.sql")):
        if path.name < PGAUDIT:
            shutil.copy(path, target / path.name)
    return target


def _migrations_through_pgaudit(tmp_path: Path) -> Path:
    """The migrations up to pgAudit's, so later ones do not join the result."""
    target = tmp_path / "through-pgaudit"
    target.mkdir(exist_ok=True)
    for path in sorted(DEFAULT_MIGRATIONS_DIR.glob("*.sql")):
        if path.name <= PGAUDIT:
            shutil.copy(path, target / path.name)
    return target


def _has_pgaudit(conn: psycopg.Connection) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pgaudit')"
    ).fetchone()[0]  # type: ignore[index]


def _ledger(conn: psycopg.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def test_without_a_loadable_library_the_migration_applies_and_says_why(
    pg_cluster: Any, create_database, tmp_path: Path
) -> None:
    # The tests' server does not preload pgaudit (and the migrator is no superuser): off Cloud SQL
    # that is a NOTICE with the reason, and the migration is recorded like any other.
    db = create_database("pgaudit_absent")
    migrate(pg_cluster.migrator_dsn(db), _migrations_before_pgaudit(tmp_path))
    notices: list[str] = []
    with psycopg.connect(pg_cluster.migrator_dsn(db), autocommit=True) as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        conn.execute((DEFAULT_MIGRATIONS_DIR / PGAUDIT).read_text())  # type: ignore[arg-type]
        assert not _has_pgaudit(conn)
    assert len(notices) == 1 and notices[0].startswith("pgaudit not created: "), notices
    result = migrate(pg_cluster.migrator_dsn(db), _migrations_through_pgaudit(tmp_path))
    assert result.applied == [PGAUDIT]
    with pg_cluster.admin(db) as conn:
        assert _ledger(conn)[-1] == "0006"
        assert not _has_pgaudit(conn)


def test_on_cloud_sql_a_library_it_cannot_load_fails_the_migration(
    pg_cluster: Any, create_database, tmp_path: Path
) -> None:
    # cloudsqlsuperuser exists on every Cloud SQL instance; here it makes the server look like one
    # whose cloudsql.enable_pgaudit flag is off. The role is cluster-wide: dropped at once.
    db = create_database("pgaudit_cloudsql")
    migrate(pg_cluster.migrator_dsn(db), _migrations_before_pgaudit(tmp_path))
    with pg_cluster.admin() as admin:
        admin.execute("CREATE ROLE cloudsqlsuperuser NOLOGIN")
        try:
            with pytest.raises(MigrationFilesError) as failure:
                migrate(pg_cluster.migrator_dsn(db), _migrations_through_pgaudit(tmp_path))
        finally:
            admin.execute("DROP ROLE cloudsqlsuperuser")
    message = str(failure.value)
    assert PGAUDIT in message and "rolled back" in message
    assert "cloudsql.enable_pgaudit" in message
    with pg_cluster.admin(db) as conn:
        assert "0006" not in _ledger(conn)
        assert not _has_pgaudit(conn)
    # The other state: off Cloud SQL the same database migrates.
    assert migrate(pg_cluster.migrator_dsn(db), _migrations_through_pgaudit(tmp_path)).applied == [
        PGAUDIT
    ]


@pytest.fixture(scope="module")
def audited_cluster(start_cluster, postgres_bindir: Path | None) -> Iterator[Any]:
    if postgres_bindir is None or not (postgres_bindir.parent / "lib" / "pgaudit.so").is_file():
        pytest.skip(
            "the pgaudit library is not installed for this PostgreSQL (Debian package "
            "postgresql-15-pgaudit; `make system-deps` installs it)"
        )
    # What cloudsql.enable_pgaudit=on does (loads the library at start), plus the pgaudit.log flag.
    with start_cluster(
        {"shared_preload_libraries": "pgaudit", "pgaudit.log": PGAUDIT_LOG}
    ) as cluster:
        yield cluster


def test_with_the_library_preloaded_the_extension_is_created_and_writes_are_audited(
    audited_cluster: Any, tmp_path: Path
) -> None:
    cluster = audited_cluster
    with cluster.admin() as admin:
        admin.execute("CREATE DATABASE audited OWNER migrator")
    dsn = cluster.migrator_dsn("audited")
    migrate(dsn, _migrations_before_pgaudit(tmp_path))
    # Creating pgaudit needs a superuser; Cloud SQL grants that power to cloudsqlsuperuser, of
    # which the migration user is a member. Here the migrator is made superuser for 0006 only
    # (0005 refuses a superuser migrator, which is a member of every role).
    with cluster.admin() as admin:
        admin.execute("ALTER ROLE migrator SUPERUSER")
        try:
            assert migrate(dsn, _migrations_through_pgaudit(tmp_path)).applied == [PGAUDIT]
        finally:
            admin.execute("ALTER ROLE migrator NOSUPERUSER")
    with cluster.admin("audited") as conn:
        assert _has_pgaudit(conn)
    grant_app_role(dsn, ["app_user"], [ALL_TENANTS])
    marker = "audited-tenant"
    with psycopg.connect(cluster.app_dsn("audited")) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.current_tenant', %s, true)", [marker])
        conn.execute(
            sql.SQL("INSERT INTO tenants (id, name) VALUES ({}, 'Audited')").format(
                sql.Literal(marker)
            )
        )
    audit = [
        line
        for line in cluster.log.read_text(errors="replace").splitlines()
        if "AUDIT: SESSION" in line and marker in line
    ]
    assert audit and "WRITE,INSERT" in audit[0], cluster.log.read_text()[-2000:]
