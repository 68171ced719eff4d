"""Fixtures of the automation tests (helpers live in automation_fakes.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from automation_fakes import GitRepo, write_tenants

from domain import PROJECT_ROOT
from domain.environment import load_environment
from domain.registry import Registry, load_registry
from tenancy.automation import cli as automation_cli


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    return write_tenants(tmp_path / "tenants")


@pytest.fixture
def registry(tenants_dir: Path) -> Registry:
    return load_registry(tenants_dir, load_environment("dev"))


@pytest.fixture
def project_repo(tmp_path: Path) -> GitRepo:
    """A repository shaped like this project (environment config, tenants, shared code), one
    commit."""
    repo = GitRepo(tmp_path / "repo")
    shutil.copy(PROJECT_ROOT / "Pulumi.dev.yaml", repo.path / "Pulumi.dev.yaml")
    repo.write("Pulumi.yaml", "name: tenancy\nruntime: python\n")
    repo.write("components/tiers/shared_pool.py", "# shared pool\n")
    repo.write("docs/notes.md", "notes\n")
    write_tenants(repo.path / "tenants")
    repo.commit("base")
    return repo


@pytest.fixture
def app() -> typer.Typer:
    """A typer app with only the automation commands registered."""
    app = typer.Typer()
    automation_cli.register(app)
    return app
