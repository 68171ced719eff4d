"""The migration set: ``migrations/NNNN_name.sql``, read and checksummed. The stack program
ships these files to every MigrationJob; the database tooling applies them."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.project import project_root

MIGRATIONS_DIR_ENV = "TENANCY_MIGRATIONS_DIR"


def default_migrations_dir() -> Path:
    """``migrations/`` of the project (looked up when called, see domain.project)."""
    return project_root() / "migrations"


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_MIGRATIONS_DIR":  # read when used: the project is found then
        return default_migrations_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


class MigrationFilesError(Exception):
    """The migrations directory is missing, misnamed, or disagrees with the database."""


@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path
    sql: str
    checksum: str

    @property
    def file_name(self) -> str:
        return self.path.name


def resolve_migrations_dir(explicit: Path | str | None = None) -> Path:
    """The flag wins, then the environment (the Kubernetes Job mounts a ConfigMap), then the
    repo."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(MIGRATIONS_DIR_ENV)
    return Path(from_env) if from_env else default_migrations_dir()


def checksum_of(sql: str) -> str:
    # Line endings are normalised so a Windows checkout or a ConfigMap round trip stays equal.
    return hashlib.sha256(sql.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def load_migrations(directory: Path | str | None = None) -> list[MigrationFile]:
    root = resolve_migrations_dir(directory)
    if not root.is_dir():
        raise MigrationFilesError(f"migrations directory {root} does not exist")
    files: list[MigrationFile] = []
    seen: dict[str, str] = {}
    # ConfigMap volumes also hold hidden '..data' entries: only visible *.sql files count.
    for path in sorted(
        p for p in root.iterdir() if p.suffix == ".sql" and not p.name.startswith(".")
    ):
        match = FILE_NAME.fullmatch(path.name)
        if not match:
            raise MigrationFilesError(
                f"migration file {path.name} is not named NNNN_lowercase_name.sql"
            )
        version = match["version"]
        if version in seen:
            raise MigrationFilesError(
                f"migration version {version} is used by both {seen[version]} and {path.name}"
            )
        seen[version] = path.name
        sql = path.read_text(encoding="utf-8")
        files.append(MigrationFile(version, match["name"], path, sql, checksum_of(sql)))
    if not files:
        raise MigrationFilesError(f"migrations directory {root} holds no NNNN_name.sql files")
    return files
