"""purge-tenant-data: only a verified-migrated tenant, only after the retention period (unless
forced), only that tenant's rows, and the tenant record stays."""

from __future__ import annotations

import psycopg
import pytest

from tenancy.db import migrate_data, purge_tenant
from tenancy.db.catalog import count_rows, tenant_owned_tables
from tenancy.db.errors import PurgeRefused, UnknownTenant

GONE, STAYS = "acme-co", "globex"


@pytest.fixture
def shared(pg_cluster, create_migrated_database, seed_tenant) -> str:
    name = create_migrated_database("purge")
    with psycopg.connect(pg_cluster.app_dsn(name), autocommit=True) as conn:
        seed_tenant(conn, GONE, itineraries=2)
        seed_tenant(conn, STAYS, itineraries=2)
    return name


def _rows(pg_cluster, db: str, tenant: str) -> dict[str, int]:
    with pg_cluster.admin(db) as conn:
        return {t.display: count_rows(conn, t, tenant) for t in tenant_owned_tables(conn)}


def _migrated(pg_cluster, create_migrated_database, shared: str, days_ago: int) -> None:
    target = create_migrated_database("purge_target")
    migrate_data(
        GONE, pg_cluster.migrator_dsn(shared), pg_cluster.migrator_dsn(target), freeze=True
    )
    with pg_cluster.admin(shared) as conn:
        conn.execute(
            "UPDATE tenancy_ops.tenant_exports SET verified_at = now() - make_interval(days => %s)",
            [days_ago],
        )


def test_refuses_a_tenant_that_was_never_migrated(pg_cluster, shared) -> None:
    before = _rows(pg_cluster, shared, GONE)
    with pytest.raises(PurgeRefused, match="tenant 'acme-co' has no verified export recorded"):
        purge_tenant(GONE, pg_cluster.migrator_dsn(shared), retention_days=0)
    assert _rows(pg_cluster, shared, GONE) == before


def test_refuses_before_the_retention_period_is_over(
    pg_cluster, create_migrated_database, shared
) -> None:
    _migrated(pg_cluster, create_migrated_database, shared, days_ago=3)
    before = _rows(pg_cluster, shared, GONE)
    with pytest.raises(PurgeRefused, match="the 30-day retention period is not over"):
        purge_tenant(GONE, pg_cluster.migrator_dsn(shared), retention_days=30)
    # Nothing deleted (a free tenant has rows in every table but custom roles, 0007).
    assert _rows(pg_cluster, shared, GONE) == before and before["itineraries"] > 0


def test_purges_only_that_tenant_after_retention(
    pg_cluster, create_migrated_database, shared
) -> None:
    _migrated(pg_cluster, create_migrated_database, shared, days_ago=31)
    stays_before = _rows(pg_cluster, shared, STAYS)
    gone_before = _rows(pg_cluster, shared, GONE)

    report = purge_tenant(GONE, pg_cluster.migrator_dsn(shared), retention_days=30)

    assert report.deleted == gone_before and not report.forced and report.verified_at is not None
    assert set(_rows(pg_cluster, shared, GONE).values()) == {0}
    assert _rows(pg_cluster, shared, STAYS) == stays_before
    with pg_cluster.admin(shared) as conn:
        assert conn.execute("SELECT id FROM tenants ORDER BY id").fetchall() == [(GONE,), (STAYS,)]
        assert conn.execute(
            "SELECT purged_at IS NOT NULL FROM tenancy_ops.tenant_exports"
        ).fetchall() == [(True,)]


def test_dry_run_counts_and_deletes_nothing(pg_cluster, create_migrated_database, shared) -> None:
    _migrated(pg_cluster, create_migrated_database, shared, days_ago=31)
    before = _rows(pg_cluster, shared, GONE)
    report = purge_tenant(GONE, pg_cluster.migrator_dsn(shared), dry_run=True)
    assert report.deleted == before
    assert _rows(pg_cluster, shared, GONE) == before


def test_force_purges_without_a_verified_migration(pg_cluster, shared) -> None:
    stays_before = _rows(pg_cluster, shared, STAYS)
    report = purge_tenant(GONE, pg_cluster.migrator_dsn(shared), force=True)
    assert report.forced and report.verified_at is None
    assert set(_rows(pg_cluster, shared, GONE).values()) == {0}
    assert _rows(pg_cluster, shared, STAYS) == stays_before


def test_unknown_tenant(pg_cluster, shared) -> None:
    with pytest.raises(UnknownTenant, match="tenant 'nobody-here' does not exist"):
        purge_tenant("nobody-here", pg_cluster.migrator_dsn(shared), force=True)
