"""Row-level security: a tenant's session never sees, changes or creates another tenant's rows,
a session without a tenant sees and writes nothing, and the owner cannot bypass by accident.

Every test runs for every tenant-owned table. The parameters come from the migration files and
``test_every_tenant_owned_table_is_covered`` proves they equal what the catalog discovers, so a
new table that misses any part of the pattern makes this module fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from tenancy.db.catalog import TenantTable, fingerprint, tables_by_name, tenant_owned_tables
from tenancy.db.migrations import load_migrations

TENANT_A, TENANT_B = "acme-co", "globex"


def _tables_declared_in_migrations() -> list[str]:
    declared = []
    for migration in load_migrations():
        for name, body in re.findall(
            r"CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([\w.]+)\s*\((.*?)\n\);", migration.sql, re.S
        ):
            if re.search(r"^\s*tenant_id\s", body, re.M) and not name.startswith("tenancy_ops."):
                declared.append(name)
    return sorted(declared)


TENANT_TABLES = _tables_declared_in_migrations()
ALL_ROWS = sql.SQL("true")


@dataclass(frozen=True)
class IsolationDb:
    cluster: object  # conftest.PgCluster
    name: str
    tables: dict[str, TenantTable]

    def admin(self) -> psycopg.Connection:
        return self.cluster.admin(self.name)

    def app(self, tenant: str | None) -> psycopg.Connection:
        return _session(self.cluster.app_dsn(self.name), tenant)

    def owner(self, tenant: str | None) -> psycopg.Connection:
        return _session(self.cluster.migrator_dsn(self.name), tenant)


def _session(dsn: str, tenant: str | None) -> psycopg.Connection:
    """A session of ``dsn``, scoped to ``tenant`` for its whole life (None: no tenant at all)."""
    conn = psycopg.connect(dsn, autocommit=True)
    if tenant is not None:
        conn.execute("SELECT set_config('app.current_tenant', %s, false)", [tenant])
    return conn


@pytest.fixture(scope="module")
def db(pg_cluster, create_migrated_database, seed_tenant, seed_custom_role) -> IsolationDb:
    name = create_migrated_database("isolation")
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        seed_tenant(conn, TENANT_A, itineraries=2)
        seed_tenant(conn, TENANT_B, itineraries=3)
    # Custom roles (0007) are enterprise-only: the tier is the platform's to write, not the app's.
    with pg_cluster.admin(name) as conn:
        conn.execute("UPDATE tenants SET tier = 'enterprise'")
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        for tenant in (TENANT_A, TENANT_B):
            seed_custom_role(conn, tenant)
    with pg_cluster.admin(name) as conn:
        tables = tables_by_name(tenant_owned_tables(conn))
    return IsolationDb(pg_cluster, name, tables)


@pytest.fixture(params=TENANT_TABLES)
def table(request, db: IsolationDb) -> TenantTable:
    return db.tables[request.param]


def _fingerprints(db: IsolationDb, table: TenantTable) -> tuple:
    with db.admin() as conn:
        return fingerprint(conn, table, TENANT_A), fingerprint(conn, table, TENANT_B)


def _row_of(db: IsolationDb, table: TenantTable, tenant: str) -> dict:
    with db.admin() as conn:
        query = sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE tenant_id = %s LIMIT 1").format(
            table.identifier
        )
        row = conn.execute(query, [tenant]).fetchone()
    assert row, (
        f"no {table.display} row of {tenant}: add rows for it to seed_tenant in "
        "tests/db/conftest.py"
    )
    return row[0]


def _insert_row(conn: psycopg.Connection, table: TenantTable, row: dict) -> None:
    """Insert ``row`` into the insertable columns it has (a column it lacks gets its default)."""
    columns = [c.name for c in table.insertable_columns if c.name in row]
    query = sql.SQL(
        "INSERT INTO {table} ({cols}) SELECT {cols} FROM jsonb_populate_record(NULL::{table}, %s)"
    ).format(table=table.identifier, cols=sql.SQL(", ").join(map(sql.Identifier, columns)))
    conn.execute(query, [Jsonb(row)])


def _count(
    conn: psycopg.Connection, table: TenantTable, where: sql.Composable = ALL_ROWS, params=()
) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table.identifier, where)
    return conn.execute(query, params).fetchone()[0]


# --- the catalog agrees with the pattern ----------------------------------------------------------
def test_every_tenant_owned_table_is_covered(db: IsolationDb) -> None:
    assert TENANT_TABLES, "no tenant-owned tables found in migrations/"
    assert sorted(db.tables) == TENANT_TABLES


def test_rls_is_enabled_and_forced(table: TenantTable) -> None:
    assert table.rls_enabled, f"{table.display}: row-level security is not enabled"
    assert table.rls_forced, (
        f"{table.display}: row-level security is not forced (the owner would bypass it)"
    )


def test_policies_check_reads_and_writes_against_the_tenant_setting(
    db: IsolationDb, table: TenantTable
) -> None:
    with db.admin() as conn:
        policies = conn.execute(
            "SELECT polcmd, polpermissive, pg_get_expr(polqual, polrelid), "
            "pg_get_expr(polwithcheck, polrelid) "
            "FROM pg_policy WHERE polrelid = %s",
            [table.oid],
        ).fetchall()
    isolation = [p for p in policies if p[1]]
    assert isolation, f"{table.display} has no policy"
    for command, permissive, using, with_check in isolation:
        assert command == "*" and permissive
        for expression in (using, with_check):
            assert expression and "current_setting('app.current_tenant'::text, true)" in expression
            assert "tenant_id" in expression


def test_restrictive_policies_are_exactly_the_write_freeze(
    db: IsolationDb, table: TenantTable
) -> None:
    """Migration 0005: every tenant-owned table refuses the services' writes of a frozen tenant."""
    with db.admin() as conn:
        restrictive = conn.execute(
            "SELECT polcmd, pg_get_expr(coalesce(polwithcheck, polqual), polrelid), "
            "array(SELECT rolname FROM pg_roles WHERE oid = ANY(polroles)) "
            "FROM pg_policy WHERE polrelid = %s AND NOT polpermissive ORDER BY polcmd",
            [table.oid],
        ).fetchall()
    assert [r[0] for r in restrictive] == ["a", "d", "w"], (
        f"{table.display}: add the tenant_write_freeze_insert/update/delete policies (0005)"
    )
    for _, expression, roles in restrictive:
        assert expression == "tenant_accepts_writes()" and roles == ["tenancy_app"]


