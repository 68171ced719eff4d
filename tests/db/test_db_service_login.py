"""The services' database login cannot switch row-level security off (issue 10, section 3).

On Cloud SQL every user created through the API (a BUILT_IN gcp.sql.User) is a member of
cloudsqlsuperuser and has CREATEROLE and CREATEDB (Cloud SQL, "About PostgreSQL users and roles").
On PostgreSQL 15 CREATEROLE is enough to GRANT the table owner's role to oneself, SET ROLE to it
and turn RLS off. These tests emulate such a user on the real server the tests start, show that
the attack works against it, that `tenancy db migrate --grant-app-role-to` refuses it (and every
other login that could escalate), and that the login the platform does create (an IAM service
account user: LOGIN only, a member of cloudsqliamserviceaccount) reaches no other tenant's row by
any route.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from tenancy.db.migrations import grant_app_role

PASSWORD = "L0gin-S3cret"
TENANT_A, TENANT_B = "acme-co", "globex"
# The login Cloud SQL creates for a tenant's Workload Identity service account: the account's
# email without ".gserviceaccount.com".
IAM_LOGIN = "acme-co-workload@tinybug-saas-dev.iam"

# login -> (CREATE ROLE options, groups it is a member of, the reason it must be refused)
REFUSED = {
    "builtin_app": (
        "LOGIN CREATEROLE CREATEDB",
        ["cloudsqlsuperuser"],
        "has CREATEROLE",
    ),
    "createrole_only": ("LOGIN CREATEROLE", [], "has CREATEROLE"),
    "createdb_only": ("LOGIN CREATEDB", [], "has CREATEDB"),
    "bypass_login": ("LOGIN BYPASSRLS", [], "has BYPASSRLS"),
    "super_login": ("LOGIN SUPERUSER", [], "is a superuser"),
    "cloudsql_member": (
        "LOGIN",
        ["cloudsqlsuperuser"],
        "is a member of 'cloudsqlsuperuser', which has CREATEROLE, CREATEDB",
    ),
    "owner_member": ("LOGIN", ["migrator"], "is a member of 'migrator', which owns the tables"),
    "owner_indirect": (
        "LOGIN",
        ["owner_group"],
        "is a member of 'migrator', which owns the tables",
    ),
}


def _create(conn: psycopg.Connection, role: str, options: str, groups: list[str]) -> None:
    conn.execute(
        sql.SQL("CREATE ROLE {} " + options + " PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(PASSWORD)
        )
    )
    for group in groups:
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))


@pytest.fixture(scope="module")
def roles(pg_cluster) -> Iterator[None]:
    """Cloud SQL's roles, emulated: cloudsqlsuperuser (NOLOGIN CREATEROLE CREATEDB, the group of
    every built-in user), cloudsqliamserviceaccount (the group of IAM service account users)."""
    with pg_cluster.admin() as conn:
        conn.execute("CREATE ROLE cloudsqlsuperuser NOLOGIN CREATEROLE CREATEDB")
        conn.execute("CREATE ROLE cloudsqliamserviceaccount NOLOGIN")
        conn.execute("CREATE ROLE owner_group NOLOGIN")
        conn.execute("GRANT migrator TO owner_group")
        for login, (options, groups, _) in REFUSED.items():
            _create(conn, login, options, groups)
        _create(conn, "attacker_builtin", "LOGIN CREATEROLE CREATEDB", ["cloudsqlsuperuser"])
        _create(conn, IAM_LOGIN, "LOGIN", ["cloudsqliamserviceaccount"])
    yield
    # The server is shared by the session: left behind, cloudsqlsuperuser would make later modules
    # see a Cloud SQL instance (migration 0006 fails there without pgaudit).
    with pg_cluster.admin() as conn:
        conn.execute("DROP ROLE cloudsqlsuperuser")
        conn.execute("DROP ROLE cloudsqliamserviceaccount")


@pytest.fixture(scope="module")
def shared_db(pg_cluster, create_migrated_database, seed_tenant, roles) -> str:
    """A database holding two tenants' rows (as the shared pool does, or a dedicated instance that
    was given another tenant's rows by mistake)."""
    name = create_migrated_database("logins")
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        seed_tenant(conn, TENANT_A, itineraries=2)
        seed_tenant(conn, TENANT_B, itineraries=3)
    return name


