"""The registry at the base, read from ``git ls-tree`` and blob ids (automation/base_view.py),
gives what reading every base file by path gave: a table of base -> head changes in a real git
repository, each compared with the old computation kept here as the reference, and an attacker's
twin for each way a head could try to pass for the base."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from automation_fakes import GitRepo

from domain.lifecycle import TenantState, tier_path
from domain.registry import Problem, RegistryError
from domain.registry.loader import registry_files
from domain.tiers import Status
from domain.yamlio import Lines, load_yaml_fast
from tenancy.automation import git
from tenancy.automation.base_view import RegistryView
from tenancy.automation.registry_diff import (
    SET_AT_CREATION,
    _encryption,
    _offboarding_problem,
    pull_request_problems,
    tenant_doc_of,
)
from tenancy.lifecycle.guards import _tier_line, tier_changes_without_path
from tenancy.lifecycle.transitions import state_of, states_at, states_in_dir

# --- the reference: every base file read by path, as before the view ----------------------------


def _base(base_ref: str, tenants: Path) -> tuple[Path, str, str, list[str]]:
    root = git.repo_root(tenants)
    relative = git.relative_to_repo(tenants, root)
    base = git.merge_base(base_ref, root)
    return root, relative, base, git.list_files(base, relative, root)


def reference_problems(base_ref: str, tenants: Path) -> list[Problem]:
    root, relative, base, names = _base(base_ref, tenants)

    def old_doc(name: str):
        return tenant_doc_of(git.show_file(base, f"{relative}/{name}", root))

    problems = [
        _offboarding_problem(name, old_doc(name), base_ref)
        for name in names
        if name.endswith(".yaml") and not (tenants / name).exists()
    ]
    for path in registry_files(tenants)[0]:
        doc, problem = load_yaml_fast(path)
        if problem is not None or not isinstance(doc, dict):
            continue
        if path.name not in names:
            if doc.get("status") == Status.OFFBOARDING:
                problems.append(
                    Problem(
                        path.name,
                        "status",
                        Lines(path)(("status",)),
                        f"a new tenant (not in {base_ref}) cannot start as 'offboarding': it "
                        "would be created without deletion protection; use status: active",
                    )
                )
            continue
        before, after = _encryption(old_doc(path.name)), _encryption(doc)
        for key, what in SET_AT_CREATION.items():
            if before[key] != after[key]:
                problems.append(
                    Problem(
                        path.name,
                        f"encryption.{key}",
                        Lines(path)(("encryption", key)) or Lines(path)(("encryption",)),
                        f"was {before[key]} in {base_ref}: the key is set when {what} are "
                        "created and changing it replaces them with empty ones; move the data to "
                        "new instances instead (docs/tiers.md)",
                    )
                )
    return sorted(p for p in problems if p is not None)


def reference_states(commit: str, tenants: Path) -> dict[str, TenantState]:
    root = git.repo_root(tenants)
    relative = git.relative_to_repo(tenants, root)
    states = {}
    for name in git.list_files(commit, relative, root):
        state = state_of(tenant_doc_of(git.show_file(commit, f"{relative}/{name}", root)))
        if name.endswith(".yaml") and state is not None:
            states[name[: -len(".yaml")]] = state
    return states


def reference_tier_problems(base_ref: str, tenants: Path) -> list[Problem]:
    _, _, base, _ = _base(base_ref, tenants)
    before = reference_states(base, tenants)
    problems = []
    for tenant_id, after in sorted(states_in_dir(tenants).items()):
        old = before.get(tenant_id)
        if old is None or old.tier == after.tier:
            continue
        safe, why = tier_path(old.tier, after.tier)
        if not safe:
            problems.append(
                Problem(
                    f"{tenant_id}.yaml",
                    "tier",
                    _tier_line(tenants / f"{tenant_id}.yaml"),
                    f"tier changed from {old.tier!r} at {base_ref} to {after.tier!r}: {why}",
                )
            )
    return problems


# --- the changes ----------------------------------------------------------------------------

CRLF = b"id: crlf\r\ndisplay_name: Crlf\r\ntier: free\r\nregion: us-central1\r\n"
NEWLINE = "nl\nx.yaml"  # a file name with a newline in it (git cat-file --batch reads lines)


def _replace(repo: GitRepo, name: str, old: str, new: str) -> None:
    path = repo.path / "tenants" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# Code files whose order differs between a directory walk (a directory's files before its
# subdirectories) and git's tree order ("x-y.py" < "x.py" < "x/"), and files keys skip.
CODE = {
    "program/x.py": "# x\n",
    "program/x-y.py": "# x-y\n",
    "program/X.py": "# X\n",
    "program/x/y.py": "# y\n",
    "program/x/__pycache__/y.cpython-311.pyc": "compiled",
    "program/z.pyc": "compiled",
    "domain/thing.egg-info/PKG-INFO": "info",
    "domain/__init__.py": "",
    "tenancy/plan/engine.py": "# engine\n",
    "tenancy/cli_helpers.py": "# not code the plan reads\n",
    "__main__.py": "# main\n",
    "pyproject.toml": "[project]\nname = 'x'\n",
}
LINKED = {"link removed", "link becomes a file"}


def _base_extras(repo: GitRepo, link: bool) -> None:
    """What the base holds besides the four tenants: code, a CRLF file, a newline name, and for
    the link changes a link."""
    for path, text in CODE.items():
        repo.write(path, text)
    (repo.path / "tenants" / "crlf.yaml").write_bytes(CRLF)
    (repo.path / "tenants" / NEWLINE).write_text("id: nl\ntier: free\n", encoding="utf-8")
    if link:
        os.symlink("acme.yaml", repo.path / "tenants" / "alias.yaml")


def _born_offboarding(repo: GitRepo) -> None:
    text = (repo.path / "tenants" / "globex.yaml").read_text(encoding="utf-8")
    repo.write("tenants/newco.yaml", text.replace("globex", "newco") + "status: offboarding\n")


def _twin_of_removed(repo: GitRepo) -> None:
    """globex (active) is deleted; a new file carries its exact bytes under another name."""
    data = (repo.path / "tenants" / "globex.yaml").read_bytes()
    (repo.path / "tenants" / "globex.yaml").unlink()
    (repo.path / "tenants" / "globex-twin.yaml").write_bytes(data)


def _twin_of_encrypted(repo: GitRepo) -> None:
    """initech turns encryption on; a copy of its base bytes sits next to it."""
    data = (repo.path / "tenants" / "initech.yaml").read_bytes()
    repo.append("tenants/initech.yaml", "encryption:\n  cloudsql_cmek: true\n")
    (repo.path / "tenants" / "initech-base.yaml").write_bytes(data)


def _newline_twin(repo: GitRepo) -> None:
    """The newline-named tenant is deleted; a file named as its first line would be is added."""
    (repo.path / "tenants" / NEWLINE).unlink()
    repo.write("tenants/nl.yaml", "id: nl\ntier: free\nstatus: offboarding\n")


def _crlf_tier(repo: GitRepo) -> None:
    data = (repo.path / "tenants" / "crlf.yaml").read_bytes()
    (repo.path / "tenants" / "crlf.yaml").write_bytes(data.replace(b"tier: free", b"tier: ent"))


def _link_replaced(repo: GitRepo) -> None:
    """The base's link becomes a file with the bytes the link's target has."""
    data = (repo.path / "tenants" / "acme.yaml").read_bytes()
    (repo.path / "tenants" / "alias.yaml").unlink()
    (repo.path / "tenants" / "alias.yaml").write_bytes(data)


def _code_and_env(repo: GitRepo) -> None:
    repo.append("components/tiers/shared_pool.py", "# changed\n")
    repo.write("program/new_module.py", "# new\n")
    repo.append("Pulumi.dev.yaml", "# a comment\n")


# name -> (change, committed?, the (file, field) problems it must report besides the reference's)
CHANGES: dict[str, tuple[Callable[[GitRepo], None], bool, set[tuple[str, str]]]] = {
    "nothing": (lambda repo: None, True, set()),
    "edit": (lambda r: _replace(r, "globex", "pool-a", "pool-b"), True, set()),
    "add": (
        lambda r: r.write("tenants/newco.yaml", "id: newco\ntier: free\nregion: us-central1\n"),
        False,
        set(),
    ),
    "born offboarding": (_born_offboarding, True, {("newco.yaml", "status")}),
    "remove after offboarding": (lambda r: r.rm("tenants/umbrella.yaml"), True, set()),
    "remove without offboarding": (
        lambda r: r.rm("tenants/globex.yaml"),
        True,
        {("globex.yaml", "status")},
    ),
    "remove uncommitted": (
        lambda r: (r.path / "tenants" / "initech.yaml").unlink(),
        False,
        {("initech.yaml", "status")},
    ),
    "downgrade": (
        lambda r: _replace(r, "initech", "tier: enterprise", "tier: standard"),
        True,
        {("initech.yaml", "tier")},
    ),
    "encryption": (
        lambda r: r.append("tenants/initech.yaml", "encryption:\n  firestore_cmek: true\n"),
        False,
        {("initech.yaml", "encryption.firestore_cmek")},
    ),
    "code and environment": (_code_and_env, True, set()),
    "crlf tier change": (_crlf_tier, False, {("crlf.yaml", "tier")}),
    "link removed": (lambda r: (r.path / "tenants" / "alias.yaml").unlink(), False, set()),
    "link becomes a file": (_link_replaced, True, set()),
    # attacker's twins: bytes or names that pass for a base entry
    "twin of a removed tenant": (_twin_of_removed, True, {("globex.yaml", "status")}),
    "twin of an encrypted tenant": (
        _twin_of_encrypted,
        False,
        {("initech.yaml", "encryption.cloudsql_cmek")},
    ),
    "newline name": (_newline_twin, True, {(NEWLINE, "status"), ("nl.yaml", "status")}),
}


def _on_feature(repo: GitRepo, link: bool) -> GitRepo:
    _base_extras(repo, link)
    repo.commit("odd files")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _changed(project_repo: GitRepo, change: str, link: bool) -> tuple[GitRepo, Any]:
    """The feature branch with ``change`` applied (committed when the change says so), and what
    the change expects."""
    repo = _on_feature(project_repo, link=link)
    apply, commit, expected = CHANGES[change]
    apply(repo)
    if commit:
        repo.commit(change)
    return repo, expected


@pytest.fixture
def base_repo(project_repo: GitRepo) -> GitRepo:
    return _on_feature(project_repo, link=True)


def _head_view(repo: GitRepo) -> RegistryView | None:
    """The view as pr-comment builds it from a valid head registry (None when it is not valid)."""
    from tenancy.plan.incremental import Keys

    try:
        registry = repo.registry()
    except RegistryError:
        return None
    keys = Keys.of_registry(repo.path, "dev", registry)
    return RegistryView.build(
        "main",
        repo.path / "tenants",
        list(registry.files.values()),
        {t.file: t.data for t in keys.tenants.values()},
    )


@pytest.mark.parametrize("change", CHANGES)
def test_the_view_gives_what_reading_every_base_file_gave(project_repo, change):
    base_repo, expected = _changed(project_repo, change, link=change in LINKED)
    tenants = base_repo.path / "tenants"
    base = git.merge_base("main", base_repo.path)

    problems = pull_request_problems("main", tenants)
    tiers = tier_changes_without_path("main", tenants)
    assert problems == reference_problems("main", tenants)
    assert tiers == reference_tier_problems("main", tenants)
    assert states_at(base, tenants) == reference_states(base, tenants)
    assert expected <= {(p.file, p.field) for p in problems + tiers}
    view = RegistryView.build("main", tenants)
    assert pull_request_problems("main", tenants, view) == problems
    assert tier_changes_without_path("main", tenants, view) == tiers
    lent = _head_view(base_repo)
    if lent is not None:
        assert pull_request_problems("main", tenants, lent) == problems
        assert tier_changes_without_path("main", tenants, lent) == tiers


def test_only_files_that_differ_are_read_from_git(base_repo, monkeypatch):
    """An edited tenant among unchanged ones: git is asked for its base bytes only (and for the
    base's link, whose base version is the link's own text, never the head's bytes)."""
    _replace(base_repo, "initech", "tier: enterprise", "tier: standard")
    asked: list[list[str]] = []
    read_blobs = git.read_blobs

    def spy(oids, cwd):
        oids = list(oids)
        asked.append(oids)
        return read_blobs(oids, cwd)

    monkeypatch.setattr(git, "read_blobs", spy)
    monkeypatch.setattr(git, "show_file", lambda *a: pytest.fail("read by path"))
    view = RegistryView.build("main", base_repo.path / "tenants")
    tiers = tier_changes_without_path("main", view.tenants_dir, view)
    assert [(p.file, p.field) for p in tiers] == [("initech.yaml", "tier")]
    assert pull_request_problems("main", view.tenants_dir, view) == []
    wanted = {view.base[name].oid for name in ("initech.yaml", "alias.yaml")}
    assert {oid for call in asked for oid in call} == wanted


def test_a_file_the_same_size_with_other_bytes_is_not_unchanged(base_repo):
    """Same name, same length, different bytes: a different blob id."""
    path = base_repo.path / "tenants" / "initech.yaml"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"tier: enterprise", b"tier: standard  "))
    view = RegistryView.build("main", base_repo.path / "tenants")
    assert len(path.read_bytes()) == len(data)
    assert not view.unchanged("initech.yaml") and view.unchanged("globex.yaml")
    assert [p.file for p in tier_changes_without_path("main", view.tenants_dir, view)] == [
        "initech.yaml"
    ]


