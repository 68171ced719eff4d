"""The CLI: `tenancy db migrate|status`, `tenancy migrate-data`, `tenancy purge-tenant-data`,
driven through typer's CliRunner. Exit codes are non-zero on errors; passwords never appear."""

from __future__ import annotations

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from tenancy.db.cli import db_app, migrate_data_command, purge_tenant_data_command
from tenancy.db.migrations import DEFAULT_MIGRATIONS_DIR, load_migrations

runner = CliRunner()
SECRETS = ("m1grator-S3cret", "m1grator-S3cret%21", "hunter2")


def _top_level_app() -> typer.Typer:
    """The commands as tenancy/cli.py registers them on the top-level app."""
    app = typer.Typer()
    app.command("migrate-data")(migrate_data_command)
    app.command("purge-tenant-data")(purge_tenant_data_command)
    app.add_typer(db_app, name="db")
    return app


def _no_secrets(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output


def test_db_migrate_applies_then_is_a_no_op(pg_cluster, create_database) -> None:
    db = create_database("cli")
    dsn = pg_cluster.migrator_dsn(db)
    first = runner.invoke(db_app, ["migrate", "--dsn", dsn])
    assert first.exit_code == 0, first.output
    for migration in load_migrations():
        assert (
            f"applied {migration.file_name} to migrator@127.0.0.1:{pg_cluster.port}/{db}"
            in first.output
        )
    second = runner.invoke(db_app, ["migrate", "--dsn", dsn])
    assert second.exit_code == 0, second.output
    assert "is up to date" in second.output and "applied 0001" not in second.output
    _no_secrets(first.output + second.output)

    status = runner.invoke(db_app, ["status", "--dsn", dsn])
    assert status.exit_code == 0, status.output
    assert "0002" in status.output and "applied" in status.output and "pending" not in status.output


def test_db_migrate_accepts_several_dsns_and_a_migrations_dir(pg_cluster, create_database) -> None:
    one, two = create_database("cli_one"), create_database("cli_two")
    result = runner.invoke(
        db_app,
        [
            "migrate",
            "--dsn",
            pg_cluster.migrator_dsn(one),
            "--dsn",
            pg_cluster.migrator_url(two),
            "--migrations-dir",
            str(DEFAULT_MIGRATIONS_DIR),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"/{one}" in result.output and f"/{two}" in result.output
    _no_secrets(result.output)


def test_db_migrate_reads_the_password_from_a_file(pg_cluster, create_database, tmp_path) -> None:
    """What the migration Job does: the DSN has no password, the mounted Secret file has it."""
    from psycopg import conninfo

    db = create_database("cli_password_file")
    password = conninfo.conninfo_to_dict(pg_cluster.migrator_dsn(db))["password"]
    dsn = f"host=127.0.0.1 port={pg_cluster.port} dbname={db} user=migrator"
    without = runner.invoke(db_app, ["migrate", "--dsn", dsn])
    assert without.exit_code == 1  # the server wants a password (scram-sha-256)
    secret = tmp_path / "password"
    secret.write_text(f"{password}\n")  # a Secret written with a final newline
    secret.chmod(0o440)
    result = runner.invoke(db_app, ["migrate", "--dsn", dsn, "--password-file", str(secret)])
    assert result.exit_code == 0, result.output
    assert f"to migrator@127.0.0.1:{pg_cluster.port}/{db}" in result.output
    _no_secrets(result.output)
    assert password not in result.output


def test_db_migrate_password_file_problems_exit_2_without_the_contents(tmp_path) -> None:
    dsn = "host=127.0.0.1 port=1 dbname=x user=migrator"
    missing = runner.invoke(
        db_app, ["migrate", "--dsn", dsn, "--password-file", str(tmp_path / "nope")]
    )
    assert missing.exit_code == 2
    assert f"--password-file {tmp_path / 'nope'}: cannot read it" in missing.output
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = runner.invoke(db_app, ["migrate", "--dsn", dsn, "--password-file", str(empty)])
    assert result.exit_code == 2 and "empty" in result.output


def test_db_migrate_bad_dsn_exits_non_zero_with_masked_password(pg_cluster) -> None:
    dsn = pg_cluster.migrator_url("does_not_exist")
    result = runner.invoke(db_app, ["migrate", "--dsn", dsn])
    assert result.exit_code == 1
    assert "cannot connect to the target database migrator@127.0.0.1" in result.output
    assert 'database "does_not_exist" does not exist' in result.output
    _no_secrets(result.output)


def test_db_status_on_a_missing_migrations_dir_fails(pg_cluster, create_database, tmp_path) -> None:
    result = runner.invoke(
        db_app,
        [
            "status",
            "--dsn",
            pg_cluster.migrator_dsn(create_database("cli_status")),
            "--migrations-dir",
            str(tmp_path / "nowhere"),
        ],
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output


@pytest.fixture
def source_and_target(pg_cluster, create_migrated_database, seed_tenant) -> tuple[str, str]:
    source = create_migrated_database("cli_source")
    with psycopg.connect(pg_cluster.app_dsn(source), autocommit=True) as conn:
        seed_tenant(conn, "acme-co", itineraries=2)
        seed_tenant(conn, "globex", itineraries=1)
    return pg_cluster.migrator_url(source), pg_cluster.migrator_url(
        create_migrated_database("cli_target")
    )


def test_migrate_data_dry_run_then_real_run_then_refusal(source_and_target) -> None:
    source, target = source_and_target
    app = _top_level_app()

    dry = runner.invoke(
        app, ["migrate-data", "acme-co", "--from", source, "--to", target, "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "itineraries: would copy 2 rows" in dry.output and "nothing was written" in dry.output

    unfrozen = runner.invoke(app, ["migrate-data", "acme-co", "--from", source, "--to", target])
    assert unfrozen.exit_code == 1 and "'acme-co' is not frozen" in unfrozen.output

    frozen = runner.invoke(app, ["db", "freeze", "acme-co", "--dsn", source])
    assert frozen.exit_code == 0 and "tenant acme-co is frozen" in frozen.output, frozen.output
    real = runner.invoke(app, ["migrate-data", "acme-co", "--from", source, "--to", target])
    assert real.exit_code == 0, real.output
    assert "comments: copied and verified 4 rows" in real.output
    assert "tenant acme-co: 8 rows copied and verified" in real.output

    again = runner.invoke(app, ["migrate-data", "acme-co", "--from", source, "--to", target])
    assert again.exit_code == 1
    assert "already holds a copy of tenant 'acme-co'" in again.output

    resumed = runner.invoke(
        app, ["migrate-data", "acme-co", "--from", source, "--to", target, "--resume"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert "verified (copied earlier)" in resumed.output
    _no_secrets(dry.output + frozen.output + real.output + again.output + resumed.output)


def test_migrate_data_errors_name_the_reason(source_and_target, pg_cluster) -> None:
    source, target = source_and_target
    app = _top_level_app()
    unknown = runner.invoke(app, ["migrate-data", "nobody-here", "--from", source, "--to", target])
    assert (
        unknown.exit_code == 1
        and "tenant 'nobody-here' does not exist in the source database" in unknown.output
    )
    bad = runner.invoke(
        app, ["migrate-data", "acme-co", "--from", source, "--to", "host=x password=hunter2 oops"]
    )
    assert (
        bad.exit_code == 1
        and "the target DSN is not a valid PostgreSQL connection string" in bad.output
    )
    _no_secrets(unknown.output + bad.output)


def test_purge_needs_confirmation_and_respects_retention(source_and_target) -> None:
    source, target = source_and_target
    app = _top_level_app()
    moved = runner.invoke(
        app, ["migrate-data", "acme-co", "--from", source, "--to", target, "--freeze"]
    )
    assert moved.exit_code == 0, moved.output

    declined = runner.invoke(
        app, ["purge-tenant-data", "acme-co", "--dsn", source], input="globex\n"
    )
    assert declined.exit_code == 1 and "confirmation did not match" in declined.output

    too_early = runner.invoke(
        app, ["purge-tenant-data", "acme-co", "--dsn", source], input="acme-co\n"
    )
    assert too_early.exit_code == 1 and "30-day retention period is not over" in too_early.output

    dry = runner.invoke(
        app, ["purge-tenant-data", "acme-co", "--dsn", source, "--retention-days", "0", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "tenant acme-co: 8 rows would be deleted" in dry.output

    done = runner.invoke(
        app, ["purge-tenant-data", "acme-co", "--dsn", source, "--retention-days", "0", "--yes"]
    )
    assert done.exit_code == 0, done.output
    assert "tenant acme-co: 8 rows deleted" in done.output
    _no_secrets(declined.output + too_early.output + dry.output + done.output)
