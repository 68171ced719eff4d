"""The base side's content keys from git alone, without checking the base out.

``Keys.of`` on a checkout of the base reads the code files (``keys.code_files``: ``os.walk`` with
sorted directories), the environment file and the tenant files. A checkout writes each tracked
regular file's blob as it is stored, unless something converts it on the way (attributes,
``core.autocrlf``, a sparse checkout) or the entry is no plain file (a symbolic link, a
submodule). Without those, the same paths and bytes come from ``git ls-tree`` and the blobs: a
blob whose id equals that of bytes the head already read is those bytes; only the others are
read, by id, in one ``git cat-file --batch``. With any of them, ``base_keys`` answers None and the
caller checks the base out as before.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from domain.yamlio import MAX_BYTES
from tenancy.automation import git
from tenancy.plan.incremental import Keys
from tenancy.plan.keys import (
    _SKIP_DIRS,
    _SKIP_SUFFIXES,
    CODE_DIRS,
    CODE_FILES,
    NO_ENVIRONMENT,
    KeyInputs,
    TenantInput,
    not_a_file,
    tenant_input,
)

CLI = "tenancy/cli.py"


@dataclass(frozen=True)
class BaseSide:
    keys: Keys
    has_cli: bool  # the base has ``tenancy/cli.py`` (its own plan command)


def base_keys(
    root: Path, commit: str, project: str, tenants: str, env: str, head: Keys
) -> BaseSide | None:
    """``Keys.of(checkout / project, env, checkout / project / tenants, like=head)`` for a
    checkout of ``commit``, read from git (``project``: the project's path in the repository,
    ``.`` for its top; ``tenants``: the tenants directory's path in the project). None when a
    checkout could hold other bytes than the blobs, or git cannot answer: check the base out."""
    try:
        return _base_keys(root, commit, project, tenants, env, head)
    except git.GitError:
        return None


def _base_keys(
    root: Path, commit: str, project: str, tenants: str, env: str, head: Keys
) -> BaseSide | None:
    prefix = "" if project == "." else project.rstrip("/") + "/"
    env_file = f"Pulumi.{env}.yaml"
    ancestors = [str(p) for p in PurePosixPath(project).parents] if prefix else []
    # The project, and the attributes files of the directories above it.
    above = [".gitattributes" if a == "." else f"{a}/.gitattributes" for a in ancestors]
    listing = git.ls_tree(commit, [project, *above], root)
    if prefix and (project not in listing or listing[project].kind != "tree"):
        return None  # no project directory at the base, or a link to one
    entries = {path[len(prefix) :]: e for path, e in listing.items() if path.startswith(prefix)}
    relevant = (*CODE_DIRS, *CODE_FILES, env_file, tenants, CLI)
    if any(path.rpartition("/")[2] == ".gitattributes" for path in listing):
        return None  # attributes may convert or filter what a checkout writes
    odd = [
        p for p, e in entries.items() if e.kind == "commit" or (e.kind == "blob" and not e.regular)
    ]
    if any(_related(path, r) for path in odd for r in relevant):
        return None  # a submodule or a link: a checkout writes no such plain file
    if _checkout_converts(root):
        return None

    inside: dict[str, list[tuple[str, git.TreeEntry]]] = {}
    for path, entry in entries.items():
        directory, _, name = path.rpartition("/")
        inside.setdefault(directory, []).append((name, entry))
    code = [p for top in CODE_DIRS for p in _walk(entries, inside, top)]
    code += [name for name in CODE_FILES if name in entries]
    files = [*code, env_file]
    if any(name in entries and not entries[name].regular for name in files):
        return None  # a directory where a file is read
    tenant_dir = entries.get(tenants)
    tenant_entries = (
        {
            path.rsplit("/", 1)[1]: entry
            for path, entry in entries.items()
            if path.startswith(tenants + "/") and "/" not in path[len(tenants) + 1 :]
        }
        if tenant_dir is not None and tenant_dir.kind == "tree"
        else {}
    )
    if tenants == "." or (tenant_dir is not None and tenant_dir.kind != "tree"):
        return None
    names = sorted(n for n in tenant_entries if n.endswith(".yaml"))

    # Bytes the head read, by blob id: most of the base's files are among them.
    known: dict[str, bytes] = {}
    like = next(iter(listing.values())).oid if listing else "0" * 40
    inputs = head.inputs
    for data in [
        *(data for _, data in (inputs.code if inputs else ())),
        *([inputs.env_bytes] if inputs and inputs.env_bytes else []),
        *(t.data for t in head.tenants.values() if len(t.data) <= MAX_BYTES),
    ]:
        known[git.blob_id(data, like)] = data
    wanted = [entries[p].oid for p in files if p in entries]
    wanted += [tenant_entries[n].oid for n in names if tenant_entries[n].regular]
    fetched = git.read_blobs((oid for oid in wanted if oid not in known), root)
    known.update(fetched)
    if any(oid not in known for oid in wanted):
        return None

    env_bytes = known[entries[env_file].oid] if env_file in entries else NO_ENVIRONMENT
    shared = KeyInputs.of_parts(env, env_bytes, [(p, known[entries[p].oid]) for p in code])
    by_file = {t.file: t for t in head.tenants.values()}
    found: dict[str, TenantInput] = {}
    for name in names:
        entry = tenant_entries[name]
        if entry.regular:
            tenant = tenant_input(name, known[entry.oid][: MAX_BYTES + 1], by_file)
        else:  # a directory named *.yaml
            tenant = not_a_file(name)
        found[tenant.tenant_id] = tenant
    return BaseSide(Keys.of_inputs(shared, found), CLI in entries)


def _related(path: str, root: str) -> bool:
    """``path`` is ``root``, inside it, or a directory on the way to it."""
    return path == root or path.startswith(root + "/") or root.startswith(path + "/")


def _walk(
    entries: dict[str, git.TreeEntry], inside: dict[str, list[tuple[str, git.TreeEntry]]], top: str
) -> list[str]:
    """The files ``keys._code_files`` finds under ``top`` in a checkout: ``os.walk`` top-down,
    a directory's files (sorted) before its subdirectories (sorted, some skipped). ``inside``:
    each directory's entries."""
    if top not in entries or entries[top].kind != "tree":
        return []
    files = [name for name, entry in inside.get(top, []) if entry.kind != "tree"]
    dirs = [name for name, entry in inside.get(top, []) if entry.kind == "tree"]
    found = [f"{top}/{n}" for n in sorted(files) if not n.endswith(_SKIP_SUFFIXES)]
    for name in sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info")):
        found += _walk(entries, inside, f"{top}/{name}")
    return found


def _checkout_converts(root: Path) -> bool:
    """Whether a checkout may write other bytes than the blobs, or leave files out: end-of-line
    conversion or filters through attributes or configuration, or a sparse checkout (the tree's
    own .gitattributes are looked at by the caller)."""
    done = subprocess.run(
        ["git", "config", "-z", "--get-regexp", r"^core\.(autocrlf|eol|attributesfile|sparse)"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    settings: dict[str, str] = {}
    for record in done.stdout.decode(errors="replace").split("\0"):
        key, _, value = record.partition("\n")
        if key:
            settings[key.lower()] = value.strip().lower()
    if settings.get("core.autocrlf", "false") not in ("false", "no", "off", "0", ""):
        return True
    if settings.get("core.eol", "lf") not in ("lf", "native", ""):
        return True
    if settings.get("core.sparsecheckout", "false") not in ("false", "no", "off", "0", ""):
        return True
    attribute_files = [Path("/etc/gitattributes")]
    if "core.attributesfile" in settings:
        attribute_files.append(Path(os.path.expanduser(settings["core.attributesfile"])))
    else:
        config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        attribute_files.append(Path(config_home, "git", "attributes"))
    info = git.run_git(["rev-parse", "--git-path", "info/attributes"], root).strip()
    attribute_files.append(root / info)
    return any(_non_empty(path) for path in attribute_files)


def _non_empty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


__all__ = ["BaseSide", "base_keys"]
