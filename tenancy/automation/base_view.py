"""The tenants directory at a base commit against the working tree, listed once per command.

``git ls-tree`` gives each base file's blob id; a working file whose bytes have the same blob id
is unchanged, so its base version is the bytes the head already read: it is neither read from git
nor parsed again, and it cannot change a tenant's status, tier or encryption. Only the files that
differ (or are gone) are read from git, by blob id, in one ``git cat-file --batch``: the cost
follows the change, not the size of the registry.

Equal blob ids mean equal bytes as far as git itself is concerned (``git status`` trusts them the
same way; git refuses to store either half of a known SHA-1 collision attack).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from domain.registry.loader import registry_files
from domain.yamlio import MAX_BYTES
from tenancy.automation import git


@dataclass
class RegistryView:
    root: Path  # the repository's top
    commit: str  # the base commit (a commit id)
    tenants_dir: Path  # the working tree's tenants directory
    relative: str  # the tenants directory relative to the repository root
    base: dict[str, git.TreeEntry]  # entries directly inside the directory at the base, by name
    head_files: list[Path]  # the tenant files the registry reads (registry_files' answer)
    _head_bytes: dict[str, bytes | None] = field(default_factory=dict, repr=False)
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)
    _unchanged: dict[str, bool] = field(default_factory=dict, repr=False)
    _head_names: set[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._head_names = {path.name for path in self.head_files}

    @classmethod
    def build(
        cls,
        base_ref: str,
        tenants_dir: Path,
        head_files: list[Path] | None = None,
        head_bytes: Mapping[str, bytes] | None = None,
    ) -> RegistryView:
        """The view against the merge base of ``base_ref`` with HEAD. ``head_files`` and
        ``head_bytes`` (file name -> bytes, as the head read them) save reading the directory
        again. Raises ``git.GitError`` for an unknown ref or a directory outside git."""
        tenants_dir = Path(tenants_dir)
        root = git.repo_root(tenants_dir)
        base = git.merge_base(base_ref, root)
        return cls.at(base, tenants_dir, head_files, head_bytes, root)

    @classmethod
    def at(
        cls,
        commit: str,
        tenants_dir: Path,
        head_files: list[Path] | None = None,
        head_bytes: Mapping[str, bytes] | None = None,
        root: Path | None = None,
    ) -> RegistryView:
        """The view against ``commit`` itself."""
        tenants_dir = Path(tenants_dir)
        root = root or git.repo_root(tenants_dir)
        relative = git.relative_to_repo(tenants_dir, root)
        prefix = "" if relative == "." else relative + "/"
        base: dict[str, git.TreeEntry] = {}
        for path, entry in git.ls_tree(commit, [relative], root).items():
            name = path[len(prefix) :]
            if path.startswith(prefix) and name and "/" not in name:
                base[name] = entry
        if head_files is None:
            head_files = registry_files(tenants_dir)[0]
        view = cls(root, commit, tenants_dir, relative, base, sorted(head_files, key=_name))
        view._head_bytes.update(head_bytes or {})
        return view

    def in_head(self, name: str) -> bool:
        return name in self._head_names

    def head_exists(self, name: str) -> bool:
        """Whether the working tree has an entry ``name`` (a link is followed)."""
        return self.in_head(name) or (self.tenants_dir / name).exists()

    def head_bytes(self, name: str) -> bytes | None:
        """A tenant file's bytes as the head reads them (at most MAX_BYTES + 1)."""
        if name not in self._head_bytes:
            try:
                with (self.tenants_dir / name).open("rb") as handle:
                    self._head_bytes[name] = handle.read(MAX_BYTES + 1)
            except OSError:
                self._head_bytes[name] = None
        return self._head_bytes[name]

    def unchanged(self, name: str) -> bool:
        """The registry reads the same bytes at the base and in the working tree: a regular file
        at the base whose blob id equals that of the working file's bytes."""
        if name not in self._unchanged:
            entry = self.base.get(name)
            ours = entry is not None and entry.regular and self.in_head(name)
            data = self.head_bytes(name) if ours else None
            self._unchanged[name] = (
                entry is not None
                and data is not None
                and len(data) <= MAX_BYTES  # else only a prefix was read
                and git.blob_id(data, entry.oid) == entry.oid
            )
        return self._unchanged[name]

    def texts(self, names: Iterable[str]) -> dict[str, str | None]:
        """Each base version's text as ``git.show_file`` reads it (None: absent or unreadable).
        Unchanged files are the head's bytes; blobs are read by id, all in one git process;
        anything else (a directory, a submodule) is asked of ``show_file`` as it always was."""
        asked = list(dict.fromkeys(names))
        wanted = [n for n in asked if n not in self._texts]
        fetch: dict[str, str] = {}
        for name in wanted:
            entry = self.base.get(name)
            if entry is None:
                self._texts[name] = None
            elif self.unchanged(name):
                self._texts[name] = git.blob_text(self.head_bytes(name) or b"")
            elif entry.kind == "blob":
                fetch[name] = entry.oid
            else:
                self._texts[name] = git.show_file(self.commit, self.path_of(name), self.root)
        blobs = git.read_blobs(fetch.values(), self.root)
        for name, oid in fetch.items():
            self._texts[name] = git.blob_text(blobs[oid]) if oid in blobs else None
        return {name: self._texts[name] for name in asked}

    def path_of(self, name: str) -> str:
        """A tenant file's path relative to the repository root."""
        return name if self.relative == "." else f"{self.relative}/{name}"


def _name(path: Path) -> str:
    return path.name


__all__ = ["RegistryView"]