def test_blob_ids_are_gits(base_repo):
    for name in ("globex.yaml", "crlf.yaml", NEWLINE):
        data = (base_repo.path / "tenants" / name).read_bytes()
        oid = base_repo.git("hash-object", "--no-filters", f"tenants/{name}").strip()
        assert git.blob_id(data, oid) == oid
        assert git.read_blobs([oid], base_repo.path) == {oid: data}
    assert git.read_blobs(["0" * 40], base_repo.path) == {}


# --- the base's content keys -------------------------------------------------------------------


def _head_keys(repo: GitRepo):
    from tenancy.plan.incremental import Keys

    try:
        return Keys.of_registry(repo.path, "dev", repo.registry())
    except RegistryError:
        return Keys.of(repo.path, "dev", repo.path / "tenants")


def _checkout_keys(repo: GitRepo, head):
    """The reference: the keys of a checkout of the base, as pr-comment computed them before."""
    from tenancy.plan.incremental import Keys

    commit = git.merge_base("main", repo.path)
    with git.temporary_worktree(commit, repo.path) as tree:
        return Keys.of(tree, "dev", tree / "tenants", like=head), (tree / "tenancy/cli.py").exists()


@pytest.mark.parametrize("change", CHANGES)
def test_the_base_keys_from_git_are_the_keys_of_a_checkout(project_repo, change):
    from tenancy.automation.base_keys import base_keys
    from tenancy.automation.pr_data import _states, tenant_changes

    repo, _ = _changed(project_repo, change, link=change in LINKED)
    head = _head_keys(repo)
    expected, has_cli = _checkout_keys(repo, head)
    side = base_keys(repo.path, git.merge_base("main", repo.path), ".", "tenants", "dev", head)
    if change in LINKED:
        assert side is None  # a checkout writes a link, not the blob: it is checked out
        return
    assert side is not None
    assert side.keys == expected  # every stack's key, the facts, each tenant's input
    assert list(side.keys.tenants) == list(expected.tenants)
    assert side.has_cli == has_cli
    assert tenant_changes(side.keys, head) == tenant_changes(expected, head)
    assert _states(side.keys) == _states(expected)
    if change == "code and environment":
        assert not set(side.keys.stacks.values()) & set(head.stacks.values())


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(
            lambda r: r.write(".gitattributes", "*.yaml text eol=crlf\n"), id="attributes"
        ),
        pytest.param(lambda r: r.write("docs/.gitattributes", "* -text\n"), id="any attributes"),
        pytest.param(lambda r: r.git("config", "core.autocrlf", "true"), id="autocrlf"),
        pytest.param(lambda r: os.symlink("x.py", r.path / "program" / "l.py"), id="code link"),
        pytest.param(
            lambda r: os.symlink("../Pulumi.dev.yaml", r.path / "program" / "env.yaml"),
            id="link into code",
        ),
    ],
)
def test_whatever_a_checkout_could_write_differently_is_checked_out(project_repo, setup):
    """A checkout could hold other bytes than the blobs (conversion, a link): no keys from git;
    the caller checks the base out, and the keys are the checkout's."""
    from tenancy.automation.base_keys import base_keys

    _base_extras(project_repo, link=False)
    setup(project_repo)
    commit = project_repo.commit("base")
    head = _head_keys(project_repo)
    assert base_keys(project_repo.path, commit, ".", "tenants", "dev", head) is None


