"""A throwaway PostgreSQL cluster for the database tests, started and removed by the tests
(initdb into a temporary directory, the server on a free port with its socket inside it).

Roles, like on Cloud SQL:
* ``postgres``   superuser, trusted over the cluster's private unix socket: test set-up only;
* ``migrator``   LOGIN + CREATEROLE with a password, owns the test databases and runs the
                 migrations, so it owns the tables and FORCE ROW LEVEL SECURITY binds it;
* ``app_user``   LOGIN with a password, member of the ``tenancy_app`` group the migrations create.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from support import free_port

from tenancy.db import migrate
from tenancy.db.migrations import ALL_TENANTS, grant_app_role

MIGRATOR_PASSWORD = "m1grator-S3cret!"
APP_PASSWORD = "app-S3cret!"
UNPRIVILEGED_USER = "nobody"
UNPRIVILEGED_GROUP = "nogroup"
STARTUP_TIMEOUT_SECONDS = 30


def find_postgres_bindir() -> Path | None:
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    # Debian keeps the server binaries out of PATH; prefer the newest major version.
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "postgres")):
            return bindir
    return None


@dataclass(frozen=True)
class PgCluster:
    root: Path
    port: int
    socket_dir: Path

    def admin_dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} dbname={dbname} user=postgres"

    def migrator_dsn(self, dbname: str) -> str:
        return (
            f"host=127.0.0.1 port={self.port} dbname={dbname} user=migrator "
            f"password={MIGRATOR_PASSWORD}"
        )

    def migrator_url(self, dbname: str) -> str:
        password = MIGRATOR_PASSWORD.replace("!", "%21")
        return f"postgresql://migrator:{password}@127.0.0.1:{self.port}/{dbname}"

    def app_dsn(self, dbname: str) -> str:
        return (
            f"host=127.0.0.1 port={self.port} dbname={dbname} user=app_user password={APP_PASSWORD}"
        )

    @property
    def log(self) -> Path:
        """The server's log (its stdout and stderr)."""
        return self.root / "server.log"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.admin_dsn(dbname), autocommit=True)


def _as_unprivileged(cmd: list[str], die_with_parent: str | None = None) -> list[str]:
    """postgres refuses to run as root: drop to nobody when the tests run as root.

    ``die_with_parent`` names a signal the kernel sends to the server if this pytest process dies
    without running its teardown (killed by a timeout, say), so no server outlives the tests."""
    root = os.geteuid() == 0
    if shutil.which("setpriv"):
        drop = (
            ["--reuid", UNPRIVILEGED_USER, "--regid", UNPRIVILEGED_GROUP, "--clear-groups"]
            if root
            else []
        )
        death = ["--pdeathsig", die_with_parent] if die_with_parent else []
        return ["setpriv", *drop, *death, *cmd] if drop or death else cmd
    if root:
        return ["runuser", "-u", UNPRIVILEGED_USER, "-g", UNPRIVILEGED_GROUP, "--", *cmd]
    return cmd


def _wait_until_accepting(cluster: PgCluster, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        try:
            with cluster.admin():
                return
        except psycopg.OperationalError:
            if server.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited during start-up:\n{log.read_text()}"
                ) from None
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL not ready after {STARTUP_TIMEOUT_SECONDS}s:\n{log.read_text()}"
                ) from None
            time.sleep(0.1)


@contextlib.contextmanager
def running_cluster(settings: dict[str, str] | None = None) -> Iterator[PgCluster]:
    """A fresh cluster with the roles above, started with extra server ``settings``; removed on
    exit. Skips the test when the server binaries are missing."""
    bindir = find_postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, postgres) are not installed")
    root = Path(tempfile.mkdtemp(prefix="tenancy-pg-"))
    data, sockets, log_path = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, UNPRIVILEGED_USER, UNPRIVILEGED_GROUP)
        shutil.chown(sockets, UNPRIVILEGED_USER, UNPRIVILEGED_GROUP)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    cluster = PgCluster(root, free_port(), sockets)
    server: subprocess.Popen | None = None
    log = log_path.open("wb")
    try:
        initdb = subprocess.run(
            _as_unprivileged(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ]
            ),
            capture_output=True,
            env=env,
            cwd=root,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stderr.decode(errors='replace')}")
        # The server runs in the foreground as our child (not daemonised by pg_ctl), so it can be
        # tied to this process's life.
        server = subprocess.Popen(
            _as_unprivileged(
                [
                    str(bindir / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(cluster.port),
                    "-k",
                    str(sockets),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=50",
                    *(
                        arg
                        for key, value in (settings or {}).items()
                        for arg in ("-c", f"{key}={value}")
                    ),
                ],
                die_with_parent="SIGQUIT",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
        )
        _wait_until_accepting(cluster, server, log_path)
        with cluster.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE migrator LOGIN CREATEROLE PASSWORD {}").format(
                    MIGRATOR_PASSWORD
                )
            )
            conn.execute(sql.SQL("CREATE ROLE app_user LOGIN PASSWORD {}").format(APP_PASSWORD))
        yield cluster
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGQUIT)  # immediate shutdown: the data is thrown away anyway
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def start_cluster() -> Callable[..., contextlib.AbstractContextManager[PgCluster]]:
    """``running_cluster`` for tests that need a server of their own (tests import fixtures, not
    this module: its name is ambiguous on the import path)."""
    return running_cluster


