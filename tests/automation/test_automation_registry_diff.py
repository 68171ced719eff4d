"""A tenant file may only be deleted after its merged status was ``offboarding``."""

from __future__ import annotations

import pytest

from tenancy.automation.git import GitError
from tenancy.automation.registry_diff import removed_without_offboarding


def on_branch(repo):
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def test_deleting_an_active_tenant_is_an_error_naming_the_file(project_repo):
    repo = on_branch(project_repo)
    repo.rm("tenants/globex.yaml")
    repo.commit("drop globex")
    problems = removed_without_offboarding("main", repo.path / "tenants")
    assert [(p.file, p.field) for p in problems] == [("globex.yaml", "status")]
    assert "'active'" in problems[0].reason and "offboarding" in problems[0].reason
    assert "globex.yaml" in str(problems[0])


def test_deleting_an_offboarded_tenant_is_fine(project_repo):
    repo = on_branch(project_repo)
    repo.rm("tenants/umbrella.yaml")
    repo.commit("umbrella is gone")
    assert removed_without_offboarding("main", repo.path / "tenants") == []


def test_an_uncommitted_deletion_counts_too(project_repo):
    (project_repo.path / "tenants" / "initech.yaml").unlink()
    problems = removed_without_offboarding("main", project_repo.path / "tenants")
    assert [p.file for p in problems] == ["initech.yaml"]


def test_offboarding_set_in_the_same_change_as_the_deletion_does_not_count(project_repo):
    """The status must have been merged (and deployed) before; the base version decides."""
    repo = on_branch(project_repo)
    text = (repo.path / "tenants" / "acme.yaml").read_text()
    repo.write("tenants/acme.yaml", text + "status: offboarding\n")
    repo.commit("offboard")
    repo.rm("tenants/acme.yaml")
    repo.commit("and delete at once")
    assert [p.file for p in removed_without_offboarding("main", repo.path / "tenants")] == [
        "acme.yaml"
    ]


def test_a_suspended_tenant_is_named_with_its_status(project_repo):
    text = (project_repo.path / "tenants" / "globex.yaml").read_text()
    project_repo.write("tenants/globex.yaml", text + "status: suspended\n")
    project_repo.commit("suspend globex")
    repo = on_branch(project_repo)
    repo.rm("tenants/globex.yaml")
    repo.commit("drop")
    (problem,) = removed_without_offboarding("main", repo.path / "tenants")
    assert "'suspended'" in problem.reason


def test_tenants_added_on_the_base_after_branching_are_not_deletions(project_repo):
    repo = on_branch(project_repo)
    repo.write("docs/notes.md", "branch work\n")
    repo.commit("branch work")
    repo.git("checkout", "-q", "main")
    repo.write("tenants/newco.yaml", "id: newco\n")
    repo.commit("newco joins on main")
    repo.git("checkout", "-q", "feature")
    assert removed_without_offboarding("main", repo.path / "tenants") == []


def test_every_offending_file_is_listed(project_repo):
    repo = on_branch(project_repo)
    for name in ("globex", "initech", "umbrella"):
        repo.rm(f"tenants/{name}.yaml")
    repo.commit("mass deletion")
    assert [p.file for p in removed_without_offboarding("main", repo.path / "tenants")] == [
        "globex.yaml",
        "initech.yaml",
    ]


def test_an_unknown_base_ref_raises(project_repo):
    with pytest.raises(GitError, match="origin/nowhere"):
        removed_without_offboarding("origin/nowhere", project_repo.path / "tenants")


def test_the_base_view_reads_files_as_show_file_reads_each(project_repo):
    """Base versions read by blob id, or taken from the working file when it has the base's
    bytes, are show_file's answers: text with universal newlines, None for a missing file,
    git's listing for a directory."""
    from tenancy.automation import git
    from tenancy.automation.base_view import RegistryView

    repo = project_repo
    tenants = repo.path / "tenants"
    (tenants / "crlf.yaml").write_bytes(b"id: crlf\r\ntier: free\r\nx: 'a\rb'\r\n")
    (tenants / "empty.yaml").write_bytes(b"")
    (tenants / "dir.yaml").mkdir()
    (tenants / "dir.yaml" / "inside").write_text("x\n")
    commit = repo.commit("odd files")
    (tenants / "empty.yaml").write_bytes(b"id: empty\n")  # differs from the base
    names = [*git.list_files(commit, "tenants", repo.path), "missing.yaml"]
    texts = RegistryView.at(commit, tenants).texts(names)
    assert list(texts) == names
    assert texts == {name: git.show_file(commit, f"tenants/{name}", repo.path) for name in names}
    assert texts["crlf.yaml"] == "id: crlf\ntier: free\nx: 'a\nb'\n"
    assert texts["empty.yaml"] == "" and texts["missing.yaml"] is None
    assert "inside" in (texts["dir.yaml"] or "")
