"""Helpers shared by the top-level tests (imported as `support`)."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

from domain import PROJECT_ROOT

SAMPLE_TENANTS = PROJECT_ROOT / "tenants"
# The day the suite runs on (tests/conftest.py pins domain.clock to it): API key expiries.
TEST_NOW = "2026-12-07T00:00:00Z"


def write_tenant(directory: Path, file_name: str, body: str) -> Path:
    path = directory / file_name
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def free_port() -> int:
    """A local port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
