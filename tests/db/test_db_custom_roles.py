"""Custom application roles (migration 0007) on the real PostgreSQL: enterprise tenants define them
beside the four standard roles; a free or standard tenant cannot; a membership names only a role of
its own tenant; another tenant never sees them; and a role in use cannot be deleted under a
concurrent assignment."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg import errors

ENTERPRISE, ATTACKER, STANDARD = "initech", "globex", "acme-co"
STANDARD_ROLES = ("owner", "admin", "member", "readonly")


@pytest.fixture
def db(pg_cluster, create_migrated_database, seed_tenant, seed_custom_role) -> str:
    name = create_migrated_database("custom_roles")
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        for tenant in (ENTERPRISE, ATTACKER, STANDARD):
            seed_tenant(conn, tenant, itineraries=1, comments_each=0)
    with pg_cluster.admin(name) as conn:
        conn.execute(
            "UPDATE tenants SET tier = 'enterprise' WHERE id = ANY(%s)", [[ENTERPRISE, ATTACKER]]
        )
        conn.execute("UPDATE tenants SET tier = 'standard' WHERE id = %s", [STANDARD])
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        seed_custom_role(conn, ENTERPRISE, "auditor")
        seed_custom_role(conn, ATTACKER, "planner")
    return name


def _app(pg_cluster, db: str, tenant: str) -> psycopg.Connection:
    conn = psycopg.connect(pg_cluster.app_dsn(db), autocommit=True)
    conn.execute("SELECT set_config('app.current_tenant', %s, false)", [tenant])
    return conn


def _new_user(conn: psycopg.Connection, tag: str) -> str:
    return conn.execute(
        "INSERT INTO users (firebase_uid, email) VALUES (%s, %s) RETURNING id",
        [f"uid-{tag}", f"{tag}@example.com"],
    ).fetchone()[0]


def test_enterprise_tenant_keeps_the_four_roles_and_adds_its_own(pg_cluster, db) -> None:
    with _app(pg_cluster, db, ENTERPRISE) as conn:
        for role in STANDARD_ROLES:
            conn.execute(
                "INSERT INTO user_tenants (user_id, role) VALUES (%s, %s)",
                [_new_user(conn, f"std-{role}"), role],
            )
        conn.execute(
            "INSERT INTO tenant_roles (name, permissions) VALUES ('trip_planner', %s)",
            [["tenant:data:read", "tenant:data:write"]],
        )
        conn.execute(
            "INSERT INTO user_tenants (user_id, role, custom_role) "
            "VALUES (%s, 'custom', 'trip_planner')",
            [_new_user(conn, "planner")],
        )
        held = conn.execute(
            "SELECT coalesce(custom_role, role), count(*) FROM user_tenants GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert dict(held) == {
        "admin": 1,
        "auditor": 1,
        "member": 1,
        "owner": 2,
        "readonly": 1,
        "trip_planner": 1,
    }


@pytest.mark.parametrize(
    "role, custom_role",
    [
        ("superuser", None),  # neither a standard role nor 'custom'
        ("custom", None),  # 'custom' must name the role
        ("member", "auditor"),  # a standard role names none
        ("custom", "no_such_role"),  # only an existing role of the tenant
    ],
)
def test_a_membership_names_a_known_role(pg_cluster, db, role, custom_role) -> None:
    with _app(pg_cluster, db, ENTERPRISE) as conn:
        user = _new_user(conn, f"odd-{role}-{custom_role}")
        with pytest.raises((errors.CheckViolation, errors.ForeignKeyViolation)):
            conn.execute(
                "INSERT INTO user_tenants (user_id, role, custom_role) VALUES (%s, %s, %s)",
                [user, role, custom_role],
            )


@pytest.mark.parametrize(
    "name, permissions, error",
    [
        ("owner", ["tenant:data:read"], errors.CheckViolation),
        ("Bad Name", ["tenant:data:read"], errors.CheckViolation),
        ("deleter", ["tenant:delete"], errors.CheckViolation),
        ("biller", ["tenant:billing:manage"], errors.CheckViolation),
        ("odd", ["drop table users"], errors.CheckViolation),
    ],
)
def test_custom_roles_are_well_formed_and_never_owners(
    pg_cluster, db, name, permissions, error
) -> None:
    with _app(pg_cluster, db, ENTERPRISE) as conn, pytest.raises(error):
        conn.execute(
            "INSERT INTO tenant_roles (name, permissions) VALUES (%s, %s)", [name, permissions]
        )


def test_a_standard_or_free_tenant_cannot_create_a_custom_role(pg_cluster, db) -> None:
    with _app(pg_cluster, db, STANDARD) as conn:
        with pytest.raises(errors.InsufficientPrivilege, match="only enterprise tenants"):
            conn.execute("INSERT INTO tenant_roles (name) VALUES ('sneaky')")
        # nor make itself enterprise first: the tier is the platform's (0004)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE tenants SET tier = 'enterprise'")
        assert conn.execute("SELECT count(*) FROM tenant_roles").fetchone()[0] == 0


def test_a_downgraded_tenant_cannot_change_its_roles(pg_cluster, db) -> None:
    with pg_cluster.admin(db) as admin:
        admin.execute("UPDATE tenants SET tier = 'standard' WHERE id = %s", [ENTERPRISE])
    with (
        _app(pg_cluster, db, ENTERPRISE) as conn,
        pytest.raises(errors.InsufficientPrivilege, match="only enterprise tenants"),
    ):
        conn.execute("UPDATE tenant_roles SET description = 'x' WHERE name = 'auditor'")


def test_another_tenant_never_sees_or_uses_a_custom_role(pg_cluster, db) -> None:
    """The attacker's twin: an enterprise tenant of its own, with its own custom role."""
    with _app(pg_cluster, db, ATTACKER) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM tenant_roles")] == ["planner"]
        assert (
            conn.execute(
                "SELECT count(*) FROM user_tenants WHERE custom_role = 'auditor'"
            ).fetchone()[0]
            == 0
        )
        # naming the other tenant's role from its own rows: the key includes tenant_id
        with pytest.raises(errors.ForeignKeyViolation):
            conn.execute(
                "INSERT INTO user_tenants (user_id, role, custom_role) "
                "VALUES (%s, 'custom', 'auditor')",
                [_new_user(conn, "borrower")],
            )
        # writing a role into the other tenant, or taking one over
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO tenant_roles (tenant_id, name) VALUES (%s, 'implant')", [ENTERPRISE]
            )
        assert (
            conn.execute(
                "UPDATE tenant_roles SET permissions = '{tenant:users:invite}' "
                "WHERE name = 'auditor'"
            ).rowcount
            == 0
        )
        assert conn.execute("DELETE FROM tenant_roles WHERE name = 'auditor'").rowcount == 0
    with _app(pg_cluster, db, ENTERPRISE) as conn:
        row = conn.execute("SELECT permissions FROM tenant_roles WHERE name = 'auditor'").fetchone()
        assert row == (["tenant:data:read", "tenant:audit:read"],)


