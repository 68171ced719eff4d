"""The few git questions the automation asks: what changed since a ref, what a file was at a ref.

Plain ``git`` subprocesses; every failure becomes a ``GitError`` with git's own message.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    pass


@dataclass(frozen=True)
class ChangedFile:
    path: str  # relative to the repository root, forward slashes
    status: str  # A, M, D, T (renames are reported as D + A)

    @property
    def deleted(self) -> bool:
        return self.status == "D"


def run_git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        raise GitError(
            f"git {' '.join(args)}: {done.stderr.strip() or f'exit code {done.returncode}'}"
        )
    return done.stdout


def repo_root(path: Path) -> Path:
    """The top of the working tree that holds ``path`` (the nearest existing ancestor is asked)."""
    probe = Path(path).resolve()
    while not probe.exists():
        probe = probe.parent
    if probe.is_file():
        probe = probe.parent
    return Path(run_git(["rev-parse", "--show-toplevel"], probe).strip()).resolve()


def resolve_commit(ref: str, cwd: Path) -> str:
    try:
        return run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd).strip()
    except GitError:
        raise GitError(
            f"{ref!r} is not a commit in this repository (fetched with enough history?)"
        ) from None


def merge_base(ref: str, cwd: Path) -> str:
    """Where HEAD branched off ``ref``: what ``git diff REF...HEAD`` compares against.

    Comparing with the merge base keeps changes made on ``ref`` after branching out of the picture.
    Without a common ancestor (shallow clone, unrelated history) the ref itself is used.
    """
    commit = resolve_commit(ref, cwd)
    try:
        return run_git(["merge-base", commit, "HEAD"], cwd).strip()
    except GitError:
        return commit


def changed_files(ref: str, cwd: Path) -> list[ChangedFile]:
    """Files changed between the merge base of ``ref`` and HEAD, deleted files included.

    Callers check ``ref`` first (``merge_base`` does, with a clearer message than git's own).
    """
    # --no-renames: a renamed tenant file is a deleted tenant plus a new one.
    out = run_git(["diff", "--name-status", "--no-renames", "-z", f"{ref}...HEAD"], cwd)
    fields = [f for f in out.split("\0") if f]
    return [
        ChangedFile(path=fields[i + 1], status=fields[i][0]) for i in range(0, len(fields) - 1, 2)
    ]


def show_file(commit: str, path: str, cwd: Path) -> str | None:
    """The text of ``path`` (relative to the repository root) at ``commit``; None if absent."""
    try:
        return run_git(["show", f"{commit}:{path}"], cwd)
    except GitError:
        return None


def show_files(commit: str, paths: list[str], cwd: Path) -> dict[str, str | None]:
    """``show_file`` of many paths through one ``git cat-file --batch`` instead of one process
    each (a registry of a thousand files took seconds of process start-up alone)."""
    batch = [p for p in paths if "\n" not in p and "\r" not in p]
    found: dict[str, str | None] = {}
    if batch:
        request = "".join(f"{commit}:{path}\n" for path in batch).encode()
        try:
            done = subprocess.run(
                ["git", "cat-file", "--batch"],
                cwd=cwd,
                input=request,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        if done.returncode != 0:
            batch = []  # answered one by one below, with git's own errors
        try:
            _read_batch(done.stdout, batch, found)
        except (ValueError, IndexError):
            found.clear()  # not what --batch writes: one by one below
    return {p: found[p] if p in found else show_file(commit, p, cwd) for p in paths}


def _read_batch(out: bytes, paths: list[str], found: dict[str, str | None]) -> None:
    at = 0
    for path in paths:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3:
            found[path] = None  # missing: show_file's answer too
            continue
        if header[1] != b"blob":
            at += int(header[2]) + 1  # a tree or other object: left to show_file
            continue
        size = int(header[2])
        try:
            # As show_file reads it: text with universal newlines.
            text = out[at : at + size].decode()
            found[path] = text.replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            pass  # left to show_file, which decodes as it always has
        at += size + 1


def list_files(commit: str, directory: str, cwd: Path) -> list[str]:
    """Names of the files directly inside ``directory`` (relative to the repository root) at
    ``commit``."""
    prefix = directory.strip("/")
    spec = f"{commit}:{prefix}" if prefix else f"{commit}:"
    try:
        out = run_git(["ls-tree", "-z", "--name-only", spec], cwd)
    except GitError:
        return []  # the directory did not exist at that commit
    return sorted(name for name in out.split("\0") if name)


def relative_to_repo(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        raise GitError(f"{path} is not inside the git repository {root.name}/") from None


@contextmanager
def temporary_worktree(commit: str, cwd: Path) -> Iterator[Path]:
    """A detached, throwaway checkout of ``commit``; removed again on exit."""
    parent = Path(tempfile.mkdtemp(prefix="tenancy-base-"))
    tree = parent / "tree"
    run_git(["worktree", "add", "--detach", "--quiet", str(tree), commit], cwd)
    try:
        yield tree
    finally:
        try:
            run_git(["worktree", "remove", "--force", str(tree)], cwd)
        except GitError:
            run_git(["worktree", "prune"], cwd)
        shutil.rmtree(parent, ignore_errors=True)