def test_a_project_inside_the_repository_and_a_missing_environment_file(tmp_path):
    """The project in a subdirectory; the base has no environment file yet."""
    from tenancy.automation.base_keys import base_keys
    from tenancy.plan.incremental import Keys

    repo = GitRepo(tmp_path / "repo")
    for path, text in CODE.items():
        repo.write(f"infra/{path}", text)
    repo.write("infra/tenants/acme.yaml", "id: acme\ntier: free\n")
    repo.write("elsewhere/program/x.py", "# not the project's\n")
    commit = repo.commit("base")
    project = repo.path / "infra"
    repo.write("infra/Pulumi.dev.yaml", "config: {}\n")
    repo.append("infra/program/x.py", "# edited\n")
    head = Keys.of(project, "dev", project / "tenants")
    side = base_keys(repo.path, commit, "infra", "tenants", "dev", head)
    with git.temporary_worktree(commit, repo.path) as tree:
        expected = Keys.of(tree / "infra", "dev", tree / "infra/tenants", like=head)
    assert side is not None and side.keys == expected and not side.has_cli
    assert side.keys.stacks != head.stacks


@pytest.mark.parametrize("change", ["edit", "downgrade", "code and environment", "add"])
def test_pr_data_checks_the_base_out_only_when_it_must(project_repo, change, monkeypatch, tmp_path):
    """gather's base side from git equals its base side from a checkout, and makes none (the
    base here has no CLI to run, so nothing else needs one)."""
    from tenancy.automation import pr_data

    repo, _ = _changed(project_repo, change, link=False)
    made: list[str] = []
    worktree = git.temporary_worktree

    def counted(commit: str, cwd: Path):
        made.append(commit)
        return worktree(commit, cwd)

    monkeypatch.setattr(git, "temporary_worktree", counted)

    def gather():
        ctx = pr_data.gather("main", "dev", repo.path, repo.path / "tenants", cache_dir=tmp_path)
        return (
            ctx.validation_problems,
            ctx.tenant_changes,
            ctx.base_states,
            ctx.head_states,
            ctx.base_keys,
            ctx.unchanged_stacks,
            ctx.base_note,
        )

    from_git = gather()
    assert made == []
    monkeypatch.setattr(pr_data, "base_keys_from_git", lambda *args: None)
    assert gather() == from_git
    assert len(made) == 1


def test_a_base_file_that_is_not_utf8_is_unreadable_not_a_traceback(project_repo):
    """Reading it by path raised UnicodeDecodeError; the view says its base version cannot be
    read, which the rule reports conservatively."""
    (project_repo.path / "tenants" / "globex.yaml").write_bytes(b"id: globex\ntier: \xff\n")
    project_repo.commit("not UTF-8")
    project_repo.git("checkout", "-q", "-b", "feature")
    project_repo.rm("tenants/globex.yaml")
    (problem,) = pull_request_problems("main", project_repo.path / "tenants")
    assert problem.file == "globex.yaml" and "cannot be read" in problem.reason


def test_blob_ids_in_a_sha256_repository(tmp_path):
    repo = tmp_path / "repo"
    done = subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", str(repo)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"this git cannot make SHA-256 repositories: {done.stderr.decode().strip()}")
    (repo / "a.yaml").write_bytes(b"id: a\r\ntier: free\r\n")
    oid = subprocess.run(
        ["git", "hash-object", "-w", "--no-filters", "a.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert len(oid) == 64
    assert git.blob_id((repo / "a.yaml").read_bytes(), oid) == oid
    assert git.read_blobs([oid], repo) == {oid: b"id: a\r\ntier: free\r\n"}
