"""The world an upgrade runs in, for the tests: a shared and a dedicated PostgreSQL database, the
Firestore emulator with a shared and a dedicated database, directory-backed buckets, a routing
file, the fake Automation API adapter, and application writers that follow the routing."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import errors, sql
from temporalio.client import Client

from tenancy.db.catalog import fingerprint, tenant_owned_tables
from tenancy.upgrade.activities import UpgradeDeps
from tenancy.upgrade.model import UpgradeInput, UpgradeOutcome
from tenancy.upgrade.routing import FileRouting
from tenancy.upgrade.runtime import make_worker, start_upgrade
from tenancy.upgrade.stores import DirectoryObjectStore, FirestoreRestStore

MOVING, OTHER = "acme-co", "globex"
ENV = "dev"
_TESTS = Path(__file__).resolve().parent.parent


def _fakes():
    spec = importlib.util.spec_from_file_location(
        "tenancy_tests_automation_fakes", _TESTS / "automation" / "automation_fakes.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


FakeOperations = _fakes().FakeOperations


class Faults:
    """``before_step`` hook: fail a step a number of times (-1: every attempt), or wait for a
    condition before it (to make an interleaving certain without relying on timing)."""

    def __init__(self) -> None:
        self.failures: dict[str, int] = {}
        self.waits: dict[str, Callable[[], bool]] = {}
        self.seen: list[str] = []
        self.lost_completions: set[str] = set()

    def after(self, step: str, tenant: str) -> None:
        """Fail once after the step did its work: as if its completion were lost."""
        if step in self.lost_completions:
            self.lost_completions.discard(step)
            raise RuntimeError(f"injected loss of the completion of {step} of {tenant}")

    def __call__(self, step: str, tenant: str) -> None:
        self.seen.append(step)
        condition = self.waits.get(step)
        if condition is not None:
            deadline = time.monotonic() + 20
            while not condition() and time.monotonic() < deadline:
                time.sleep(0.01)
        left = self.failures.get(step, 0)
        if left:
            self.failures[step] = left - 1 if left > 0 else -1
            raise RuntimeError(f"injected failure in {step} of {tenant}")


class AppWriter(threading.Thread):
    """A tenant's application, inserting itineraries as the app login, one after another, where
    the routing sends it. A refused write (the freeze) is retried, as the application would."""

    def __init__(self, world: World, tenant: str) -> None:
        super().__init__(daemon=True, name=f"writer-{tenant}")
        self.world, self.tenant = world, tenant
        self.committed: dict[str, str] = {}  # slug -> database it was committed to
        self.refused = 0
        self.errors: list[str] = []
        self.stop = threading.Event()
        self._conns: dict[str, psycopg.Connection] = {}

    def _conn(self, database: str) -> psycopg.Connection:
        if database not in self._conns:
            conn = psycopg.connect(self.world.app_dsn(database), autocommit=True)
            conn.execute("SELECT set_config('app.current_tenant', %s, false)", [self.tenant])
            self._conns[database] = conn
        return self._conns[database]

    def committed_to(self, database: str) -> int:
        return sum(1 for d in list(self.committed.values()) if d == database)

    def run(self) -> None:
        n, pending = 0, None
        try:
            while pending is not None or not self.stop.is_set():
                slug = pending or f"w-{self.tenant}-{n}"
                database = self.world.routing.get(self.tenant).database
                try:
                    conn = self._conn(database)
                    user = conn.execute("SELECT id FROM users LIMIT 1").fetchone()
                    if user is None:  # the dedicated side before the copy: nothing to write to
                        raise errors.ReadOnlySqlTransaction("no copy yet")
                    conn.execute(
                        "INSERT INTO itineraries (owner_user_id, slug, title) VALUES (%s, %s, %s)",
                        [user[0], slug, f"written to {database}"],
                    )
                except errors.ReadOnlySqlTransaction:
                    self.refused += 1
                    pending = slug
                    time.sleep(0.005)
                    continue
                except errors.UniqueViolation:
                    pass  # committed by an attempt whose answer was lost
                except psycopg.Error as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    self._conns.pop(database, None)
                    pending = slug
                    time.sleep(0.01)
                    continue
                self.committed[slug] = database
                pending, n = None, n + 1
                time.sleep(0.002)
        finally:
            for conn in self._conns.values():
                conn.close()


@dataclass
class World:
    cluster: object  # tests/db conftest PgCluster
    shared_db: str
    dedicated_db: str
    firestore_url: str
    root: Path
    project: str = field(default_factory=lambda: f"p{uuid.uuid4().hex[:12]}")
    faults: Faults = field(default_factory=Faults)
    operations: object = field(default_factory=FakeOperations)

    def __post_init__(self) -> None:
        self.routing = FileRouting(self.root / "routing.json")
        self.shared_objects = DirectoryObjectStore(self.root / "buckets" / "shared")
        self.shared_documents = FirestoreRestStore(self.firestore_url, self.project, "dev-shared")

    def dedicated_objects(self, tenant: str) -> DirectoryObjectStore:
        return DirectoryObjectStore(self.root / "buckets" / f"{tenant}-uploads")

    def dedicated_documents(self, tenant: str) -> FirestoreRestStore:
        return FirestoreRestStore(self.firestore_url, self.project, f"{tenant}-firestore")

    def db(self, database: str) -> str:
        return self.shared_db if database == "shared" else self.dedicated_db

    def app_dsn(self, database: str) -> str:
        return self.cluster.app_dsn(self.db(database))

    def migrator_dsn(self, database: str) -> str:
        return self.cluster.migrator_dsn(self.db(database))

    def deps(self) -> UpgradeDeps:
        return UpgradeDeps(
            operations=self.operations,
            shared_dsn=self.migrator_dsn("shared"),
            dedicated_dsn=lambda tenant: self.migrator_dsn("dedicated"),
            shared_documents=self.shared_documents,
            dedicated_documents=self.dedicated_documents,
            shared_objects=self.shared_objects,
            dedicated_objects=self.dedicated_objects,
            routing=self.routing,
            before_step=self.faults,
            after_step=self.faults.after,
        )

    # --- sample content --------------------------------------------------------------------------
    def seed(self, seed_tenant) -> None:
        with psycopg.connect(self.app_dsn("shared"), autocommit=True) as conn:
            seed_tenant(conn, OTHER, itineraries=2)
            seed_tenant(conn, MOVING, itineraries=3, comments_each=2)
        for tenant in (MOVING, OTHER):
            self.shared_documents.write(
                f"tenants/{tenant}", {"name": {"stringValue": tenant.title()}}
            )
            for i in range(3):
                self.shared_documents.write(
                    f"tenants/{tenant}/boards/b{i}",
                    {"title": {"stringValue": f"board {i}"}, "n": {"integerValue": str(i)}},
                )
            self.shared_documents.write(
                f"tenants/{tenant}/boards/b0/cards/c0", {"done": {"booleanValue": True}}
            )
            for name in ("avatar.png", "docs/contract.pdf", "docs/2026/report.csv"):
                self.shared_objects.write(f"{tenant}/{name}", f"{tenant}:{name}".encode() * 50)

    # --- reading the databases (as superuser: sees every tenant) ---------------------------------
    def rows(self, database: str, query: str, params=()) -> list[tuple]:
        with self.cluster.admin(self.db(database)) as conn:
            return conn.execute(query, params).fetchall()

    def fingerprints(self, database: str, tenant: str) -> dict[str, tuple[int, str]]:
        with self.cluster.admin(self.db(database)) as conn:
            return {
                t.display: (fp.rows, fp.checksum)
                for t in tenant_owned_tables(conn)
                for fp in [fingerprint(conn, t, tenant)]
            }

    def tenants_present(self, database: str) -> set[str]:
        with self.cluster.admin(self.db(database)) as conn:
            present = {r[0] for r in conn.execute("SELECT id FROM tenants")}
            for t in tenant_owned_tables(conn):
                query = sql.SQL("SELECT DISTINCT tenant_id FROM {}").format(t.identifier)
                present |= {r[0] for r in conn.execute(query)}
        return present

    def slugs(self, database: str, tenant: str) -> set[str]:
        return {
            r[0]
            for r in self.rows(
                database, "SELECT slug FROM itineraries WHERE tenant_id = %s", [tenant]
            )
        }

    def write_state(self, database: str, tenant: str) -> tuple[str, str]:
        rows = self.rows(database, "SELECT write_state, tier FROM tenants WHERE id = %s", [tenant])
        return rows[0] if rows else ("absent", "")


def fast_input(**overrides) -> UpgradeInput:
    """Short timeouts and backoff: the suite runs on two cores."""
    values = dict(
        tenant=MOVING,
        env=ENV,
        retry_initial_seconds=0.05,
        retry_maximum_seconds=0.2,
        retry_maximum_attempts=2,
        step_timeout_seconds=30,
    )
    values.update(overrides)
    return UpgradeInput(**values)


async def run_upgrade(
    endpoint: str, world: World, task_queue: str, inp: UpgradeInput | None = None
) -> tuple[UpgradeOutcome | None, BaseException | None]:
    client = await Client.connect(endpoint)
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with make_worker(client, task_queue, world.deps(), executor):
            handle = await start_upgrade(client, task_queue, inp or fast_input())
            try:
                return await handle.result(), None
            except Exception as exc:  # WorkflowFailureError
                return None, exc


def upgrade(endpoint: str, world: World, task_queue: str, inp: UpgradeInput | None = None):
    return asyncio.run(run_upgrade(endpoint, world, task_queue, inp))
