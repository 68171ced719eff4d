"""Direct database access for an enterprise tenant (migration 0008): its group's role, granted
tenancy_readonly and bound to the tenant, lets every member read the tenant's rows and nothing
else, with row-level security still on; the attacker's twin (a member asking for another
tenant, trying to write, to switch RLS off, or a group that could escalate) gets nowhere.

Cloud SQL IAM group authentication keeps one role for the group and one login per member, a
member of the group's role; the test makes both on the real server."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tenancy.db.migrations import MigrationFilesError, grant_direct_role

TENANT_A, TENANT_B = "acme-co", "globex"
GROUP = "dba@acme-co.example"
MEMBER = "alice@acme-co.example"
PASSWORD = "Direct-L0gin-S3cret"


def _role(admin: psycopg.Connection, name: str, options: str) -> None:
    admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE ROLE {} " + options).format(sql.Identifier(name)))


@pytest.fixture
def database(pg_cluster, create_migrated_database, seed_tenant):
    name = create_migrated_database("direct")
    with psycopg.connect(pg_cluster.migrator_dsn(name), autocommit=True) as conn:
        seed_tenant(conn, TENANT_A)
        seed_tenant(conn, TENANT_B)
    with pg_cluster.admin() as admin:
        for role in (MEMBER, GROUP):
            if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                for db in ("postgres", name):
                    with pg_cluster.admin(db) as there:
                        there.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        _role(admin, MEMBER, "LOGIN")
        admin.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(MEMBER), sql.Literal(PASSWORD)
            )
        )
        _role(admin, GROUP, "NOLOGIN")
        admin.execute(
            sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP), sql.Identifier(MEMBER))
        )
    yield name
    for role in (MEMBER, GROUP):
        with pg_cluster.admin(name) as there:
            there.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with pg_cluster.admin() as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def member(pg_cluster, database: str, tenant: str) -> psycopg.Connection:
    conn = psycopg.connect(
        f"host=127.0.0.1 port={pg_cluster.port} dbname={database} user={MEMBER} "
        f"password={PASSWORD}",
        autocommit=True,
    )
    conn.execute("SELECT set_config('app.current_tenant', %s, false)", [tenant])
    return conn


def test_a_member_reads_its_tenant_and_nothing_else(pg_cluster, database) -> None:
    assert grant_direct_role(pg_cluster.migrator_dsn(database), GROUP, TENANT_A) == (
        "tenancy_readonly"
    )
    with member(pg_cluster, database, TENANT_A) as conn:
        tenants = conn.execute("SELECT id FROM tenants").fetchall()
        itineraries = conn.execute("SELECT count(*) FROM itineraries").fetchone()[0]
        assert tenants == [(TENANT_A,)] and itineraries == 3
        assert conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 6
    # The attacker's twin: the same member asking for the other tenant reads nothing.
    with member(pg_cluster, database, TENANT_B) as conn:
        assert conn.execute("SELECT count(*) FROM itineraries").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM tenants").fetchone()[0] == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE itineraries SET title = 'x'",
        "DELETE FROM comments",
        "ALTER TABLE itineraries DISABLE ROW LEVEL SECURITY",
        "SET row_security = off; SELECT count(*) FROM itineraries",
        "SELECT * FROM tenancy_ops.login_tenants",
        "INSERT INTO tenancy_ops.login_tenants VALUES ('alice@acme-co.example', 'globex')",
    ],
)
def test_a_read_only_member_cannot_write_or_escape(pg_cluster, database, statement) -> None:
    grant_direct_role(pg_cluster.migrator_dsn(database), GROUP, TENANT_A)
    with member(pg_cluster, database, TENANT_A) as conn, pytest.raises(psycopg.Error):
        conn.execute(statement)


def test_writes_when_asked_still_stay_in_the_tenant(pg_cluster, database) -> None:
    assert (
        grant_direct_role(pg_cluster.migrator_dsn(database), GROUP, TENANT_A, writes=True)
        == "tenancy_app"
    )
    with member(pg_cluster, database, TENANT_A) as conn:
        conn.execute("UPDATE itineraries SET title = 'edited by the tenant'")
    with psycopg.connect(pg_cluster.migrator_dsn(database), autocommit=True) as owner:
        owner.execute("SELECT set_config('app.current_tenant', %s, false)", [TENANT_B])
        titles = {t for (t,) in owner.execute("SELECT title FROM itineraries").fetchall()}
        assert "edited by the tenant" not in titles


def test_a_group_that_could_escalate_is_refused(pg_cluster, database) -> None:
    with pg_cluster.admin() as admin:
        admin.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(GROUP)))
    with pytest.raises(MigrationFilesError, match="has CREATEROLE"):
        grant_direct_role(pg_cluster.migrator_dsn(database), GROUP, TENANT_A)
