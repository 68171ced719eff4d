"""migrate-data: exactly one tenant's rows, verified, never over an existing copy, resumable,
a dry run that writes nothing, and clear errors that leave nothing half-written."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from tenancy.db import datamove, migrate, migrate_data
from tenancy.db.catalog import fingerprint, tenant_owned_tables
from tenancy.db.errors import (
    ConnectionFailed,
    InvalidDsn,
    InvalidTenant,
    SameDatabase,
    SchemaMismatch,
    TargetNotEmpty,
    UnknownTenant,
    VerificationFailed,
)
from tenancy.db.freeze import freeze
from tenancy.db.migrations import DEFAULT_MIGRATIONS_DIR

MOVING, STAYING, ALSO_STAYING = "acme-co", "globex", "initech"


@dataclass(frozen=True)
class Pair:
    cluster: object  # conftest.PgCluster
    source: str
    target: str

    @property
    def source_dsn(self) -> str:
        return self.cluster.migrator_dsn(self.source)

    @property
    def target_dsn(self) -> str:
        return self.cluster.migrator_dsn(self.target)

    def admin(self, db: str) -> psycopg.Connection:
        return self.cluster.admin(db)

    def tenant_tables(self) -> list[str]:
        with self.admin(self.source) as conn:
            return sorted(t.display for t in tenant_owned_tables(conn))

    def fingerprints(self, db: str, tenant: str) -> dict[str, tuple[int, str]]:
        with self.admin(db) as conn:
            prints = {t.display: fingerprint(conn, t, tenant) for t in tenant_owned_tables(conn)}
        return {table: (f.rows, f.checksum) for table, f in prints.items()}

    def tenants_present(self, db: str) -> dict[str, set[str]]:
        """{table: set of tenant ids with rows}, read as superuser (sees everything)."""
        with self.admin(db) as conn:
            result = {"tenants": {r[0] for r in conn.execute("SELECT id FROM tenants")}}
            for t in tenant_owned_tables(conn):
                query = sql.SQL("SELECT DISTINCT tenant_id FROM {}").format(t.identifier)
                result[t.display] = {r[0] for r in conn.execute(query)}
            return result

    def target_is_untouched(self) -> bool:
        with self.admin(self.target) as conn:
            copies = conn.execute(
                "SELECT count(*) FROM tenancy_ops.tenant_table_copies"
            ).fetchone()[0]
        return copies == 0 and all(
            not tenants for tenants in self.tenants_present(self.target).values()
        )

    def exports(self) -> list[tuple]:
        with self.admin(self.source) as conn:
            return conn.execute(
                "SELECT tenant_id, table_count, row_count FROM tenancy_ops.tenant_exports"
            ).fetchall()


@pytest.fixture
def pair(pg_cluster, create_migrated_database, seed_tenant) -> Pair:
    source = create_migrated_database("shared")
    target = create_migrated_database("dedicated")
    with psycopg.connect(pg_cluster.app_dsn(source), autocommit=True) as conn:
        seed_tenant(conn, STAYING, itineraries=2)
        seed_tenant(conn, MOVING, itineraries=4, comments_each=3)
        seed_tenant(conn, ALSO_STAYING, itineraries=1)
    freeze(pg_cluster.migrator_dsn(source), MOVING)  # a real run needs the tenant frozen
    return Pair(pg_cluster, source, target)


def test_moves_exactly_one_tenant_and_verifies_it(pair: Pair) -> None:
    source_before = {t: pair.fingerprints(pair.source, t) for t in (MOVING, STAYING, ALSO_STAYING)}

    report = migrate_data(MOVING, pair.source_dsn, pair.target_dsn)

    assert [t.action for t in report.tables] == ["copied"] * len(report.tables)
    assert sorted(t.table for t in report.tables) == pair.tenant_tables()
    assert report.total_rows == 1 + 1 + 4 + 4 * 3  # user, membership, itineraries, comments
    # identical rows on both sides, per table
    assert pair.fingerprints(pair.target, MOVING) == source_before[MOVING]
    assert {t.table: (t.rows, t.checksum) for t in report.tables} == source_before[MOVING]
    # nothing of any other tenant reached the target
    # (a free tenant has no custom roles, 0007: that table stays empty)
    assert all(tenants <= {MOVING} for tenants in pair.tenants_present(pair.target).values())
    assert pair.tenants_present(pair.target)["itineraries"] == {MOVING}
    # the source is unchanged
    assert {t: pair.fingerprints(pair.source, t) for t in source_before} == source_before
    # bookkeeping: each table's verified copy on the target, the finished export on the source
    with pair.admin(pair.target) as conn:
        copies = conn.execute(
            "SELECT table_name, row_count, source FROM tenancy_ops.tenant_table_copies ORDER BY 1"
        ).fetchall()
    assert [c[0] for c in copies] == pair.tenant_tables()
    assert all("password" not in c[2] and "S3cret" not in c[2] for c in copies)
    assert pair.exports() == [(MOVING, len(pair.tenant_tables()), report.total_rows)]


def test_tables_are_copied_parents_first(pair: Pair) -> None:
    order = [t.table for t in migrate_data(MOVING, pair.source_dsn, pair.target_dsn).tables]
    assert order.index("users") < order.index("user_tenants")
    assert order.index("users") < order.index("itineraries") < order.index("comments")


def test_copy_runs_as_a_non_superuser_owner_bound_by_row_security(pair: Pair) -> None:
    with psycopg.connect(pair.source_dsn) as conn:
        assert conn.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)
    migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    assert pair.fingerprints(pair.target, MOVING) == pair.fingerprints(pair.source, MOVING)


def test_refuses_a_target_that_already_holds_the_tenant(pair: Pair) -> None:
    migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    before = pair.fingerprints(pair.target, MOVING)
    with pytest.raises(TargetNotEmpty, match=r"already holds a copy of tenant 'acme-co'.*--resume"):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    assert pair.fingerprints(pair.target, MOVING) == before
    assert len(pair.exports()) == 1


def test_refuses_tenant_rows_it_did_not_copy_even_with_resume(pair: Pair, seed_tenant) -> None:
    with psycopg.connect(pair.cluster.app_dsn(pair.target), autocommit=True) as conn:
        seed_tenant(conn, MOVING, itineraries=1)
    before = pair.fingerprints(pair.target, MOVING)
    for resume in (False, True):
        with pytest.raises(
            TargetNotEmpty, match=r"already holds rows of tenant 'acme-co': users \(1 rows\)"
        ):
            migrate_data(MOVING, pair.source_dsn, pair.target_dsn, resume=resume)
    assert pair.fingerprints(pair.target, MOVING) == before


def test_refuses_a_target_holding_another_tenants_rows_naming_it(pair: Pair, seed_tenant) -> None:
    """A dedicated database holds one tenant: copying a second one in would mix them
    (issue 10, section 3). The other tenant is named, and nothing is written or changed."""
    with psycopg.connect(pair.cluster.app_dsn(pair.target), autocommit=True) as conn:
        seed_tenant(conn, "hooli", itineraries=1)
    hooli = pair.fingerprints(pair.target, "hooli")
    for resume in (False, True):
        with pytest.raises(
            TargetNotEmpty,
            match=r"already holds rows of another tenant \(tenant 'hooli': tenants \(1 rows\)",
        ):
            migrate_data(MOVING, pair.source_dsn, pair.target_dsn, resume=resume)
    assert pair.fingerprints(pair.target, "hooli") == hooli
    assert pair.tenants_present(pair.target)["itineraries"] == {"hooli"}
    with pair.admin(pair.target) as conn:  # the check's ALTER TABLE was rolled back
        assert conn.execute(
            "SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relname IN "
            "('tenants', 'users', 'itineraries')"
        ).fetchone() == (True,)


def _interrupt_at(monkeypatch, table_name: str) -> None:
    """Simulate a crash in the middle of copying ``table_name``: after its rows were inserted."""
    original = datamove._copy_rows

    def copy_then_crash(src, dst, table, tenant):
        original(src, dst, table, tenant)
        if table.display == table_name:
            raise ConnectionError(f"connection lost while copying {table_name}")

    monkeypatch.setattr(datamove, "_copy_rows", copy_then_crash)


def test_interrupted_run_leaves_no_half_table_and_resume_finishes(pair: Pair, monkeypatch) -> None:
    _interrupt_at(monkeypatch, "itineraries")
    with pytest.raises(ConnectionError):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    present = pair.tenants_present(pair.target)
    assert present["users"] == {MOVING}  # committed before the crash
    assert (
        present["itineraries"] == set() and present["comments"] == set()
    )  # rolled back, not half-written
    assert pair.exports() == []  # not finished, so not purgeable
    monkeypatch.undo()

    with pytest.raises(TargetNotEmpty, match="--resume"):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    report = migrate_data(MOVING, pair.source_dsn, pair.target_dsn, resume=True)

    actions = {t.table: t.action for t in report.tables}
    assert actions["users"] == "verified-earlier"
    assert actions["itineraries"] == "copied" and actions["comments"] == "copied"
    assert pair.fingerprints(pair.target, MOVING) == pair.fingerprints(pair.source, MOVING)
    assert [e[0] for e in pair.exports()] == [MOVING]


def test_resume_of_a_finished_copy_only_re_verifies(pair: Pair) -> None:
    migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    report = migrate_data(MOVING, pair.source_dsn, pair.target_dsn, resume=True)
    assert {t.action for t in report.tables} == {"verified-earlier"}


def test_resume_detects_source_changes_since_the_copy(pair: Pair, monkeypatch) -> None:
    _interrupt_at(monkeypatch, "comments")
    with pytest.raises(ConnectionError):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    monkeypatch.undo()
    # The services cannot write while the tenant is frozen; an operator bypassing it can.
    with pair.admin(pair.source) as conn:
        conn.execute(
            "UPDATE itineraries SET title = 'changed meanwhile' "
            "WHERE slug = 'trip-0' AND tenant_id = %s",
            [MOVING],
        )
    with pytest.raises(
        VerificationFailed, match="itineraries: the source's rows of tenant 'acme-co' changed"
    ):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn, resume=True)


def test_a_table_that_fails_verification_is_rolled_back(pair: Pair, monkeypatch) -> None:
    original = datamove._copy_rows

    def lossy_copy(src, dst, table, tenant):
        original(src, dst, table, tenant)
        if table.display == "comments":
            dst.execute("DELETE FROM comments WHERE ctid IN (SELECT ctid FROM comments LIMIT 1)")

    monkeypatch.setattr(datamove, "_copy_rows", lossy_copy)
    with pytest.raises(
        VerificationFailed,
        match=r"table comments: verification failed for tenant 'acme-co' \(source 12 rows",
    ):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    assert pair.tenants_present(pair.target)["comments"] == set()
    with pair.admin(pair.target) as conn:
        recorded = [
            r[0] for r in conn.execute("SELECT table_name FROM tenancy_ops.tenant_table_copies")
        ]
    assert "comments" not in recorded


def test_dry_run_reports_and_writes_nothing(pair: Pair) -> None:
    report = migrate_data(MOVING, pair.source_dsn, pair.target_dsn, dry_run=True)
    assert {t.action for t in report.tables} == {"would-copy"}
    assert {t.table: (t.rows, t.checksum) for t in report.tables} == pair.fingerprints(
        pair.source, MOVING
    )
    assert pair.target_is_untouched()
    assert pair.exports() == []


def test_unknown_and_invalid_tenants(pair: Pair) -> None:
    with pytest.raises(
        UnknownTenant, match="tenant 'nobody-here' does not exist in the source database"
    ):
        migrate_data("nobody-here", pair.source_dsn, pair.target_dsn)
    with pytest.raises(InvalidTenant, match="'Bad_Tenant' is not a tenant id"):
        migrate_data("Bad_Tenant", pair.source_dsn, pair.target_dsn)
    assert pair.target_is_untouched()


def test_bad_dsns_give_clear_errors_without_passwords(pair: Pair, unused_port: int) -> None:
    unreachable = (
        f"host=127.0.0.1 port={unused_port} dbname=x user=migrator "
        "password=hunter2-secret connect_timeout=2"
    )
    with pytest.raises(ConnectionFailed) as caught:
        migrate_data(MOVING, pair.source_dsn, unreachable)
    assert "cannot connect to the target database migrator@127.0.0.1:" in str(caught.value)
    assert "hunter2" not in str(caught.value)

    wrong_password = pair.target_dsn.replace("m1grator", "wrong-hunter2")
    with pytest.raises(ConnectionFailed, match="password authentication failed") as caught:
        migrate_data(MOVING, wrong_password, pair.target_dsn)
    assert "hunter2" not in str(caught.value) and "source" in str(caught.value)

    with pytest.raises(InvalidDsn, match="the source DSN is not a valid") as caught:
        migrate_data(MOVING, "host=x password=hunter2 secret", pair.target_dsn)
    assert "hunter2" not in str(caught.value)
    assert pair.target_is_untouched()


def test_unmigrated_target_is_a_schema_mismatch(pair: Pair, create_database) -> None:
    empty = create_database("empty")
    with pytest.raises(
        SchemaMismatch,
        match="target database has no schema_migrations table: run `tenancy db migrate",
    ):
        migrate_data(MOVING, pair.source_dsn, pair.cluster.migrator_dsn(empty))


def test_different_schema_versions_are_a_mismatch(pair: Pair, tmp_path) -> None:
    newer = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, newer)
    (newer / "9001_newer.sql").write_text(
        "ALTER TABLE itineraries ADD COLUMN budget numeric(12, 2);\n"
    )
    migrate(pair.target_dsn, newer)
    with pytest.raises(SchemaMismatch, match="applied only on the target: 9001"):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    assert pair.target_is_untouched()


def test_different_columns_are_a_mismatch(pair: Pair) -> None:
    with psycopg.connect(pair.target_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE comments ADD COLUMN edited boolean")
    with pytest.raises(SchemaMismatch, match="table comments has different columns"):
        migrate_data(MOVING, pair.source_dsn, pair.target_dsn)
    assert pair.target_is_untouched()


def test_same_database_on_both_sides_is_refused(pair: Pair) -> None:
    with pytest.raises(SameDatabase):
        migrate_data(MOVING, pair.source_dsn, pair.cluster.migrator_url(pair.source))
