"""Stack selection: explicit tenants, and --changed-since against real git history."""

from __future__ import annotations

import pytest

from domain.stacks import StackSelectionError
from tenancy.automation.git import GitError
from tenancy.automation.selection import resolve_selection

EVERY_STACK = ["dev", "dev.globex", "dev.initech", "dev.umbrella"]


def selected(repo, ref="HEAD~1", tenants=None):
    registry = repo.registry()
    return resolve_selection(registry, "dev", tenants, ref, repo.path)


# --- explicit selection ---------------------------------------------------------------------------


def test_no_options_select_every_stack_platform_first(registry):
    assert resolve_selection(registry, "dev").names == EVERY_STACK


def test_explicit_paying_tenants_select_their_stacks_only(registry):
    assert resolve_selection(registry, "dev", ["initech", "globex"]).names == [
        "dev.globex",
        "dev.initech",
    ]


def test_an_explicit_free_tenant_selects_the_platform_stack(registry):
    assert resolve_selection(registry, "dev", ["acme", "globex"]).names == ["dev", "dev.globex"]


def test_an_unknown_tenant_is_refused(registry):
    with pytest.raises(StackSelectionError, match="nosuch"):
        resolve_selection(registry, "dev", ["nosuch"])


# --- --changed-since ------------------------------------------------------------------------------


def test_changed_paying_tenant_selects_only_its_stack(project_repo):
    project_repo.append("tenants/globex.yaml", "subdomain: globex-app\n")
    project_repo.commit("globex gets a subdomain")
    assert selected(project_repo).names == ["dev.globex"]


def test_changed_free_tenant_selects_the_platform_stack(project_repo):
    text = project_repo.path.joinpath("tenants/acme.yaml").read_text()
    project_repo.write(
        "tenants/acme.yaml", text.replace("display_name: Acme", "display_name: Acme Corp")
    )
    project_repo.commit("acme renamed")
    assert selected(project_repo).names == ["dev"]


def test_environment_config_selects_every_stack(project_repo):
    project_repo.append("Pulumi.dev.yaml", "# a comment is a change too\n")
    project_repo.commit("touch dev config")
    selection = selected(project_repo)
    assert selection.names == EVERY_STACK
    assert any("Pulumi.dev.yaml" in reason for reason in selection.reasons)


def test_another_environments_config_selects_nothing(project_repo):
    project_repo.write("Pulumi.prod.yaml", "config: {}\n")
    project_repo.commit("prod config")
    assert selected(project_repo).names == []


@pytest.mark.parametrize(
    "path",
    [
        "components/tiers/shared_pool.py",
        "domain/tiers.py",
        "program/__init__.py",
        "tenancy/new_module.py",
        "policies/pack.py",
        "__main__.py",
        "Pulumi.yaml",
        "pyproject.toml",
    ],
)
def test_shared_code_selects_every_stack(project_repo, path):
    project_repo.write(path, "# changed\n")
    project_repo.commit(f"change {path}")
    assert selected(project_repo).names == EVERY_STACK


def test_unrelated_files_select_nothing(project_repo):
    project_repo.write("docs/notes.md", "more notes\n")
    project_repo.commit("docs")
    assert selected(project_repo).names == []


def test_deleted_free_tenant_selects_the_platform_stack(project_repo):
    project_repo.rm("tenants/acme.yaml")
    project_repo.commit("acme leaves")
    assert selected(project_repo).names == ["dev"]


def test_deleted_paying_tenant_selects_the_platform_for_its_identity_and_says_why(project_repo):
    project_repo.rm("tenants/umbrella.yaml")
    project_repo.commit("umbrella is gone")
    selection = selected(project_repo)
    # Its own stack was destroyed while offboarding; its identity lives in the platform stack.
    assert selection.names == ["dev"]
    assert any("umbrella.yaml" in note and "dev.umbrella" in note for note in selection.notes)


def test_a_status_change_of_a_paying_tenant_also_selects_the_platform(project_repo):
    project_repo.append("tenants/globex.yaml", "status: suspended\n")
    project_repo.commit("globex suspended")
    # disable_auth of its Identity Platform tenant changes in the platform stack.
    assert selected(project_repo).names == ["dev", "dev.globex"]


def test_a_new_paying_tenant_also_selects_the_platform(project_repo):
    text = project_repo.path.joinpath("tenants/globex.yaml").read_text()
    project_repo.write("tenants/hooli.yaml", text.replace("globex", "hooli"))
    project_repo.commit("hooli arrives")
    selection = selected(project_repo)
    assert "dev" in selection.names and "dev.hooli" in selection.names


def test_a_migration_selects_every_stack_with_a_migration_job(project_repo):
    project_repo.write("migrations/0004_more.sql", "select 1;\n")
    project_repo.commit("a migration")
    selection = selected(project_repo)
    assert selection.names == EVERY_STACK
    assert any("migrations/0004_more.sql" in reason for reason in selection.reasons)


def test_upgrade_from_free_selects_the_platform_and_the_new_stack(project_repo):
    text = project_repo.path.joinpath("tenants/acme.yaml").read_text()
    project_repo.write(
        "tenants/acme.yaml", text.replace("tier: free", "tier: standard") + "placement: pool-a\n"
    )
    project_repo.commit("acme upgrades")
    assert selected(project_repo).names == ["dev", "dev.acme"]


def test_changes_accumulate_over_several_commits(project_repo):
    base = project_repo.git("rev-parse", "HEAD").strip()
    project_repo.append("tenants/globex.yaml", "subdomain: globex-app\n")
    project_repo.commit("one")
    project_repo.append("tenants/initech.yaml", "ha: false\n")
    project_repo.commit("two")
    assert selected(project_repo, ref=base).names == ["dev.globex", "dev.initech"]


def test_explicit_tenants_and_changes_are_united(project_repo):
    project_repo.append("tenants/globex.yaml", "subdomain: globex-app\n")
    project_repo.commit("globex")
    assert selected(project_repo, tenants=["initech", "acme"]).names == [
        "dev",
        "dev.globex",
        "dev.initech",
    ]


def test_only_changes_since_the_merge_base_count(project_repo):
    """Work merged into main after the branch point is not this branch's change."""
    project_repo.git("checkout", "-q", "-b", "feature")
    project_repo.append("tenants/globex.yaml", "subdomain: globex-app\n")
    project_repo.commit("feature change")
    project_repo.git("checkout", "-q", "main")
    project_repo.append("tenants/initech.yaml", "ha: false\n")
    project_repo.commit("main moves on")
    project_repo.git("checkout", "-q", "feature")
    assert selected(project_repo, ref="main").names == ["dev.globex"]


def test_an_unknown_ref_is_a_clear_error(project_repo):
    with pytest.raises(GitError, match="no-such-ref"):
        selected(project_repo, ref="no-such-ref")