def test_app_role_does_not_own_tables_and_cannot_bypass(
    db: IsolationDb, table: TenantTable
) -> None:
    with db.admin() as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s", [table.oid]
        ).fetchone()[0]
        bypass = conn.execute(
            "SELECT rolname FROM pg_roles WHERE (rolbypassrls OR rolsuper) AND rolname IN "
            "('tenancy_app', 'app_user')"
        ).fetchall()
        member_owner = conn.execute(
            "SELECT pg_has_role('app_user', %s, 'MEMBER')", [owner]
        ).fetchone()[0]
    assert owner not in ("tenancy_app", "app_user")
    assert not member_owner, f"app_user is a member of {owner}, which owns {table.display}"
    assert bypass == []


def test_unique_constraints_and_foreign_keys_are_scoped_by_tenant(
    db: IsolationDb, table: TenantTable
) -> None:
    with db.admin() as conn:
        unique_indexes = conn.execute(
            "SELECT indexrelid::regclass::text, array(SELECT attname FROM pg_attribute "
            "WHERE attrelid = indrelid AND attnum = ANY(indkey)) FROM pg_index WHERE indrelid = "
            "%s AND indisunique",
            [table.oid],
        ).fetchall()
        foreign_keys = conn.execute(
            "SELECT conname, confrelid::regclass::text, "
            "array(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = "
            "ANY(conkey)), "
            "array(SELECT attname FROM pg_attribute WHERE attrelid = confrelid AND attnum = "
            "ANY(confkey)) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s",
            [table.oid],
        ).fetchall()
    assert unique_indexes
    for index, columns in unique_indexes:
        assert "tenant_id" in columns, f"unique index {index} is not scoped by tenant"
    for name, referenced, local, remote in foreign_keys:
        if referenced == "tenants":
            assert local == ["tenant_id"] and remote == ["id"]
        else:
            assert referenced in db.tables, (
                f"{name} points at {referenced}, which is not tenant-owned"
            )
            assert "tenant_id" in local and "tenant_id" in remote, (
                f"{name} does not include tenant_id"
            )


