"""Shared fixtures: the dev environment, copies of the sample registry, and one offline plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import SAMPLE_TENANTS, free_port

from domain.environment import EnvironmentSettings, load_environment
from domain.registry import Registry, load_registry


@pytest.fixture(scope="session")
def settings() -> EnvironmentSettings:
    return load_environment("dev")


@pytest.fixture(scope="session")
def registry(settings) -> Registry:
    return load_registry(SAMPLE_TENANTS, settings)


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    """A writable copy of the sample registry."""
    target = tmp_path / "tenants"
    shutil.copytree(SAMPLE_TENANTS, target)
    return target


@pytest.fixture(scope="session")
def sample_plan(settings, registry):
    """The offline plan of the whole sample registry (computed once per test session)."""
    from domain.stacks import all_stacks
    from tenancy.plan.engine import plan_stacks

    return plan_stacks(all_stacks(registry, "dev"), settings, registry, workers=1)


@pytest.fixture
def unused_port() -> int:
    """A local port nothing listens on."""
    return free_port()
