"""Fixtures of the upgrade tests: the real servers of tests/db (PostgreSQL 15) and tests/temporal
(`temporal server start-dev`), reused from those directories' conftest files, and the Firestore
emulator (the gcloud CLI's cloud-firestore-emulator component) for documents."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from support import free_port

_TESTS = Path(__file__).resolve().parent.parent


def _load(relative: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, _TESTS / relative)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_db = _load("db/conftest.py", "tenancy_tests_db_fixtures")
_temporal = _load("temporal/conftest.py", "tenancy_tests_temporal_fixtures")

# The same fixtures as in tests/db and tests/temporal (a session started from the top runs one
# more server of each for this directory).
pg_cluster = _db.pg_cluster
create_database = _db.create_database
migrated_template = _db.migrated_template
create_migrated_database = _db.create_migrated_database
seed_tenant = _db.seed_tenant
temporal_endpoint = _temporal.temporal_endpoint
PgCluster = _db.PgCluster

FIRESTORE_EMULATOR_DIRS = (
    "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator",
    "/usr/share/google-cloud-sdk/platform/cloud-firestore-emulator",
)
FIRESTORE_STARTUP_SECONDS = 60


def _firestore_launcher() -> str | None:
    gcloud = shutil.which("gcloud")
    candidates = list(FIRESTORE_EMULATOR_DIRS)
    if gcloud:
        sdk = Path(os.path.realpath(gcloud)).parent.parent
        candidates.insert(0, str(sdk / "platform" / "cloud-firestore-emulator"))
    for directory in candidates:
        launcher = Path(directory) / "cloud_firestore_emulator"
        if launcher.is_file() and shutil.which("java"):
            return str(launcher)
    return None


@pytest.fixture(scope="session")
def firestore_url() -> Iterator[str]:
    """The Firestore emulator on a free port: the real Firestore REST API, in memory."""
    launcher = _firestore_launcher()
    if launcher is None:
        pytest.skip(
            "the Firestore emulator (gcloud component cloud-firestore-emulator) or java is missing"
        )
    workdir = Path(tempfile.mkdtemp(prefix="tenancy-firestore-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "emulator.log").open("wb")
    die_with_parent = ["setpriv", "--pdeathsig", "SIGTERM"] if shutil.which("setpriv") else []
    process = subprocess.Popen(
        [*die_with_parent, launcher, "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=workdir,
    )
    try:
        deadline = time.monotonic() + FIRESTORE_STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"Firestore emulator exited: {(workdir / 'emulator.log').read_text()}"
                    ) from None
                if time.monotonic() > deadline:
                    raise RuntimeError("Firestore emulator not ready in time") from None
                time.sleep(0.2)
        # The first document request warms the emulator's JVM up (it can take seconds).
        warm = f"{url}/v1/projects/warm-up/databases/(default)/documents/warm/up"
        try:
            urllib.request.urlopen(warm, timeout=60).read()
        except urllib.error.HTTPError as exc:
            assert exc.code == 404  # no such document: the answer we expected
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