def test_app_role_has_no_access_to_operator_bookkeeping(db: IsolationDb) -> None:
    with db.admin() as conn:
        assert conn.execute(
            "SELECT has_schema_privilege('app_user', 'tenancy_ops', 'USAGE')"
        ).fetchone() == (False,)
        assert conn.execute(
            "SELECT has_table_privilege('app_user', 'schema_migrations', 'SELECT')"
        ).fetchone() == (False,)


# --- tenant A against tenant B --------------------------------------------------------------------
def test_tenant_sees_only_its_own_rows(db: IsolationDb, table: TenantTable) -> None:
    with db.admin() as conn:
        own = _count(conn, table, sql.SQL("tenant_id = %s"), [TENANT_A])
        other = _count(conn, table, sql.SQL("tenant_id = %s"), [TENANT_B])
    assert own > 0 and other > 0, f"add {table.display} rows to seed_tenant in tests/db/conftest.py"
    with db.app(TENANT_A) as conn:
        assert _count(conn, table) == own
        assert _count(conn, table, sql.SQL("tenant_id = %s"), [TENANT_B]) == 0
        assert _count(conn, table, sql.SQL("tenant_id <> %s"), [TENANT_A]) == 0


def test_tenant_cannot_update_or_delete_other_tenants_rows(
    db: IsolationDb, table: TenantTable
) -> None:
    before = _fingerprints(db, table)
    with db.app(TENANT_A) as conn:
        update = sql.SQL("UPDATE {} SET tenant_id = tenant_id WHERE tenant_id = %s").format(
            table.identifier
        )
        assert conn.execute(update, [TENANT_B]).rowcount == 0
        delete = sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(table.identifier)
        assert conn.execute(delete, [TENANT_B]).rowcount == 0
    assert _fingerprints(db, table) == before


def test_tenant_cannot_move_its_rows_to_another_tenant(db: IsolationDb, table: TenantTable) -> None:
    before = _fingerprints(db, table)
    with db.app(TENANT_A) as conn:
        move = sql.SQL("UPDATE {} SET tenant_id = %s WHERE tenant_id = %s").format(table.identifier)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(move, [TENANT_B, TENANT_A])
    assert _fingerprints(db, table) == before


def test_tenant_cannot_insert_rows_for_another_tenant(db: IsolationDb, table: TenantTable) -> None:
    before = _fingerprints(db, table)
    # a copy of one of A's rows, relabelled as B's (same shape, other tenant)
    row = {**_row_of(db, table, TENANT_A), "tenant_id": TENANT_B}
    with (
        db.app(TENANT_A) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        _insert_row(conn, table, row)
    assert _fingerprints(db, table) == before


def test_rows_cannot_reference_another_tenants_rows(db: IsolationDb) -> None:
    b_itinerary = _row_of(db, db.tables["itineraries"], TENANT_B)["id"]
    a_user = _row_of(db, db.tables["users"], TENANT_A)["id"]
    with db.app(TENANT_A) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(
            "INSERT INTO comments (itinerary_id, author_user_id, body) VALUES (%s, %s, 'sneaky')",
            [b_itinerary, a_user],
        )


def test_tenant_scoped_unique_constraints_allow_the_same_value_in_two_tenants(
    db: IsolationDb,
) -> None:
    with db.admin() as conn:
        slugs = conn.execute(
            "SELECT tenant_id, slug FROM itineraries WHERE slug = 'trip-0' ORDER BY tenant_id"
        ).fetchall()
    assert slugs == [(TENANT_A, "trip-0"), (TENANT_B, "trip-0")]
    a_user = _row_of(db, db.tables["users"], TENANT_A)["id"]
    with db.app(TENANT_A) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO itineraries (owner_user_id, slug, title) VALUES (%s, 'trip-0', 'dup')",
            [a_user],
        )


