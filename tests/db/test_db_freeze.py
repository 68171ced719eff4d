"""The write freeze (migration 0005) is enforced by the database: a frozen tenant's services can
read but not write, in every tenant-owned table; other tenants and the migration user are not
affected; a freeze waits for the writes in flight; and the purge deletes exactly the export."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg import errors, sql

from tenancy.db import migrate_data, purge_tenant
from tenancy.db.catalog import count_rows, fingerprint, tenant_owned_tables
from tenancy.db.errors import NotFrozen, PurgeRefused
from tenancy.db.freeze import FROZEN_SQLSTATE, freeze, mark_moved, state_of, unfreeze

FROZEN, OTHER = "acme-co", "globex"


@pytest.fixture
def shared(pg_cluster, create_migrated_database, seed_tenant, seed_custom_role) -> str:
    name = create_migrated_database("freeze")
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        seed_tenant(conn, FROZEN, itineraries=2)
        seed_tenant(conn, OTHER, itineraries=2)
    # The frozen tenant has a row in every table, custom roles (enterprise only, 0007) included.
    with pg_cluster.admin(name) as conn:
        conn.execute("UPDATE tenants SET tier = 'enterprise' WHERE id = %s", [FROZEN])
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        seed_custom_role(conn, FROZEN)
    return name


def _app(pg_cluster, db: str, tenant: str) -> psycopg.Connection:
    conn = psycopg.connect(pg_cluster.app_dsn(db), autocommit=True)
    conn.execute("SELECT set_config('app.current_tenant', %s, false)", [tenant])
    return conn


def _writes(conn: psycopg.Connection, table: str) -> list[sql.Composed]:
    ident = sql.Identifier(table)
    return [
        sql.SQL("UPDATE {} SET created_at = created_at").format(ident),
        sql.SQL("DELETE FROM {} WHERE false OR created_at IS NOT NULL").format(ident),
    ]


def test_services_cannot_write_a_frozen_tenant_in_any_table(pg_cluster, shared) -> None:
    dsn = pg_cluster.migrator_dsn(shared)
    state = freeze(dsn, FROZEN)
    assert state.state == "frozen" and state.freeze_id
    assert freeze(dsn, FROZEN) == state  # idempotent: the same freeze

    with pg_cluster.admin(shared) as admin:
        tables = [t.display for t in tenant_owned_tables(admin)]
        before = {t.display: fingerprint(admin, t, FROZEN) for t in tenant_owned_tables(admin)}
    with _app(pg_cluster, shared, FROZEN) as conn:
        assert conn.execute("SELECT count(*) FROM itineraries").fetchone()[0] == 2  # reads work
        user = conn.execute("SELECT id FROM users").fetchone()[0]
        attempts = [
            ("INSERT INTO itineraries (owner_user_id, slug, title) VALUES (%s, 'x', 'x')", [user]),
            ("UPDATE tenants SET name = 'renamed'", []),
        ]
        for table in tables:
            attempts += [(q, []) for q in _writes(conn, table)]
        for query, params in attempts:
            with pytest.raises(errors.ReadOnlySqlTransaction, match=r"tenant acme-co is read-only"):
                conn.execute(query, params)
            assert FROZEN_SQLSTATE == "25006"
    with pg_cluster.admin(shared) as admin:
        after = {t.display: fingerprint(admin, t, FROZEN) for t in tenant_owned_tables(admin)}
    assert after == before

    # Another tenant of the same database writes as usual.
    with _app(pg_cluster, shared, OTHER) as conn:
        user = conn.execute("SELECT id FROM users").fetchone()[0]
        conn.execute(
            "INSERT INTO itineraries (owner_user_id, slug, title) VALUES (%s, 'new', 'n')", [user]
        )
        conn.execute("DELETE FROM comments")

    unfreeze(dsn, FROZEN)
    with _app(pg_cluster, shared, FROZEN) as conn:
        conn.execute("UPDATE itineraries SET title = 'writable again'")


def test_services_cannot_lift_or_fake_a_freeze(pg_cluster, shared) -> None:
    freeze(pg_cluster.migrator_dsn(shared), FROZEN)
    with _app(pg_cluster, shared, FROZEN) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute("UPDATE tenants SET write_state = 'open', write_freeze_id = NULL")
    with _app(pg_cluster, shared, "newco") as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO tenants (id, name, tier, write_state) "
            "VALUES ('newco', 'N', 'free', 'open')"
        )
    assert state_of(pg_cluster.migrator_dsn(shared), FROZEN).state == "frozen"


def test_a_freeze_waits_for_writes_in_flight(pg_cluster, shared) -> None:
    """A write that began before the freeze commits first; the freeze returns only after it."""
    writer = _app(pg_cluster, shared, FROZEN)
    user = writer.execute("SELECT id FROM users").fetchone()[0]
    writer.execute("BEGIN")
    writer.execute(
        "INSERT INTO itineraries (owner_user_id, slug, title) VALUES (%s, 'in-flight', 't')", [user]
    )
    done = threading.Event()
    thread = threading.Thread(
        target=lambda: (freeze(pg_cluster.migrator_dsn(shared), FROZEN), done.set())
    )
    thread.start()
    assert not done.wait(0.5), "the freeze did not wait for the write in flight"
    writer.execute("COMMIT")
    thread.join(10)
    assert done.is_set()
    with pytest.raises(errors.ReadOnlySqlTransaction):
        writer.execute(
            "INSERT INTO itineraries (owner_user_id, slug, title) VALUES (%s, 'late', 't')", [user]
        )
    writer.close()
    with pg_cluster.admin(shared) as admin:
        slugs = {
            r[0]
            for r in admin.execute("SELECT slug FROM itineraries WHERE tenant_id = %s", [FROZEN])
        }
    assert "in-flight" in slugs and "late" not in slugs


def test_the_migration_user_is_not_bound(pg_cluster, shared) -> None:
    dsn = pg_cluster.migrator_dsn(shared)
    freeze(dsn, FROZEN)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT set_config('app.current_tenant', %s, false)", [FROZEN])
        assert conn.execute("DELETE FROM comments").rowcount > 0


def _export(pg_cluster, create_migrated_database, shared: str) -> str:
    target = create_migrated_database("freeze_target")
    migrate_data(
        FROZEN, pg_cluster.migrator_dsn(shared), pg_cluster.migrator_dsn(target), freeze=True
    )
    return target


def _counts(pg_cluster, db: str, tenant: str) -> dict[str, int]:
    with pg_cluster.admin(db) as conn:
        return {t.display: count_rows(conn, t, tenant) for t in tenant_owned_tables(conn)}


def test_copy_leaves_the_target_frozen_under_the_same_freeze(
    pg_cluster, create_migrated_database, shared
) -> None:
    target = _export(pg_cluster, create_migrated_database, shared)
    source_state = state_of(pg_cluster.migrator_dsn(shared), FROZEN)
    target_state = state_of(pg_cluster.migrator_dsn(target), FROZEN)
    assert target_state.state == "frozen" and target_state.freeze_id == source_state.freeze_id
    with _app(pg_cluster, target, FROZEN) as conn, pytest.raises(errors.ReadOnlySqlTransaction):
        conn.execute("DELETE FROM comments")


def test_unfrozen_source_is_refused(pg_cluster, create_migrated_database, shared) -> None:
    target = create_migrated_database("unfrozen_target")
    with pytest.raises(NotFrozen, match="tenant 'acme-co' is not frozen in the source"):
        migrate_data(FROZEN, pg_cluster.migrator_dsn(shared), pg_cluster.migrator_dsn(target))


def test_purge_deletes_exactly_the_export(pg_cluster, create_migrated_database, shared) -> None:
    exported = _counts(pg_cluster, shared, FROZEN)
    other = _counts(pg_cluster, shared, OTHER)
    _export(pg_cluster, create_migrated_database, shared)
    dsn = pg_cluster.migrator_dsn(shared)
    mark_moved(dsn, FROZEN, state_of(dsn, FROZEN).freeze_id)  # moved keeps the same freeze
    report = purge_tenant(FROZEN, dsn, retention_days=0)
    assert report.deleted == exported and not report.forced
    assert set(_counts(pg_cluster, shared, FROZEN).values()) == {0}
    assert _counts(pg_cluster, shared, OTHER) == other


def test_purge_refuses_rows_that_differ_from_the_export_naming_the_tables(
    pg_cluster, create_migrated_database, shared
) -> None:
    _export(pg_cluster, create_migrated_database, shared)
    with pg_cluster.admin(shared) as admin:  # an operator bypassing the freeze
        admin.execute("UPDATE comments SET body = 'edited' WHERE tenant_id = %s", [FROZEN])
        user = admin.execute("SELECT id FROM users WHERE tenant_id = %s", [FROZEN]).fetchone()[0]
        admin.execute(
            "INSERT INTO itineraries (tenant_id, owner_user_id, slug, title) "
            "VALUES (%s, %s, 'x', 'x')",
            [FROZEN, user],
        )
    before = _counts(pg_cluster, shared, FROZEN)
    with pytest.raises(PurgeRefused) as refused:
        purge_tenant(FROZEN, pg_cluster.migrator_dsn(shared), retention_days=0)
    message = str(refused.value)
    assert "comments (4 rows, content changed)" in message
    assert "itineraries (2 rows exported, 3 now)" in message
    assert "users" not in message and "Nothing was deleted" in message
    assert _counts(pg_cluster, shared, FROZEN) == before


def test_purge_refuses_a_tenant_unfrozen_since_the_export(
    pg_cluster, create_migrated_database, shared
) -> None:
    _export(pg_cluster, create_migrated_database, shared)
    dsn = pg_cluster.migrator_dsn(shared)
    unfreeze(dsn, FROZEN)
    with pytest.raises(PurgeRefused, match=r"has not stayed frozen since its export.*now open"):
        purge_tenant(FROZEN, dsn, retention_days=0)
    freeze(dsn, FROZEN)  # a new freeze is not the one the export was taken under
    with pytest.raises(PurgeRefused, match="now frozen, under another freeze"):
        purge_tenant(FROZEN, dsn, retention_days=0)
    assert all(n > 0 for n in _counts(pg_cluster, shared, FROZEN).values())
