"""Connecting to PostgreSQL without ever showing a password, and setting the tenant context."""

from __future__ import annotations

import re
import urllib.parse

import psycopg
from psycopg import conninfo

from tenancy.db.errors import ConnectionFailed, InvalidDsn

TENANT_SETTING = "app.current_tenant"
CONNECT_TIMEOUT_SECONDS = 10
MASK = "****"

# Session settings that fix how values render as text, so checksums computed on two servers agree.
_DETERMINISTIC_TEXT_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}

_PASSWORD_KV = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)


def _password_of(dsn: str) -> str | None:
    try:
        password = conninfo.conninfo_to_dict(dsn).get("password")
    except psycopg.Error:
        return None
    return None if password is None else str(password)


def redact(text: str, *dsns: str) -> str:
    """``text`` with every password it may contain (from ``dsns`` or any DSN-looking part)
    masked."""
    for dsn in dsns:
        password = _password_of(dsn)
        if password:
            for form in {
                password,
                urllib.parse.quote(password, safe=""),
                urllib.parse.quote(password),
            }:
                text = text.replace(form, MASK)
    text = _PASSWORD_KV.sub(lambda m: m.group(1) + MASK, text)
    return _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)


def with_password(dsn: str, password: str) -> str:
    """``dsn`` with ``password`` set (replacing any it holds). An unparseable DSN comes back
    unchanged, for connect() to refuse with its own message."""
    try:
        return conninfo.make_conninfo(dsn, password=password)
    except psycopg.Error:
        return dsn


def describe_dsn(dsn: str) -> str:
    """``user@host:port/dbname`` for messages: enough to recognise a database, never a password."""
    try:
        parts = conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return "<unparseable DSN>"
    user = parts.get("user") or "<default user>"
    host = parts.get("host") or parts.get("hostaddr") or "<default host>"
    port = parts.get("port") or "5432"
    dbname = parts.get("dbname") or "<default database>"
    return f"{user}@{host}:{port}/{dbname}"


def connect(dsn: str, role: str) -> psycopg.Connection:
    """An autocommit connection (transactions are always explicit) for the ``role`` database,
    e.g. "source" or "target", with a clear error naming it when that fails."""
    try:
        conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        # The parser's own message quotes fragments of the DSN, which may be the password.
        raise InvalidDsn(
            f"the {role} DSN is not a valid PostgreSQL connection string (expected "
            "'host=... port=... dbname=... user=...' or 'postgresql://user@host:port/dbname')"
        ) from None
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="tenancy",
        )
    except psycopg.Error as exc:
        reason = " ".join(redact(str(exc), dsn).split())
        raise ConnectionFailed(
            f"cannot connect to the {role} database {describe_dsn(dsn)}: {reason}"
        ) from None
    for name, value in _DETERMINISTIC_TEXT_SETTINGS.items():
        conn.execute("SELECT set_config(%s, %s, false)", [name, value])
    return conn


def set_tenant(conn: psycopg.Connection, tenant_id: str) -> None:
    """Scope the session to one tenant: row-level security compares against this setting."""
    conn.execute("SELECT set_config(%s, %s, false)", [TENANT_SETTING, tenant_id])