@pytest.fixture(scope="session")
def postgres_bindir() -> Path | None:
    return find_postgres_bindir()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    with running_cluster() as cluster:
        yield cluster


_db_counter = itertools.count()


@pytest.fixture(scope="session")
def create_database(pg_cluster: PgCluster) -> Callable[[str], str]:
    """Make an empty database owned by the migrator; returns its name."""

    def create(label: str) -> str:
        name = f"t{next(_db_counter)}_{label}"
        with pg_cluster.admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER migrator").format(sql.Identifier(name)))
        return name

    return create


@pytest.fixture(scope="session")
def migrated_template(pg_cluster: PgCluster, create_database: Callable[[str], str]) -> str:
    """One database migrated by the migrator; the tests clone it, which is much faster than
    migrating each one."""
    name = create_database("template")
    migrate(pg_cluster.migrator_dsn(name))
    # app_user plays the shared pool's login: it serves every tenant of the database.
    grant_app_role(pg_cluster.migrator_dsn(name), ["app_user"], [ALL_TENANTS])
    return name


@pytest.fixture(scope="session")
def create_migrated_database(pg_cluster: PgCluster, migrated_template: str) -> Callable[[str], str]:
    """A database with every migration applied (by the migrator, which owns everything in it)."""

    def create(label: str) -> str:
        name = f"t{next(_db_counter)}_{label}"
        with pg_cluster.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER migrator STRATEGY FILE_COPY").format(
                    sql.Identifier(name), sql.Identifier(migrated_template)
                )
            )
        return name

    return create


# --- sample tenant data ---------------------------------------------------------------------------
def _seed_tenant(
    conn: psycopg.Connection, tenant: str, itineraries: int = 3, comments_each: int = 2
) -> None:
    """Insert one tenant's rows through its own context, as the application would."""
    with conn.transaction():
        conn.execute("SELECT set_config('app.current_tenant', %s, true)", [tenant])
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, %s)", [tenant, tenant.title()])
        user_id = conn.execute(
            "INSERT INTO users (firebase_uid, email) VALUES (%s, %s) RETURNING id",
            [f"uid-{tenant}", f"owner@{tenant}.example"],
        ).fetchone()[0]  # type: ignore[index]
        conn.execute("INSERT INTO user_tenants (user_id, role) VALUES (%s, 'owner')", [user_id])
        for i in range(itineraries):
            itinerary = conn.execute(
                "INSERT INTO itineraries (owner_user_id, slug, title, starts_on, ends_on) "
                "VALUES (%s, %s, %s, date '2026-01-01' + %s, date '2026-01-05' + %s) RETURNING id",
                [
                    user_id,
                    f"trip-{i}",
                    f"Trip {i} of {tenant} with 'quotes', tabs\tand\nnewlines",
                    i,
                    i,
                ],
            ).fetchone()[0]  # type: ignore[index]
            for j in range(comments_each):
                conn.execute(
                    "INSERT INTO comments (itinerary_id, author_user_id, body) VALUES (%s, %s, %s)",
                    [itinerary, user_id, f"comment {j} on trip {i} ✈ {tenant}"],
                )


@pytest.fixture(scope="session")
def seed_tenant() -> Callable[..., None]:
    """seed_tenant(conn, tenant, itineraries=3, comments_each=2): a tenant record, an owner user
    with its membership, itineraries and comments, inserted within the tenant's context."""
    return _seed_tenant


def _seed_custom_role(conn: psycopg.Connection, tenant: str, name: str = "auditor") -> None:
    """An enterprise tenant's custom role (0007), held by a second user of the tenant."""
    with conn.transaction():
        conn.execute("SELECT set_config('app.current_tenant', %s, true)", [tenant])
        conn.execute(
            "INSERT INTO tenant_roles (name, description, permissions) VALUES (%s, %s, %s)",
            [name, f"{name} of {tenant}", ["tenant:data:read", "tenant:audit:read"]],
        )
        user_id = conn.execute(
            "INSERT INTO users (firebase_uid, email) VALUES (%s, %s) RETURNING id",
            [f"uid-{name}-{tenant}", f"{name}@{tenant}.example"],
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO user_tenants (user_id, role, custom_role) VALUES (%s, 'custom', %s)",
            [user_id, name],
        )


@pytest.fixture(scope="session")
def seed_custom_role() -> Callable[..., None]:
    """seed_custom_role(conn, tenant, name='auditor'): a custom role of an enterprise tenant and a
    user holding it, inserted within the tenant's context (the tenant must be enterprise)."""
    return _seed_custom_role
