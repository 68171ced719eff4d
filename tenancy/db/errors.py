"""Errors of the database tooling. Every message names the table, tenant or file and the reason,
and none of them ever contains a password."""
from __future__ import annotations


class DatabaseToolError(Exception):
    """Base class: the CLI prints these as one clear line and exits non-zero."""


class InvalidDsn(DatabaseToolError):
    pass


class ConnectionFailed(DatabaseToolError):
    pass


class MigrationFilesError(DatabaseToolError):
    """The migrations directory is missing, misnamed, or disagrees with the database."""


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