def test_a_role_cannot_be_deleted_under_a_concurrent_assignment(pg_cluster, db) -> None:
    """A concurrent writer: one session assigns the role while another deletes it; the delete
    waits for the assignment and then fails, so no membership names a missing role."""
    with _app(pg_cluster, db, ENTERPRISE) as setup:
        setup.execute("INSERT INTO tenant_roles (name) VALUES ('reviewer')")
        user = _new_user(setup, "reviewer")
    assigner = _app(pg_cluster, db, ENTERPRISE)
    deleter = _app(pg_cluster, db, ENTERPRISE)
    outcome: dict[str, BaseException | None] = {}
    try:
        assigner.execute("BEGIN")
        assigner.execute(
            "INSERT INTO user_tenants (user_id, role, custom_role) "
            "VALUES (%s, 'custom', 'reviewer')",
            [user],
        )

        def delete() -> None:
            try:
                deleter.execute("DELETE FROM tenant_roles WHERE name = 'reviewer'")
                outcome["delete"] = None
            except psycopg.Error as exc:
                outcome["delete"] = exc

        thread = threading.Thread(target=delete)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the delete must wait for the assignment in flight"
        assigner.execute("COMMIT")
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        assigner.close()
        deleter.close()
    assert isinstance(outcome["delete"], errors.ForeignKeyViolation)
    with _app(pg_cluster, db, ENTERPRISE) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM user_tenants u JOIN tenant_roles r "
                "ON r.tenant_id = u.tenant_id AND r.name = u.custom_role"
            ).fetchone()[0]
            == 2  # auditor (seeded) and reviewer
        )
