"""`tenancy keys`: which Temporal API keys expire when, on the suite's day and on later days; the
report names the same keys the program builds, and never a token."""

from __future__ import annotations

import json

import pytest
from support import TEST_NOW
from typer.testing import CliRunner

from domain.clock import parse_instant
from tenancy.ops.keys import key_report

APIKEY = "temporalcloud:index/apikey:Apikey"


@pytest.fixture
def cli():
    from tenancy.cli import app

    return lambda *args: CliRunner().invoke(app, list(args))


def test_the_report_names_the_keys_the_program_builds(settings, registry, sample_plan) -> None:
    report = key_report(settings, registry, parse_instant(TEST_NOW))
    assert [(g.generation, g.role) for g in report.generations] == [
        ("2027a", "retiring"),
        ("2027b", "in use"),
    ]
    assert report.findings == []
    reported = {(k.stack, k.resource) for g in report.generations for k in g.keys}
    planned = {
        (s.name, r.name) for s in sample_plan.stacks for r in s.resources if r.type == APIKEY
    }
    assert reported == planned


@pytest.mark.parametrize(
    ("at", "code", "expected"),
    [
        (TEST_NOW, 0, "no rotation due"),
        ("2027-07-01T00:00:00Z", 1, "generation '2027a' expired at 2027-06-30T00:00:00Z"),
        ("2027-12-10T00:00:00Z", 1, "rotation due: the newest generation '2027b'"),
        ("2027-12-01T00:00:01Z", 1, "rotation due"),  # 29 days and a bit: inside the 30
        ("2027-12-01T00:00:00Z", 1, "generation '2027a' expired"),  # exactly 30 days left is fine
    ],
    ids=["today", "old-expired", "newest-short", "just-inside", "boundary"],
)
def test_due_steps_exit_1(cli, tmp_path, at, code, expected) -> None:
    path = tmp_path / "keys.json"
    result = cli("keys", "--at", at, "--json", str(path))
    text = " ".join(result.output.split())
    assert result.exit_code == code, result.output
    assert expected in text, text
    data = json.loads(path.read_text())
    assert data["at"] == at and data["min_remaining_days"] == 30
    assert "token" not in path.read_text().lower()
    if expected.startswith("generation '2027a' expired") and at.startswith("2027-12-01"):
        assert "rotation due" not in text  # 30 days exactly still suffice


def test_a_bad_instant_is_a_usage_error(cli) -> None:
    result = cli("keys", "--at", "tomorrow")
    assert result.exit_code == 2 and "--at" in result.output
