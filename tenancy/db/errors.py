"""Errors of the database tooling. Every message names the table, tenant or file and the reason,
and none of them ever contains a password."""

from __future__ import annotations

from domain.migration_files import MigrationFilesError  # noqa: F401  (the domain reads the files)


class DatabaseToolError(Exception):
    """Base class: the CLI prints these as one clear line and exits non-zero."""


class InvalidDsn(DatabaseToolError):
    pass


class ConnectionFailed(DatabaseToolError):
    pass


class SchemaMismatch(DatabaseToolError):
    pass


class InvalidTenant(DatabaseToolError):
    pass


class UnknownTenant(DatabaseToolError):
    pass


class TargetNotEmpty(DatabaseToolError):
    pass


class VerificationFailed(DatabaseToolError):
    pass


class SameDatabase(DatabaseToolError):
    pass


class PurgeRefused(DatabaseToolError):
    pass


class NotFrozen(DatabaseToolError):
    pass
