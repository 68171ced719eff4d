"""The few git questions the automation asks: what changed since a ref, what a file was at a ref.

Plain ``git`` subprocesses; every failure becomes a ``GitError`` with git's own message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
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


@dataclass(frozen=True)
class TreeEntry:
    """One entry of ``git ls-tree``: what a commit holds at a path."""

    mode: str  # 100644, 100755, 120000 (symbolic link), 160000 (submodule), 040000 (tree)
    kind: str  # blob, tree, commit
    oid: str

    @property
    def regular(self) -> bool:
        """A file a checkout writes byte for byte (not a link, a submodule or a directory)."""
        return self.kind == "blob" and self.mode in ("100644", "100755")


def _git_bytes(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        raise GitError(f"git {' '.join(args[:2])}: {error or f'exit code {done.returncode}'}")
    return done.stdout


def ls_tree(commit: str, paths: list[str], cwd: Path) -> dict[str, TreeEntry]:
    """Every entry at or under ``paths`` (relative to the repository root; ``.`` is all) at
    ``commit``, directories and the directories leading to them included. Names are decoded as
    the file system decodes them, so they compare with a directory listing."""
    out = _git_bytes(
        ["--literal-pathspecs", "ls-tree", "-r", "-t", "-z", "--full-tree", commit, "--", *paths],
        cwd,
    )
    entries: dict[str, TreeEntry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.decode().split(" ")
        entries[os.fsdecode(name)] = TreeEntry(mode, kind, oid)
    return entries


def blob_id(data: bytes, like: str) -> str:
    """The id git gives a blob of ``data``, in the object format of the id ``like`` (SHA-1 ids
    are 40 hex digits, SHA-256 ids 64)."""
    algorithm = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def read_blobs(oids: Iterable[str], cwd: Path) -> dict[str, bytes]:
    """The bytes of each blob, by id, through one ``git cat-file --batch``. Asking by id costs
    the same in any tree (a ``commit:path`` request walks the path through its trees, and a
    directory of thousands of files made a registry's worth of requests quadratic). Ids git
    does not have, or that are no blob, are left out."""
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    out = _git_bytes(["cat-file", "--batch"], cwd, "".join(f"{oid}\n" for oid in wanted).encode())
    found: dict[str, bytes] = {}
    at = 0
    for oid in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        at = end + 1
        if len(header) != 3 or header[0].decode() != oid:
            continue  # "<id> missing"
        size = int(header[2])
        if header[1] == b"blob":
            found[oid] = out[at : at + size]
        at += size + 1
    return found


def blob_text(data: bytes) -> str | None:
    """A blob as ``show_file`` reads a file: UTF-8 text with universal newlines; None when it is
    not UTF-8."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
