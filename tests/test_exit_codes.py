"""One exit-code convention for every command: 0 success, 1 valid input that fails (validation or
policy findings), 2 could not run (usage, no project, missing environment, unreadable file, bad
output path). Output paths are refused before any work starts, and nothing ends in a traceback.
(Hostile registries for every command: test_registry_hostile_cli.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain import PROJECT_ROOT
from domain.project import ProjectNotFoundError, find_project_root, project_root, set_project_dir
from tenancy.cli import app

SAMPLE = PROJECT_ROOT / "tenants"
PLAN = "plan --env dev --tenant stripe"
MISSING_DIR = "/nonexistent/dir"


def invalid_registry(tmp_path: Path) -> Path:
    tenants = tmp_path / "bad-tenants"
    tenants.mkdir()
    (tenants / "broken.yaml").write_text("id: broken\ntier: platinum\n", encoding="utf-8")
    return tenants


# (command line, expected exit code); {tmp} is a fresh directory, {bad} an invalid registry.
CASES = [
    ("validate", 0),
    ("validate --tenants {bad}", 1),
    ("validate --env nosuch", 2),
    ("validate --tenants {tmp}/missing", 1),
    ("plan --tenants {bad}", 1),
    (f"plan --json {MISSING_DIR}/p.json", 2),
    ("plan --json {tmp}", 2),
    ("plan --env nosuch", 2),
    ("new acme-co --tier standard --tenants {bad}", 1),
    ("new acme-co --tier gold", 1),  # the tenant it was asked to write is invalid
    (f"schema -o {MISSING_DIR}/s.json", 2),
    ("schema -o {tmp}", 2),
    ("diff {tmp}/none.json {tmp}/none.json", 2),
    (f"diff {{plan}} {{plan}} -o {MISSING_DIR}/d.md", 2),
    ("diff {plan} {plan}", 0),
    (f"check --json {MISSING_DIR}/c.json", 2),
    ("check --json {tmp}", 2),
    ("check --tenants {bad}", 1),
    ("check --plan {tmp}/none.json", 2),
    (f"pr-comment --base HEAD --output {MISSING_DIR}/c.md", 2),
    ("pr-comment --base HEAD --output {tmp}", 2),
    (f"cost --json {MISSING_DIR}/c.json", 2),
    ("up --tenants {bad}", 1),
    ("preview --tenants {bad}", 1),
    ("refresh --tenants {bad}", 1),
    ("destroy --tenants {bad}", 1),
    ("preview --env nosuch", 2),
    ("state-moves --tenants {bad}", 1),
    ("state-moves --env nosuch", 2),
    ("transitions --base HEAD --json {tmp}", 2),
    (f"transitions --base HEAD --output {MISSING_DIR}/t.md", 2),
    ("upgrade acme-co --tenants {bad}", 1),
    ("upgrade acme-co --env nosuch", 2),
    ("db migrate", 2),
    ("nosuchcommand", 2),
    ("--project-dir {tmp} validate", 2),
]


@pytest.fixture(scope="module")
def sample_plan_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    result = CliRunner().invoke(app, [*PLAN.split(), "--json", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize(("line", "code"), CASES, ids=[c[0] for c in CASES])
def test_exit_code(line: str, code: int, tmp_path: Path, sample_plan_file: Path) -> None:
    args = line.format(tmp=tmp_path, bad=invalid_registry(tmp_path), plan=sample_plan_file).split()
    started = time.monotonic()
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        line,
        result.exception,
    )
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == code, (line, result.output)
    if code == 2 and ("-o " in line or "--json" in line or "--output" in line):
        # refused before any work: no plan, no git, no Pulumi
        assert time.monotonic() - started < 5, line
        flat = " ".join(result.output.split())  # rich wraps long lines
        assert "does not exist" in flat or "is a directory" in flat


def test_no_project_found_is_exit_2_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tenancy.cli", "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "Pulumi.yaml" in done.stderr and "--project-dir" in done.stderr


def test_project_dir_works_from_anywhere(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tenancy.cli", "--project-dir", str(PROJECT_ROOT), "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(PROJECT_ROOT / "tenants") in " ".join(done.stdout.split())


def test_project_root_is_found_from_the_working_directory(tmp_path, monkeypatch) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: tenancy\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_root(nested) == tmp_path.resolve()
    monkeypatch.chdir(nested)
    assert project_root() == tmp_path.resolve()
    with pytest.raises(ProjectNotFoundError):
        find_project_root(Path("/"))
    with pytest.raises(ProjectNotFoundError):
        set_project_dir(nested)
    set_project_dir(tmp_path)
    try:
        monkeypatch.chdir("/")
        assert project_root() == tmp_path.resolve()
    finally:
        set_project_dir(None)
