"""DSNs are secrets: descriptions never include a password, and redaction masks every form."""

from __future__ import annotations

import pytest

from tenancy.db.connection import describe_dsn, redact


@pytest.mark.parametrize(
    "dsn",
    [
        "host=db.internal port=6432 dbname=app user=migrator password=p%40ss-w0rd!",
        "host=db.internal port=6432 dbname=app user=migrator password='p%40ss w0rd!'",
        "postgresql://migrator:p%2540ss-w0rd%21@db.internal:6432/app?sslmode=require",
    ],
)
def test_description_and_redaction_hide_the_password(dsn: str) -> None:
    assert describe_dsn(dsn) == "migrator@db.internal:6432/app"
    masked = redact(f"could not use {dsn}", dsn)
    assert "w0rd" not in masked and "p%40ss" not in masked and "****" in masked


def test_redaction_without_a_parseable_dsn_still_masks_password_looking_parts() -> None:
    text = "bad: host=x password=s3cr3t and postgres://u:s3cr3t@h/db"
    assert "s3cr3t" not in redact(text)


def test_description_of_an_unparseable_dsn_reveals_nothing() -> None:
    assert describe_dsn("host=x password=abc def") == "<unparseable DSN>"
