"""``tenancy pr-comment`` on temporary repositories: a base commit, and a head commit changing a
tenant.

The plan-diff and policy tests run the project's real ``tenancy plan``, ``tenancy diff`` and
``tenancy check`` (from a copy of this tree) on both sides.
"""

from __future__ import annotations

import re
import shutil

import pytest
from automation_fakes import GitRepo, write_tenants
from typer.testing import CliRunner

from domain import PROJECT_ROOT
from tenancy.automation import cli as automation_cli
from tenancy.automation.pr_comment import (
    MARKER,
    PrComment,
    build_pr_comment,
    validation_section,
)

PROJECT_PARTS = [
    "tenancy",
    "pricing",
    "components",
    "policies",
    "migrations",
    "__main__.py",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "pyproject.toml",
]
TITLES = ["Registry validation", "Plan diff (base → head)", "Policy", "Cost"]


def copy_project(target) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".pulumi-state", "*.egg-info")
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore)
        elif source.exists():
            shutil.copy(source, target / part)


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory) -> GitRepo:
    """This project's code and four tenants on main; a feature branch gives globex a subdomain
    and a larger storage quota (50 -> 80 GB)."""
    repo = GitRepo(tmp_path_factory.mktemp("pr") / "repo")
    copy_project(repo.path)
    write_tenants(repo.path / "tenants")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.append("tenants/globex.yaml", "subdomain: globex-app\nlimits:\n  storage_quota_gb: 80\n")
    repo.commit("globex gets its own subdomain and more storage")
    return repo


@pytest.fixture(scope="module")
def comment(pr_repo) -> PrComment:
    return build_pr_comment("main", "dev", pr_repo.path, pr_repo.path / "tenants")


def section(comment: PrComment, title: str):
    return next(s for s in comment.sections if s.title == title)


# --- the document ---------------------------------------------------------------------------------


def test_the_document_is_marked_and_has_every_section_in_order(comment):
    text = comment.markdown
    assert text.startswith(MARKER + "\n")
    positions = [text.index(f"### {title}") for title in TITLES]
    assert positions == sorted(positions)
    for title in TITLES:  # and each has a row in the overview table
        assert re.search(rf"^\| {re.escape(title)} \| ", text, re.M)


def test_cost_compares_base_and_head_without_blocking(comment):
    cost = section(comment, "Cost")
    assert cost.status == "passed" and not cost.blocking, cost.body
    # Only globex changed: 30 GB more quota, half of it used (storage_used_share 0.5) at
    # $0.020/GiB-month in us-central1 = +$0.30; the subdomain changes no price.
    assert cost.headline == "+$0.30 a month (1 tenant(s) changed)"
    row = next(line for line in cost.body.splitlines() if line.startswith("| `globex`"))
    assert row.endswith("| +$0.30 |") and "| `standard` |" in row
    assert "`initech`" not in cost.body and "**Total**" in cost.body


def test_a_valid_change_passes_validation(comment):
    assert section(comment, "Registry validation").status == "passed"


def test_the_plan_diff_names_the_changed_tenant_stack(comment):
    plan = section(comment, "Plan diff (base → head)")
    assert plan.status == "passed", plan.body
    assert "dev.globex" in plan.body


def test_the_policy_result_comes_from_tenancy_check(comment):
    policy = section(comment, "Policy")
    assert policy.status in ("passed", "failed"), policy.body
    assert re.fullmatch(r"\d+ mandatory, \d+ advisory, \d+ undecided", policy.headline)


# --- validation -----------------------------------------------------------------------------------


def test_deleting_an_active_tenant_fails_validation(project_repo):
    project_repo.git("checkout", "-q", "-b", "feature")
    project_repo.rm("tenants/globex.yaml")
    project_repo.commit("drop globex")
    result = validation_section("dev", project_repo.path, project_repo.path / "tenants", "main")
    assert result.status == "failed" and result.blocking
    assert "globex.yaml" in result.body and "offboarding" in result.body


def test_registry_problems_are_listed(project_repo):
    project_repo.write("tenants/broken.yaml", "id: broken\ntier: platinum\n")
    result = validation_section("dev", project_repo.path, project_repo.path / "tenants", "main")
    assert result.status == "failed" and "broken.yaml" in result.body


# --- a tree without the commands ------------------------------------------------------------------


@pytest.fixture
def bare_repo(project_repo) -> GitRepo:
    """Tenants and environment config, but no `tenancy` code: nothing can be planned."""
    project_repo.git("checkout", "-q", "-b", "feature")
    project_repo.append("tenants/globex.yaml", "subdomain: globex-app\n")
    project_repo.commit("change")
    return project_repo


def test_missing_commands_are_reported_not_hidden(bare_repo):
    comment = build_pr_comment("main", "dev", bare_repo.path, bare_repo.path / "tenants")
    plan = section(comment, "Plan diff (base → head)")
    assert plan.status == "unavailable" and plan.blocking
    assert "`tenancy plan` is not available in this tree" in plan.body
    assert section(comment, "Policy").status == "unavailable"
    assert section(comment, "Registry validation").status == "passed"
    assert comment.blocking


def test_the_command_writes_the_file_and_exits_1_when_a_check_did_not_pass(
    app, bare_repo, monkeypatch, tmp_path
):
    monkeypatch.setattr(automation_cli, "PROJECT_ROOT", bare_repo.path)
    output = tmp_path / "comment.md"
    result = CliRunner().invoke(app, ["pr-comment", "--base", "main", "--output", str(output)])
    assert result.exit_code == 1, result.output
    assert output.read_text().startswith(MARKER)
    assert "Plan diff (base → head): not available" in result.output


def test_an_unknown_base_is_a_setup_error(app, bare_repo, monkeypatch):
    monkeypatch.setattr(automation_cli, "PROJECT_ROOT", bare_repo.path)
    result = CliRunner().invoke(app, ["pr-comment", "--base", "origin/nowhere"])
    assert result.exit_code == 2 and "origin/nowhere" in result.output