def test_tenant_record_is_isolated_too(db: IsolationDb) -> None:
    with db.app(TENANT_A) as conn:
        assert conn.execute("SELECT id FROM tenants").fetchall() == [(TENANT_A,)]
        assert (
            conn.execute("UPDATE tenants SET name = 'pwned' WHERE id = %s", [TENANT_B]).rowcount
            == 0
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO tenants (id, name, tier) VALUES ('evil-corp', 'x', 'free')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE tenants SET tier = 'enterprise'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM tenants")


# --- no tenant context: fail closed ---------------------------------------------------------------
@pytest.fixture(params=["never-set", "reset-after-transaction"])
def no_tenant_session(request, db: IsolationDb) -> Iterator[psycopg.Connection]:
    conn = db.app(None)
    if request.param == "reset-after-transaction":
        # after SET LOCAL ends the setting reads as '' rather than NULL: still no tenant
        with conn.transaction():
            conn.execute("SELECT set_config('app.current_tenant', %s, true)", [TENANT_A])
        assert conn.execute("SELECT current_setting('app.current_tenant', true)").fetchone() == (
            "",
        )
    yield conn
    conn.close()


def test_without_tenant_nothing_is_visible(
    no_tenant_session: psycopg.Connection, table: TenantTable
) -> None:
    assert _count(no_tenant_session, table) == 0


def test_without_tenant_nothing_is_updated_or_deleted(
    db: IsolationDb, no_tenant_session: psycopg.Connection, table: TenantTable
) -> None:
    before = _fingerprints(db, table)
    assert (
        no_tenant_session.execute(
            sql.SQL("UPDATE {} SET tenant_id = tenant_id").format(table.identifier)
        ).rowcount
        == 0
    )
    assert (
        no_tenant_session.execute(sql.SQL("DELETE FROM {}").format(table.identifier)).rowcount == 0
    )
    assert _fingerprints(db, table) == before


def test_without_tenant_inserts_are_rejected(
    db: IsolationDb, no_tenant_session: psycopg.Connection, table: TenantTable
) -> None:
    before = _fingerprints(db, table)
    row = _row_of(db, table, TENANT_A)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        _insert_row(no_tenant_session, table, row)
    # leaving tenant_id to its default (the session's tenant) fails too: there is none
    without_tenant = {k: v for k, v in row.items() if k != "tenant_id"}
    with pytest.raises((psycopg.errors.NotNullViolation, psycopg.errors.InsufficientPrivilege)):
        _insert_row(no_tenant_session, table, without_tenant)
    assert _fingerprints(db, table) == before


# --- the owner is bound too -----------------------------------------------------------------------
def test_owner_without_tenant_sees_nothing(db: IsolationDb, table: TenantTable) -> None:
    with db.owner(None) as conn:
        assert conn.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)
        assert _count(conn, table) == 0


def test_owner_in_a_tenant_context_sees_only_that_tenant(
    db: IsolationDb, table: TenantTable
) -> None:
    before = _fingerprints(db, table)
    with db.owner(TENANT_A) as conn:
        assert _count(conn, table, sql.SQL("tenant_id = %s"), [TENANT_B]) == 0
        assert (
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(table.identifier), [TENANT_B]
            ).rowcount
            == 0
        )
    assert _fingerprints(db, table) == before
