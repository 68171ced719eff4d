"""Migrations are applied in order, once, recorded with checksums; edits of applied files fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from tenancy.db import migrate, status
from tenancy.db.errors import MigrationFilesError
from tenancy.db.migrations import (
    DEFAULT_MIGRATIONS_DIR,
    MIGRATIONS_DIR_ENV,
    load_migrations,
    resolve_migrations_dir,
)


def _copy_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, target)
    return target


def test_repo_migrations_are_numbered_in_order() -> None:
    files = load_migrations(DEFAULT_MIGRATIONS_DIR)
    versions = [f.version for f in files]
    assert versions == sorted(versions)
    assert versions[0] == "0001"
    assert [f.file_name for f in files][:2] == ["0001_control_plane.sql", "0002_tenant_domain.sql"]


def test_first_run_applies_everything_and_second_run_is_a_no_op(
    pg_cluster, create_database
) -> None:
    db = create_database("idempotent")
    dsn = pg_cluster.migrator_dsn(db)
    first = migrate(dsn)
    files = load_migrations()
    expected = [f.file_name for f in files]
    assert first.applied == expected

    with pg_cluster.admin(db) as conn:
        before = conn.execute(
            "SELECT version, checksum, applied_at FROM schema_migrations ORDER BY 1"
        ).fetchall()
    second = migrate(dsn)
    assert second.applied == []
    assert second.already_applied == expected
    with pg_cluster.admin(db) as conn:
        after = conn.execute(
            "SELECT version, checksum, applied_at FROM schema_migrations ORDER BY 1"
        ).fetchall()
    assert after == before
    assert [row[0] for row in after] == [f.version for f in files]
    assert all(state.state == "applied" for state in status(dsn))


def test_a_changed_checksum_of_an_applied_file_is_an_error(
    pg_cluster, create_database, tmp_path
) -> None:
    directory = _copy_migrations(tmp_path)
    db = create_database("checksum")
    dsn = pg_cluster.migrator_dsn(db)
    migrate(dsn, directory)
    edited = directory / "0002_tenant_domain.sql"
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")

    with pytest.raises(
        MigrationFilesError, match=r"0002_tenant_domain\.sql was changed after it was applied"
    ):
        migrate(dsn, directory)
    assert [s.state for s in status(dsn, directory) if s.version == "0002"] == ["changed"]


def test_new_migration_is_applied_and_migrations_dir_comes_from_env(
    pg_cluster, create_database, tmp_path, monkeypatch
) -> None:
    directory = _copy_migrations(tmp_path)
    db = create_database("newfile")
    dsn = pg_cluster.migrator_dsn(db)
    monkeypatch.setenv(MIGRATIONS_DIR_ENV, str(directory))
    assert resolve_migrations_dir() == directory
    migrate(dsn)
    (directory / "9000_add_column.sql").write_text(
        "ALTER TABLE itineraries ADD COLUMN notes text;\n"
    )
    # a ConfigMap mount has hidden entries like this one; they are ignored
    (directory / "..data").mkdir()
    result = migrate(dsn)
    assert result.applied == ["9000_add_column.sql"]
    assert status(dsn)[-1].state == "applied"


def test_failed_migration_rolls_back_and_is_not_recorded(
    pg_cluster, create_database, tmp_path
) -> None:
    directory = _copy_migrations(tmp_path)
    (directory / "9000_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n"
    )
    db = create_database("broken")
    dsn = pg_cluster.migrator_dsn(db)
    with pytest.raises(MigrationFilesError, match=r"9000_broken\.sql failed and was rolled back"):
        migrate(dsn, directory)
    with pg_cluster.admin(db) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert "9000" not in versions and "0001" in versions


def test_applied_migration_missing_from_the_directory_is_an_error(
    pg_cluster, create_database, tmp_path
) -> None:
    directory = _copy_migrations(tmp_path)
    db = create_database("older_code")
    dsn = pg_cluster.migrator_dsn(db)
    migrate(dsn)
    (directory / "0003_data_migration_bookkeeping.sql").unlink()
    with pytest.raises(
        MigrationFilesError, match="0003_data_migration_bookkeeping applied, but it is not in"
    ):
        migrate(dsn, directory)


@pytest.mark.parametrize("bad_name", ["1_short.sql", "0004-dash.sql", "0004_Upper.sql"])
def test_misnamed_files_are_rejected(tmp_path, bad_name) -> None:
    directory = _copy_migrations(tmp_path)
    (directory / bad_name).write_text("SELECT 1;")
    with pytest.raises(MigrationFilesError, match=r"is not named NNNN_lowercase_name\.sql"):
        load_migrations(directory)


def test_migrations_do_not_create_a_role_that_can_log_in_or_bypass(
    pg_cluster, create_migrated_database
) -> None:
    db = create_migrated_database("roles")
    with pg_cluster.admin(db) as conn:
        row = conn.execute(
            "SELECT rolcanlogin, rolbypassrls, rolsuper, rolcreaterole, rolcreatedb "
            "FROM pg_roles WHERE rolname = 'tenancy_app'"
        ).fetchone()
    assert row == (False, False, False, False, False)


def test_migrations_fail_cleanly_for_an_unprivileged_user(pg_cluster, create_database) -> None:
    # app_user may not create tables in a database it does not own (PostgreSQL 15 defaults)
    db = create_database("unprivileged")
    with pytest.raises(
        MigrationFilesError, match="cannot create the schema_migrations table in app_user@"
    ):
        migrate(pg_cluster.app_dsn(db))
    with pg_cluster.admin(db) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'tenants'"
        ).fetchone() == (0,)
    with pytest.raises(psycopg.errors.UndefinedTable), pg_cluster.admin(db) as conn:
        conn.execute("SELECT * FROM itineraries")


def test_the_service_login_gets_the_app_role_and_rls_applies(pg_cluster, create_database) -> None:
    from tenancy.db.migrations import grant_app_role

    db = create_database("grant")
    migrate(pg_cluster.migrator_dsn(db))
    assert grant_app_role(pg_cluster.migrator_dsn(db), ["app_user"], ["*"]) == ["app_user"]
    assert grant_app_role(pg_cluster.migrator_dsn(db), ["app_user"], ["*"]) == [
        "app_user"
    ]  # idempotent
    with psycopg.connect(pg_cluster.app_dsn(db), autocommit=True) as conn:
        # the login works through tenancy_app, and without a tenant it sees nothing
        assert conn.execute("SELECT count(*) FROM itineraries").fetchone() == (0,)
        assert conn.execute(
            "SELECT pg_has_role('app_user', 'tenancy_app', 'MEMBER')"
        ).fetchone() == (True,)


def test_the_owner_is_refused_as_the_service_login(pg_cluster, create_database) -> None:
    from tenancy.db.migrations import grant_app_role

    db = create_database("grant-owner")
    migrate(pg_cluster.migrator_dsn(db))
    with pytest.raises(
        MigrationFilesError, match=r"'migrator' as the service login.*owns the tables"
    ):
        grant_app_role(pg_cluster.migrator_dsn(db), ["migrator"], ["*"])
    with pytest.raises(MigrationFilesError, match="no role 'nobody_here'"):
        grant_app_role(pg_cluster.migrator_dsn(db), ["nobody_here"], ["*"])
