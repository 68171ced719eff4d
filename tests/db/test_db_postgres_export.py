"""The scheduled PostgreSQL export's dump (components/blocks/postgres_exports.py) run against a
real server, as the services' login: it succeeds and holds the tenant's rows and no other's, with
row-level security on, while another session writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import psycopg
import pytest
from psycopg import sql

from components.blocks.postgres_exports import PROXY_PORT, dump_command
from tenancy.db.migrations import grant_app_role

TENANT_A, TENANT_B = "acme-co", "globex"
# Roles are cluster-wide: a name of this test only (the service-login tests create theirs).
LOGIN = "acme-co-exporter@tinybug-saas-dev.iam"
PASSWORD = "Dump-L0gin-S3cret"


@pytest.fixture
def database(pg_cluster, create_migrated_database, seed_tenant):
    name = create_migrated_database("export")
    with psycopg.connect(pg_cluster.migrator_dsn(name), autocommit=True) as conn:
        seed_tenant(conn, TENANT_A)
        seed_tenant(conn, TENANT_B)
    with pg_cluster.admin() as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(LOGIN)))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(LOGIN), sql.Literal(PASSWORD)
            )
        )
    grant_app_role(pg_cluster.migrator_dsn(name), [LOGIN], [TENANT_A])
    yield name
    with pg_cluster.admin(name) as there:
        there.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(LOGIN)))
    with pg_cluster.admin() as admin:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(LOGIN)))


def _pg_restore_list(path: str) -> str:
    return subprocess.run(
        ["pg_restore", "--data-only", "--file=-", path], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_the_export_dumps_the_tenants_rows_only(pg_cluster, database, tmp_path) -> None:
    out = str(tmp_path / "export.dump")
    argv, env = dump_command(TENANT_A, database, LOGIN, out)
    # The proxy listens on 127.0.0.1:PROXY_PORT in the pod; here the server's own port.
    argv = [a.replace(f"--port={PROXY_PORT}", f"--port={pg_cluster.port}") for a in argv]
    assert env == {"PGOPTIONS": f"-c app.current_tenant={TENANT_A}"}

    stop = threading.Event()

    def writer() -> None:  # a concurrent writer of the other tenant
        with psycopg.connect(pg_cluster.migrator_dsn(database), autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("SELECT set_config('app.current_tenant', %s, false)", [TENANT_B])
                conn.execute(
                    "INSERT INTO itineraries (owner_user_id, slug, title, starts_on, ends_on) "
                    "SELECT id, 'w-' || gen_random_uuid(), 'written during the dump', "
                    "date '2026-02-01', date '2026-02-02' FROM users LIMIT 1"
                )

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        subprocess.run(
            argv,
            env={**os.environ, **env, "PGPASSWORD": PASSWORD},
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        stop.set()
        thread.join()
    data = _pg_restore_list(out)
    assert f"uid-{TENANT_A}" in data and f"owner@{TENANT_A}.example" in data
    assert TENANT_B not in data and "written during the dump" not in data


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_without_the_tenant_the_dump_holds_no_row(pg_cluster, database, tmp_path) -> None:
    """The binding, not the setting, decides: another tenant's id reads nothing either."""
    out = str(tmp_path / "other.dump")
    argv, env = dump_command(TENANT_B, database, LOGIN, out)
    argv = [a.replace(f"--port={PROXY_PORT}", f"--port={pg_cluster.port}") for a in argv]
    subprocess.run(
        argv, env={**os.environ, **env, "PGPASSWORD": PASSWORD}, check=True, capture_output=True
    )
    data = _pg_restore_list(out)
    assert TENANT_A not in data and TENANT_B not in data