def _dsn(pg_cluster, db: str, login: str) -> str:
    return f"host=127.0.0.1 port={pg_cluster.port} dbname={db} user='{login}' password={PASSWORD}"


def _member_of_app_role(pg_cluster, login: str) -> bool:
    """Granted tenancy_app (pg_has_role is always true for a superuser, so read the grants)."""
    with pg_cluster.admin() as conn:
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m "
            "WHERE m.member = to_regrole(%s) AND m.roleid = 'tenancy_app'::regrole)",
            [f'"{login}"'],
        ).fetchone()[0]


def test_an_emulated_cloud_sql_builtin_user_really_can_turn_rls_off(
    pg_cluster, create_migrated_database, seed_tenant, roles
) -> None:
    """Why the refusal matters: with CREATEROLE, a login that only had tenancy_app grants itself
    the owner's role and reads every tenant's rows (PostgreSQL 15)."""
    db = create_migrated_database("attack")
    with psycopg.connect(pg_cluster.app_dsn(db), autocommit=True) as conn:
        seed_tenant(conn, TENANT_A)
        seed_tenant(conn, TENANT_B)
    with pg_cluster.admin() as conn:
        conn.execute("GRANT tenancy_app TO attacker_builtin")  # what the old code accepted
    with psycopg.connect(_dsn(pg_cluster, db, "attacker_builtin"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM itineraries").fetchone() == (0,)
        conn.execute("GRANT migrator TO attacker_builtin")
        conn.execute("SET ROLE migrator")
        conn.execute("ALTER TABLE itineraries NO FORCE ROW LEVEL SECURITY")
        conn.execute("ALTER TABLE itineraries DISABLE ROW LEVEL SECURITY")
        tenants = {t for (t,) in conn.execute("SELECT DISTINCT tenant_id FROM itineraries")}
    assert tenants == {TENANT_A, TENANT_B}


@pytest.mark.parametrize("login", sorted(REFUSED))
def test_grant_app_role_to_refuses_a_login_that_could_escalate(
    pg_cluster, shared_db, login
) -> None:
    from tenancy.cli import app

    result = CliRunner().invoke(
        app,
        [
            "db",
            "migrate",
            "--dsn",
            pg_cluster.migrator_dsn(shared_db),
            "--grant-app-role-to",
            login,
            "--app-tenant",
            TENANT_A,
        ],
    )
    assert result.exit_code == 1, result.output
    reason = REFUSED[login][2]
    assert f"refusing '{login}' as the service login" in result.output
    assert reason in " ".join(result.output.split()), result.output
    assert not _member_of_app_role(pg_cluster, login)


def test_every_reason_is_named_at_once(pg_cluster, shared_db) -> None:
    from tenancy.db.errors import MigrationFilesError

    with pytest.raises(MigrationFilesError) as failure:
        grant_app_role(pg_cluster.migrator_dsn(shared_db), ["builtin_app"], [TENANT_A])
    message = str(failure.value)
    for reason in ("has CREATEROLE", "has CREATEDB", "'cloudsqlsuperuser'"):
        assert reason in message


def test_grant_needs_the_tenants_the_login_serves(pg_cluster, shared_db) -> None:
    from tenancy.cli import app

    result = CliRunner().invoke(
        app,
        [
            "db",
            "migrate",
            "--dsn",
            pg_cluster.migrator_dsn(shared_db),
            "--grant-app-role-to",
            IAM_LOGIN,
        ],
    )
    assert result.exit_code == 2
    assert "--app-tenant ID or --all-tenants" in result.output


@pytest.fixture(scope="module")
def platform_login(pg_cluster, shared_db) -> str:
    """The login the platform creates for tenant A's dedicated instance, granted as the migration
    Job does: `--grant-app-role-to <IAM user> --app-tenant <tenant>`."""
    from tenancy.cli import app

    result = CliRunner().invoke(
        app,
        [
            "db",
            "migrate",
            "--dsn",
            pg_cluster.migrator_dsn(shared_db),
            "--grant-app-role-to",
            IAM_LOGIN,
            "--app-tenant",
            TENANT_A,
        ],
    )
    assert result.exit_code == 0, result.output
    assert _member_of_app_role(pg_cluster, IAM_LOGIN)
    return IAM_LOGIN


@pytest.fixture
def attacker(pg_cluster, shared_db, platform_login) -> Iterator[psycopg.Connection]:
    conn = psycopg.connect(_dsn(pg_cluster, shared_db, platform_login), autocommit=True)
    conn.execute("SELECT set_config('app.current_tenant', %s, false)", [TENANT_A])
    yield conn
    conn.close()


def _b_rows(conn: psycopg.Connection) -> int:
    return conn.execute(
        "SELECT (SELECT count(*) FROM itineraries WHERE tenant_id = %s) "
        "+ (SELECT count(*) FROM tenants WHERE id = %s)",
        [TENANT_B, TENANT_B],
    ).fetchone()[0]


def test_the_platform_login_works_for_its_own_tenant(attacker) -> None:
    assert attacker.execute("SELECT count(*) FROM itineraries").fetchone() == (2,)
    assert attacker.execute("SELECT id FROM tenants").fetchall() == [(TENANT_A,)]


@pytest.mark.parametrize(
    "route",
    [
        "SELECT set_config('app.current_tenant', 'globex', false)",
        "SELECT set_config('app.current_tenant', 'globex', true)",
        "SET app.current_tenant = 'globex'",
        "SET ROLE tenancy_app; SET app.current_tenant = 'globex'",
    ],
)
def test_setting_another_tenant_reaches_none_of_its_rows(attacker, route) -> None:
    with attacker.transaction():
        for statement in route.split("; "):
            attacker.execute(statement)
        assert _b_rows(attacker) == 0
        assert attacker.execute("UPDATE itineraries SET title = 'pwned' WHERE true").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            attacker.execute(
                "INSERT INTO itineraries "
                "(tenant_id, owner_user_id, slug, title, starts_on, ends_on) "
                "SELECT 'globex', gen_random_uuid(), 'x', 'x', current_date, current_date"
            )


@pytest.mark.parametrize(
    "statement",
    [
        "SET ROLE migrator",
        "SELECT set_config('role', 'migrator', false)",
        "SET SESSION AUTHORIZATION migrator",
        'GRANT migrator TO "acme-co-workload@tinybug-saas-dev.iam"',
        "GRANT tenancy_app TO builtin_app",
        "ALTER TABLE itineraries DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE itineraries NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON itineraries",
        "CREATE POLICY open_door ON itineraries USING (true)",
        'ALTER ROLE "acme-co-workload@tinybug-saas-dev.iam" BYPASSRLS',
        'ALTER ROLE "acme-co-workload@tinybug-saas-dev.iam" CREATEROLE',
        "ALTER ROLE migrator PASSWORD 'taken'",
        "CREATE ROLE sidekick LOGIN BYPASSRLS",
        "INSERT INTO tenancy_ops.login_tenants VALUES (session_user, '*')",
        "UPDATE tenancy_ops.login_tenants SET tenant_id = '*'",
        "CREATE FUNCTION public.trojan() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE OR REPLACE FUNCTION tenancy_guard.session_may_act_for(t text) RETURNS boolean "
        "LANGUAGE sql AS 'SELECT true'",
        "CREATE DATABASE escape_hatch",
        "COPY itineraries TO PROGRAM 'cat'",
    ],
)
def test_no_privileged_route_is_open(attacker, statement) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        attacker.execute(statement)
    attacker.execute("SELECT set_config('app.current_tenant', 'globex', false)")
    assert _b_rows(attacker) == 0


def test_the_app_cannot_choose_a_tier(pg_cluster, shared_db) -> None:
    """Sign-up inserts a tenant record, but never its tier: that mirrors the registry."""
    with psycopg.connect(pg_cluster.app_dsn(shared_db), autocommit=True) as conn:
        conn.execute("SELECT set_config('app.current_tenant', 'newco', false)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO tenants (id, name, tier) VALUES ('newco', 'N', 'enterprise')")
        conn.execute("INSERT INTO tenants (id, name) VALUES ('newco', 'New Co')")
        assert conn.execute("SELECT tier FROM tenants").fetchall() == [("free",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE tenants SET tier = 'enterprise'")
