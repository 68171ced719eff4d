"""Shared fixtures: the dev environment, copies of the sample registry, and one offline plan."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import SAMPLE_TENANTS, TEST_NOW, free_port

from domain.clock import NOW_ENV
from domain.environment import EnvironmentSettings, load_environment
from domain.registry import Registry, load_registry

# API key expiries are judged against domain.clock: the suite runs on a fixed day, so the sample's
# keys do not age out of the tests (the real clock judges them in CI's `tenancy check`). Set at
# import, before any module loads an environment; `tenancy` subprocesses inherit it.
os.environ[NOW_ENV] = TEST_NOW


@pytest.fixture(autouse=True)
def _forget_project_dir():
    """`tenancy --project-dir` is process state: a test invoking the CLI with it must not leave
    later tests reading another (temporary) project."""
    yield
    from domain.project import set_project_dir

    set_project_dir(None)


@pytest.fixture(scope="session", autouse=True)
def plan_cache_dir(tmp_path_factory) -> Path:
    """Plans made by tests (in-process or by a `tenancy` subprocess) are cached here, never in the
    project's build/ (entries are content-addressed, so sharing them across tests is safe)."""
    directory = tmp_path_factory.mktemp("plan-cache")
    previous = os.environ.get("TENANCY_CACHE_DIR")
    os.environ["TENANCY_CACHE_DIR"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("TENANCY_CACHE_DIR", None)
    else:
        os.environ["TENANCY_CACHE_DIR"] = previous


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


@pytest.fixture(scope="session")
def globex_run(settings, registry):
    """The enterprise sample tenant globex's stack, run offline (its plan and its outputs)."""
    from domain.stacks import all_stacks
    from tenancy.plan.engine import run_stack
    from tenancy.plan.platform_outputs import offline_platform_outputs

    spec = next(s for s in all_stacks(registry, "dev") if s.tenant_id == "globex")
    return run_stack(spec, settings, registry, offline_platform_outputs(settings, registry.tenants))


@pytest.fixture
def unused_port() -> int:
    """A local port nothing listens on."""
    return free_port()
