"""The Free -> Standard upgrade as a Temporal workflow, end to end on a real Temporal dev server, a
real PostgreSQL 15 and the Firestore emulator, while the tenant's application keeps writing.

The application writer inserts rows as the app login wherever the routing sends it; during the
freeze the database refuses its writes and it retries them. Afterwards every row it committed is
in the dedicated database, none of another tenant's is, and the purge deletes exactly the export.
A failure injected at each step compensates back to a working free tenant, and a re-run completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time

import pytest
import typer
from temporalio.client import Client
from typer.testing import CliRunner
from upgrade_harness import (
    ENV,
    MOVING,
    OTHER,
    AppWriter,
    World,
    upgrade,
)

from tenancy.automation.adapter import OperationResult, ResourceChange
from tenancy.db.purge import purge_tenant
from tenancy.upgrade import model
from tenancy.upgrade.cli import register
from tenancy.upgrade.routing import free_route, standard_route
from tenancy.upgrade.runtime import upgrade_status
from tenancy.upgrade.stores import document_digest

_queues = itertools.count(1)


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def world(pg_cluster, create_migrated_database, seed_tenant, firestore_url, tmp_path) -> World:
    w = World(
        pg_cluster,
        create_migrated_database("upg_shared"),
        create_migrated_database("upg_dedicated"),
        firestore_url,
        tmp_path,
    )
    w.seed(seed_tenant)
    return w


@pytest.fixture
def task_queue(request) -> str:
    return f"upgrade-{next(_queues)}-{request.node.name[:40]}"


def _wait_for(condition, what: str) -> None:
    """Wait for another thread to get somewhere (a bound, not a timing assertion)."""
    for _ in range(4000):
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"gave up waiting for {what}")


def _start_writers(world: World) -> tuple[AppWriter, AppWriter]:
    moving, other = AppWriter(world, MOVING), AppWriter(world, OTHER)
    moving.start()
    other.start()
    # Rows committed to the shared database before the freeze must move too.
    _wait_for(lambda: moving.committed_to("shared") >= 3, "writes before the upgrade")
    return moving, other


def _stop(*writers: AppWriter) -> None:
    for writer in writers:
        writer.stop.set()
    for writer in writers:
        writer.join(30)
        assert not writer.is_alive(), f"{writer.name} did not finish its last write"


def _assert_moved_completely(world: World, writer: AppWriter) -> None:
    """Every row the application committed, wherever it went, is in the dedicated database; the
    seed rows and documents and objects too; nothing of another tenant is."""
    dedicated = world.slugs("dedicated", MOVING)
    assert set(writer.committed) <= dedicated, (
        f"rows lost: {sorted(set(writer.committed) - dedicated)[:5]}"
    )
    assert world.slugs("shared", MOVING) <= dedicated
    shared, moved = world.fingerprints("shared", MOVING), world.fingerprints("dedicated", MOVING)
    for table in ("users", "user_tenants", "comments"):  # the writer adds itineraries only
        assert moved[table] == shared[table], table
    assert world.tenants_present("dedicated") == {MOVING}

    root = f"tenants/{MOVING}"
    source = world.shared_documents.list_tree(root)
    copied = world.dedicated_documents(MOVING).list_tree(root)
    assert len(source) == 5
    assert {p: document_digest(f) for p, f in copied.items()} == {
        p: document_digest(f) for p, f in source.items()
    }
    assert world.dedicated_documents(MOVING).list_tree(f"tenants/{OTHER}") == {}
    objects = world.dedicated_objects(MOVING)
    assert objects.list(f"{MOVING}/") == world.shared_objects.list(f"{MOVING}/")
    assert len(objects.list("")) == 3 and objects.list(f"{OTHER}/") == {}


def _assert_working_free_tenant(world: World) -> None:
    assert world.routing.get(MOVING) == free_route()
    assert world.write_state("shared", MOVING) == ("open", "free")
    assert world.tenants_present("dedicated") <= {MOVING}
    assert all(n == 0 for n, _ in world.fingerprints("dedicated", MOVING).values())
    assert world.dedicated_documents(MOVING).list_tree(f"tenants/{MOVING}") == {}
    assert world.dedicated_objects(MOVING).list("") == {}


def test_upgrade_end_to_end_with_the_application_writing_throughout(
    world: World, temporal_endpoint: str, task_queue: str, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="tenancy.upgrade")
    moving, other = _start_writers(world)
    # Make the interleaving certain: the copy starts only once a write was refused by the freeze,
    # and the free-tier removal only once the application wrote to its dedicated database.
    world.faults.waits[model.COPY_POSTGRES] = lambda: moving.refused > 0
    world.faults.waits[model.REMOVE_FREE_TIER] = lambda: moving.committed_to("dedicated") >= 3
    try:
        outcome, error = upgrade(temporal_endpoint, world, task_queue)
    finally:
        _stop(moving, other)
    assert error is None, error
    assert outcome is not None and outcome.result == "upgraded"
    assert [s.state for s in outcome.steps] == ["done"] * len(model.STEPS)

    assert moving.refused > 0 and moving.committed_to("dedicated") >= 3
    assert moving.errors == [] and other.errors == [] and other.refused == 0
    _assert_moved_completely(world, moving)
    assert set(other.committed) <= world.slugs("shared", OTHER)

    assert world.routing.get(MOVING) == standard_route(MOVING)
    assert [h["to"]["namespace"] for h in world.routing.history()] == [f"tenant-{MOVING}"]
    assert world.write_state("shared", MOVING) == ("moved", "free")
    assert world.write_state("dedicated", MOVING) == ("open", "standard")
    assert world.operations.calls == [("up", f"{ENV}.{MOVING}"), ("preview", ENV), ("up", ENV)]

    # Every step is logged with the tenant id.
    logged = [r.getMessage() for r in caplog.records if r.name == "tenancy.upgrade"]
    for step in model.STEPS:
        assert any(f"tenant={MOVING} step={step} done" in m for m in logged), step

    # --status reads the run's memo, also after it ended and without a worker.
    async def status():
        client = await Client.connect(temporal_endpoint)
        return await upgrade_status(client, ENV, MOVING)

    shown = asyncio.run(status())
    assert shown is not None and shown.run_status == "COMPLETED" and shown.phase == "upgraded"
    assert [(s["step"], s["state"]) for s in shown.steps] == [(s, "done") for s in model.STEPS]

    cli = CliRunner().invoke(
        _app(), ["upgrade", MOVING, "--status", "--temporal-address", temporal_endpoint]
    )
    assert cli.exit_code == 0, cli.output
    assert f"upgrade-{ENV}-{MOVING}: completed, upgraded" in cli.output
    assert all(step in cli.output for step in model.STEPS) and "failed" not in cli.output

    # The shared copy: refused while anything differs from the export, then exactly the export.
    other_before = world.fingerprints("shared", OTHER)
    exported = {t: n for t, (n, _) in world.fingerprints("shared", MOVING).items()}
    report = purge_tenant(MOVING, world.migrator_dsn("shared"), retention_days=0)
    assert report.deleted == exported
    assert all(n == 0 for n, _ in world.fingerprints("shared", MOVING).values())
    assert world.fingerprints("shared", OTHER) == other_before
    # The dedicated database is untouched by the purge.
    assert set(moving.committed) <= world.slugs("dedicated", MOVING)


def test_purge_after_an_upgrade_refuses_a_changed_shared_copy(
    world: World, temporal_endpoint: str, task_queue: str
) -> None:
    outcome, error = upgrade(temporal_endpoint, world, task_queue)
    assert error is None and outcome is not None
    with world.cluster.admin(world.shared_db) as admin:  # someone bypassing the freeze
        admin.execute(
            "DELETE FROM comments WHERE ctid IN (SELECT ctid FROM comments "
            "WHERE tenant_id = %s LIMIT 1)",
            [MOVING],
        )
    before = world.fingerprints("shared", MOVING)
    with pytest.raises(
        Exception, match=r"differ from the verified export .* comments \(6 rows exported, 5 now\)"
    ):
        purge_tenant(MOVING, world.migrator_dsn("shared"), retention_days=0)
    assert world.fingerprints("shared", MOVING) == before


@pytest.mark.parametrize("step", model.BEFORE_PIVOT)
def test_a_failure_at_each_step_leaves_a_working_free_tenant_and_a_rerun_completes(
    world: World, temporal_endpoint: str, task_queue: str, step: str
) -> None:
    moving = AppWriter(world, MOVING)
    moving.start()
    try:
        _wait_for(lambda: moving.committed_to("shared") >= 2, "writes before the upgrade")
        world.faults.failures[step] = -1  # every attempt fails: retries cannot help
        outcome, error = upgrade(temporal_endpoint, world, task_queue)
        assert outcome is None and error is not None
        assert world.faults.seen.count(step) == 2  # retried with backoff before giving up
        _assert_working_free_tenant(world)
        # ... and working: the application writes to the shared database again.
        committed = moving.committed_to("shared")
        _wait_for(lambda: moving.committed_to("shared") > committed + 2, "writes after rollback")

        world.faults.failures.clear()
        outcome, error = upgrade(temporal_endpoint, world, task_queue)
        assert error is None, error
        assert outcome is not None and outcome.result == "upgraded"
        _wait_for(lambda: moving.committed_to("dedicated") >= 2, "writes after the upgrade")
    finally:
        _stop(moving)
    assert moving.errors == []
    _assert_moved_completely(world, moving)


@pytest.mark.parametrize("step", model.STEPS)
def test_every_step_is_idempotent_a_lost_completion_is_retried_without_harm(
    world: World, temporal_endpoint: str, task_queue: str, step: str
) -> None:
    """The step did its work, then failed before reporting back: Temporal runs it again, and the
    second run finds its work done and reports the same."""
    world.faults.lost_completions.add(step)
    outcome, error = upgrade(temporal_endpoint, world, task_queue)
    assert error is None, error
    assert outcome is not None and outcome.result == "upgraded"
    assert world.faults.seen.count(step) == 2 and not world.faults.lost_completions
    writer = AppWriter(world, MOVING)  # no writes: the shared and dedicated rows are the same
    _assert_moved_completely(world, writer)
    assert world.fingerprints("dedicated", MOVING) == world.fingerprints("shared", MOVING)
    assert len(world.routing.history()) == 1
    with world.cluster.admin(world.shared_db) as conn:
        exports = conn.execute("SELECT count(*) FROM tenancy_ops.tenant_exports").fetchone()
    assert exports == (1,)


def test_a_transient_failure_is_retried_with_backoff(
    world: World, temporal_endpoint: str, task_queue: str, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="tenancy.upgrade")
    world.faults.failures[model.COPY_POSTGRES] = 1
    outcome, error = upgrade(temporal_endpoint, world, task_queue)
    assert error is None and outcome is not None and outcome.result == "upgraded"
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"tenant={MOVING} step=copy_postgres attempt=2 started" in m for m in logged)


def test_after_the_pivot_a_failure_keeps_the_tenant_live_and_a_rerun_finishes(
    world: World, temporal_endpoint: str, task_queue: str
) -> None:
    world.faults.failures[model.REMOVE_FREE_TIER] = -1
    outcome, error = upgrade(temporal_endpoint, world, task_queue)
    assert outcome is None and "live on its dedicated side" in str(error.__cause__ or error)
    assert world.routing.get(MOVING) == standard_route(MOVING)
    assert world.write_state("dedicated", MOVING) == ("open", "standard")

    world.faults.failures.clear()
    world.faults.seen.clear()
    outcome, error = upgrade(temporal_endpoint, world, task_queue)
    assert error is None and outcome is not None
    states = {s.step: s.state for s in outcome.steps}
    assert states[model.REMOVE_FREE_TIER] == "done"
    assert {states[s] for s in model.BEFORE_PIVOT} == {"skipped"}
    assert world.faults.seen == [model.REMOVE_FREE_TIER]


def test_the_identity_is_never_removed(
    world: World, temporal_endpoint: str, task_queue: str
) -> None:
    identity = ResourceChange(
        "delete",
        f"urn:pulumi:{ENV}::tenancy::gcp:identityplatform/tenant:Tenant::{MOVING}-identity-idp",
        "gcp:identityplatform/tenant:Tenant",
    )
    world.operations.script[("preview", ENV)] = [
        OperationResult(changes={"delete": 2}, resource_changes=[identity])
    ] * 4
    outcome, error = upgrade(temporal_endpoint, world, task_queue)
    assert outcome is None
    assert "an identity (and its users) is never removed" in str(error.__cause__ or error)
    assert ("up", ENV) not in world.operations.calls


def test_cli_refuses_what_has_no_path(tmp_path) -> None:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "afijo.yaml").write_text(
        "id: afijo\ndisplay_name: Afijo\ntier: free\nregion: us-central1\n"
        "contact_email: ops@afijo.example\n"
    )
    runner = CliRunner()
    to_enterprise = runner.invoke(_app(), ["upgrade", "afijo", "--to", "enterprise"])
    assert (
        to_enterprise.exit_code == 1 and "no upgrade path to 'enterprise'" in to_enterprise.output
    )
    still_free = runner.invoke(_app(), ["upgrade", "afijo", "--tenants", str(tenants)])
    assert still_free.exit_code == 1 and "has tier free in the registry" in still_free.output
    unknown = runner.invoke(_app(), ["upgrade", "nobody", "--tenants", str(tenants)])
    assert unknown.exit_code == 2 and "not in the registry" in unknown.output


def test_cli_status_of_an_upgrade_never_started(temporal_endpoint: str) -> None:
    result = CliRunner().invoke(
        _app(), ["upgrade", "never-started", "--status", "--temporal-address", temporal_endpoint]
    )
    assert result.exit_code == 1 and "no upgrade of tenant 'never-started'" in result.output


def test_worker_needs_its_environment(monkeypatch) -> None:
    for name in ("TENANCY_SHARED_DSN", "TENANCY_DEDICATED_DSN", "TENANCY_OBJECTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(_app(), ["worker"])
    assert result.exit_code == 2
    assert "TENANCY_SHARED_DSN, TENANCY_DEDICATED_DSN" in result.output


def test_the_commands_start_an_upgrade_that_the_worker_runs(
    world: World, temporal_endpoint: str, task_queue: str, tmp_path
) -> None:
    """`tenancy upgrade ID --to standard` against a running worker (the `tenancy worker` loop,
    with the test's connections instead of the environment's)."""
    import threading

    from tenancy.upgrade import cli as upgrade_cli
    from tenancy.upgrade.runtime import TemporalTarget

    tenants = tmp_path / "registry"
    tenants.mkdir()
    (tenants / f"{MOVING}.yaml").write_text(
        f"id: {MOVING}\ndisplay_name: Acme\ntier: standard\nregion: us-central1\n"
        f"contact_email: ops@acme.example\nplacement: pool-a\n"
    )
    target = TemporalTarget(temporal_endpoint, "default", task_queue)
    stop = threading.Event()

    def worker() -> None:
        async def main() -> None:
            task = asyncio.create_task(upgrade_cli._work(target, world.deps()))
            while not stop.is_set():
                await asyncio.sleep(0.05)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        asyncio.run(main())

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        args = ["--tenants", str(tenants), "--temporal-address", temporal_endpoint]
        result = CliRunner().invoke(
            _app(), ["upgrade", MOVING, "--to", "standard", "--task-queue", task_queue, *args]
        )
    finally:
        stop.set()
        thread.join(30)
    assert result.exit_code == 0, result.output
    assert f"tenant {MOVING} is upgraded to standard" in result.output
    assert world.write_state("dedicated", MOVING) == ("open", "standard")
