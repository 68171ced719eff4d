"""``tenancy pr-comment`` on temporary repositories: a base commit, and a head commit changing a
tenant.

The plan-diff and policy tests run the project's real ``tenancy plan``, ``tenancy diff`` and
``tenancy check`` (from a copy of this tree) on both sides.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from automation_fakes import GitRepo, write_tenants
from typer.testing import CliRunner

from domain import PROJECT_ROOT
from domain.registry import load_registry
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
TITLES = [
    "Registry validation",
    "Plan diff (base → head)",
    "Tenant transitions",
    "Policy",
    "Cost",
]


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
    # A finding main already has (an ingress chart with a known advisory, which
    # k8s-forbid-vulnerable-charts reports on the stacks with an ingress controller), so the
    # comment has pre-existing policy results to tell apart from the pull request's own.
    settings = repo.path / "Pulumi.dev.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "      version: 4.15.1\n" in text
    settings.write_text(text.replace("      version: 4.15.1\n", "      version: 4.11.3\n", 1))
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


# --- the document --------------------------------------------------------------------------------


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
    # The summary's tenant line carries the same change.
    summary = next(x for x in comment.markdown.splitlines() if x.startswith("| `globex` |"))
    assert summary.endswith("(+$0.30) |")


def test_a_valid_change_passes_validation(comment):
    assert section(comment, "Registry validation").status == "passed"


def test_the_plan_diff_names_the_changed_tenant_stack(comment):
    plan = section(comment, "Plan diff (base → head)")
    assert plan.status == "passed", plan.body
    assert "dev.globex" in plan.body


def test_the_transitions_section_names_the_tenant_and_its_verdict(comment):
    transitions = section(comment, "Tenant transitions")
    assert transitions.status == "passed" and not transitions.blocking, transitions.body
    assert "every transition is safe" in transitions.body
    assert "`globex`" in transitions.render() and "plain change" in transitions.render()


def test_the_policy_result_comes_from_tenancy_check(comment):
    policy = section(comment, "Policy")
    assert policy.status in ("passed", "failed"), policy.body
    assert re.fullmatch(r"\d+ mandatory, \d+ advisory, \d+ undecided", policy.headline)


# --- validation ----------------------------------------------------------------------------------


def test_deleting_an_active_tenant_fails_validation(project_repo):
    project_repo.git("checkout", "-q", "-b", "feature")
    project_repo.rm("tenants/globex.yaml")
    project_repo.commit("drop globex")
    result = validation_section("dev", project_repo.path, project_repo.path / "tenants", "main")
    assert result.status == "failed" and result.blocking
    assert "globex.yaml" in result.body and "offboarding" in result.body


def test_a_downgrade_fails_validation(project_repo):
    project_repo.git("checkout", "-q", "-b", "feature")
    text = project_repo.path.joinpath("tenants/globex.yaml").read_text()
    project_repo.write(
        "tenants/globex.yaml",
        text.replace("tier: standard", "tier: free").replace("placement: pool-a\n", ""),
    )
    project_repo.commit("globex downgrades")
    result = validation_section("dev", project_repo.path, project_repo.path / "tenants", "main")
    assert result.status == "failed" and result.blocking
    assert "globex.yaml" in result.body and "downgrade standard -> free" in result.body


def test_registry_problems_are_listed(project_repo):
    project_repo.write("tenants/broken.yaml", "id: broken\ntier: platinum\n")
    result = validation_section("dev", project_repo.path, project_repo.path / "tenants", "main")
    assert result.status == "failed" and "broken.yaml" in result.body


# --- a tree without the commands -----------------------------------------------------------------


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
    assert section(comment, "Tenant transitions").status == "unavailable"
    assert section(comment, "Registry validation").status == "passed"
    assert comment.blocking


def test_the_command_writes_the_file_and_exits_1_when_a_check_did_not_pass(
    app, bare_repo, monkeypatch, tmp_path
):
    monkeypatch.setattr(automation_cli, "project_root", lambda: bare_repo.path)
    output = tmp_path / "comment.md"
    result = CliRunner().invoke(app, ["pr-comment", "--base", "main", "--output", str(output)])
    assert result.exit_code == 1, result.output
    assert output.read_text().startswith(MARKER)
    assert "Plan diff (base → head): not available" in result.output


def test_an_unknown_base_is_a_setup_error(app, bare_repo, monkeypatch):
    monkeypatch.setattr(automation_cli, "project_root", lambda: bare_repo.path)
    result = CliRunner().invoke(app, ["pr-comment", "--base", "origin/nowhere"])
    assert result.exit_code == 2 and "origin/nowhere" in result.output


# --- reading order, limits and the cache ---------------------------------------------------------


def test_the_changed_tenant_comes_first_with_its_old_and_new_values(comment, pr_repo):
    from domain.environment import load_environment
    from domain.stacks import select_stacks
    from tenancy.plan.engine import plan_stacks

    settings = load_environment("dev", pr_repo.path)
    registry = load_registry(pr_repo.path / "tenants", settings)
    head = plan_stacks(select_stacks(registry, "dev", ["globex"]), settings, registry, workers=1)
    count = len(head.stacks[0].resources)
    text = comment.markdown
    row = next(x for x in text.splitlines() if x.startswith("| `globex` |"))
    # Its identity lives in the platform stack (docs/lifecycle.md), not counted here.
    assert f"| changes | `standard` | shared cluster `pool-a` | {count} |" in row
    assert "`subdomain` (unset) → `globex-app`" in text
    assert text.index("| `globex` |") < text.index("| check | result |")


def test_a_warm_cache_gives_the_same_comment_as_a_cold_one(pr_repo, tmp_path):
    cold_dir = tmp_path / "cache"
    cold = build_pr_comment(
        "main", "dev", pr_repo.path, pr_repo.path / "tenants", cache_dir=cold_dir
    )
    stored = sorted(p.name for p in cold_dir.rglob("*.json"))
    assert stored, "the cold run fills the cache"
    kinds = {p.relative_to(cold_dir).parts[0] for p in cold_dir.rglob("*.json")}
    assert {"plans", "checks", "costs"} <= kinds  # the warm run reads all three
    warm = build_pr_comment(
        "main", "dev", pr_repo.path, pr_repo.path / "tenants", cache_dir=cold_dir
    )
    assert warm.markdown == cold.markdown
    assert sorted(p.name for p in cold_dir.rglob("*.json")) == stored  # nothing new was planned


def test_only_stacks_whose_key_differs_are_compared(comment):
    plan = section(comment, "Plan diff (base → head)")
    assert "have the same content key on both sides" in plan.body
    assert "dev.initech" not in plan.body and "`dev`" not in plan.body


def test_policy_results_of_untouched_stacks_are_marked_as_already_there(pr_repo, tmp_path):
    from tenancy.automation.pr_data import gather

    ctx = gather("main", "dev", pr_repo.path, pr_repo.path / "tenants", cache_dir=tmp_path / "c")
    results = ctx.policy["violations"] + ctx.policy["undecided"]
    assert results, "the sample has at least one advisory or undecided result"
    for result in results:
        assert result["preexisting"] == (result["stack"] != "dev.globex")


@pytest.fixture(scope="module")
def sample_plan():
    """The sample registry's coinbase stack, planned once (a template for new tenants)."""
    from support import SAMPLE_TENANTS

    from domain.environment import load_environment
    from domain.stacks import select_stacks
    from tenancy.plan.engine import plan_stacks

    settings = load_environment("dev")
    sample = load_registry(SAMPLE_TENANTS, settings)
    return plan_stacks(select_stacks(sample, "dev", ["coinbase"]), settings, sample, workers=1)


def _many_new_tenants_context(sample_plan, count: int):
    """A context as `gather` makes it for `count` new standard tenants, without planning them."""
    import copy

    from domain.plan_model import Plan
    from tenancy.automation.pr_comment import CommentContext, TenantChange
    from tenancy.plan.diff import diff_stacks

    template = sample_plan.stack("dev.coinbase")
    stacks, changes = [], []
    for i in range(count):
        tid = f"newco{i:02d}"
        data = copy.deepcopy(template.to_dict())
        text = json.dumps(data).replace("coinbase", tid)
        stack = Plan.from_dict({"stacks": [json.loads(text)]}).stacks[0]
        stacks.append(stack)
        changes.append(
            TenantChange(tid, None, {"id": tid, "tier": "standard", "placement": "pool-a"})
        )
    ctx = CommentContext("dev", "main", "a" * 40, "b" * 40, PROJECT_ROOT, PROJECT_ROOT / "tenants")
    ctx.tenant_changes = changes
    ctx.head_plan = Plan(stacks)
    ctx.base_plan = Plan([])
    ctx.stack_diffs = [diff_stacks(None, s) for s in stacks]
    violations = [
        {
            "policy": "gcs-require-versioning",
            "level": "advisory",
            "stack": s.name,
            "tenant": s.tenant,
            "urn": s.resources[0].urn,
            "message": "versioning is off",
            "preexisting": False,
        }
        for s in stacks
    ]
    ctx.policy = {"violations": violations, "undecided": [], "failed": False}
    return ctx


def test_31_new_tenants_fit_one_comment_without_cutting_what_matters(sample_plan):
    from tenancy.automation.pr_comment import GITHUB_LIMIT, build_sections, render

    ctx = _many_new_tenants_context(sample_plan, 31)
    sections = build_sections(ctx)
    text = render(ctx, sections)
    assert len(text) <= GITHUB_LIMIT
    assert text.count("<details>") == text.count("</details>") > 0
    # The summary, validation and policy sections are whole; the details were shortened.
    assert sum(1 for line in text.splitlines() if line.startswith("| `newco")) == 31
    policy = next(s for s in sections if s.title == "Policy")
    assert policy.render() in text
    validation = next(s for s in sections if s.title == "Registry validation")
    assert validation.render() in text
    assert "shortened to fit one comment" in text
    full = "\n\n".join(s.render() for s in sections)
    assert len(full) > GITHUB_LIMIT, "the test must exercise shortening"


def test_when_even_no_details_is_too_long_only_non_essential_sections_go(sample_plan):
    from tenancy.automation.pr_comment import build_sections, render

    ctx = _many_new_tenants_context(sample_plan, 3)
    sections = build_sections(ctx)
    from tenancy.automation.pr_comment import render_summary

    no_rows = "\n\n".join([render_summary(ctx, sections), *(s.render(0) for s in sections)])
    text = render(ctx, sections, limit=len(no_rows))
    assert "left out to fit one comment" in text
    assert next(s for s in sections if s.title == "Policy").render() in text
    assert text.count("<details>") == text.count("</details>")
