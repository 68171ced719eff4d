"""Temporal API key generations in the environment file: what validation refuses, all at once,
with file, line, field and reason; and the `tenancy` commands' exit code (1: a finding)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import TEST_NOW
from typer.testing import CliRunner

from domain import PROJECT_ROOT
from domain.api_keys import Generation, generation_problems, newest
from domain.clock import NOW_ENV, ClockError, now, parse_instant
from domain.conventions import TEMPORAL_API_KEY_MIN_REMAINING_DAYS
from domain.environment import EnvironmentConfigError, load_environment
from domain.provider_facts import (
    TEMPORAL_API_KEY_MAX_LIFETIME_DAYS,
    TEMPORAL_API_KEYS_PER_SERVICE_ACCOUNT,
)

NOW = parse_instant(TEST_NOW)
SAMPLE_KEYS = """      api_keys:  # oldest first; the workers use the newest (docs/operations.md)
        - generation: 2027a
          expires: "2027-06-30T00:00:00Z"
        - generation: 2027b
          expires: "2027-12-31T00:00:00Z"
"""
FIELD = "config.tenancy:settings.temporal.api_keys"


def gen(name: str, days: float) -> Generation:
    return Generation(name, NOW + timedelta(days=days))


def stamp(days: float) -> str:
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def keys_yaml(*entries: tuple[str, str]) -> str:
    lines = ["      api_keys:"]
    for name, expires in entries:
        lines += [f"        - generation: {name}", f'          expires: "{expires}"']
    return "\n".join(lines) + "\n"


def project_with(tmp_path: Path, keys: str) -> Path:
    """A project whose Pulumi.dev.yaml declares ``keys`` instead of the sample's generations."""
    root = tmp_path / "project"
    root.mkdir(parents=True)
    text = (PROJECT_ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert SAMPLE_KEYS in text, "the sample's api_keys block moved; update SAMPLE_KEYS"
    (root / "Pulumi.dev.yaml").write_text(text.replace(SAMPLE_KEYS, keys), encoding="utf-8")
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copytree(PROJECT_ROOT / "tenants", root / "tenants")
    return root


def env_problems(tmp_path: Path, keys: str) -> EnvironmentConfigError:
    with pytest.raises(EnvironmentConfigError) as caught:
        load_environment("dev", project_with(tmp_path, keys))
    return caught.value


# --- the rules, on their own ---------------------------------------------------------------------


def test_the_sample_generations_are_valid_and_the_newest_is_last(settings) -> None:
    keys = settings.temporal.api_keys
    assert [k.generation for k in keys] == ["2027a", "2027b"]
    assert generation_problems([k.as_generation() for k in keys], NOW) == []
    assert newest(keys).generation == "2027b"


LIMIT_DAYS = TEMPORAL_API_KEY_MAX_LIFETIME_DAYS
GAP = TEMPORAL_API_KEY_MIN_REMAINING_DAYS


@pytest.mark.parametrize(
    ("generations", "expected"),
    [
        ([], "no key generation"),
        ([gen("a", 100), gen("a", 200)], "generation 'a' is declared 2 times"),
        ([gen("a", -1)], "generation 'a' expired at"),
        ([gen("a", 0)], "generation 'a' expired at"),  # expiring now is expired
        ([gen("a", LIMIT_DAYS + 1)], "beyond Temporal Cloud's maximum key lifetime of 730 days"),
        ([gen("a", 200), gen("b", 200 + GAP - 1)], "'a' and 'b' do not overlap for a rotation"),
        ([gen("b", 300), gen("a", 100)], "'b' and 'a' do not overlap"),  # newest listed first
        (
            [gen(f"g{i}", 40 + GAP * i) for i in range(TEMPORAL_API_KEYS_PER_SERVICE_ACCOUNT + 1)],
            "21 generations: each is one key of every namespace's service account",
        ),
    ],
    ids=["none", "duplicate", "expired", "expiring-now", "too-long", "too-close", "reversed", "21"],
)
def test_each_rule_catches_its_mutation(generations, expected) -> None:
    problems = generation_problems(generations, NOW)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "generations",
    [
        [gen("a", 1)],  # one generation, still valid: a rotation is due, not an error here
        [gen("a", LIMIT_DAYS)],  # exactly the maximum lifetime
        [gen("a", 100), gen("b", 100 + GAP)],  # exactly the overlap
        [gen(f"g{i}", 40 + GAP * i) for i in range(TEMPORAL_API_KEYS_PER_SERVICE_ACCOUNT)],
    ],
    ids=["one", "max-lifetime", "min-overlap", "20"],
)
def test_the_boundaries_are_accepted(generations) -> None:
    assert generation_problems(generations, NOW) == []


def test_the_clock_is_pinned_and_refuses_a_bad_pin(monkeypatch) -> None:
    assert now() == NOW
    monkeypatch.setenv(NOW_ENV, "2027-01-01T00:00:00")
    with pytest.raises(ClockError, match="no offset"):
        now()
    monkeypatch.delenv(NOW_ENV)
    assert abs(now() - datetime.now(UTC)) < timedelta(minutes=1)


# --- the environment file -----------------------------------------------------------------------


def test_every_problem_is_reported_at_once_with_file_line_and_field(tmp_path) -> None:
    keys = keys_yaml(
        ("old", stamp(-2)),
        ("old", stamp(LIMIT_DAYS + 10)),
        ("new", stamp(LIMIT_DAYS + 5)),
    )
    error = env_problems(tmp_path, keys)
    assert len(error.problems) == 1 and error.findings_only, error.problems
    problem = error.problems[0]
    assert problem.startswith("Pulumi.dev.yaml:") and FIELD in problem, problem
    for reason in (
        "generation 'old' is declared 2 times",
        "generation 'old' expired at",
        "generation 'new' expires at",
        "maximum key lifetime",
        "'old' and 'new' do not overlap",
    ):
        assert reason in problem, (reason, problem)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("      api_keys: []\n", "no key generation"),
        (keys_yaml(("2027a", "2027-06-30T00:00:00+00:00")), "must be RFC 3339 in UTC with Z"),
        (keys_yaml(("2027a", "2027-02-30T00:00:00Z")), "is not a valid date and time"),
        (
            keys_yaml(("Gen_A", stamp(100))),
            "api_keys.0.generation: 'Gen_A' is not in the expected format",
        ),
        ('      api_key_expiry: "2027-12-31T00:00:00Z"\n', "replaced by api_keys"),
    ],
    ids=["empty", "offset-form", "no-such-day", "bad-name", "legacy-field"],
)
def test_malformed_generations_are_refused(tmp_path, keys, expected) -> None:
    error = env_problems(tmp_path, keys)
    assert any(expected in p for p in error.problems), error.problems
    assert all(p.startswith("Pulumi.dev.yaml:") for p in error.problems), error.problems


def test_a_self_hosted_backend_needs_no_keys(tmp_path) -> None:
    root = project_with(tmp_path, "")
    path = root / "Pulumi.dev.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "      backend: cloud\n",
        "      backend: self-hosted\n      endpoint: temporal-frontend.temporal.svc:7233\n",
    )
    path.write_text(text, encoding="utf-8")
    assert load_environment("dev", root).temporal.api_keys == []


@pytest.fixture
def cli():
    """Invoke `tenancy`; --project-dir is process state, so it is forgotten afterwards."""
    from domain.project import set_project_dir
    from tenancy.cli import app

    yield lambda *args: CliRunner().invoke(app, list(args))
    set_project_dir(None)


def test_the_cli_exits_1_for_keys_and_2_for_a_broken_file(tmp_path, cli) -> None:

    expired = project_with(tmp_path / "a", keys_yaml(("old", stamp(-1)), ("new", stamp(90))))
    result = cli("--project-dir", str(expired), "validate")
    assert result.exit_code == 1, result.output
    assert "generation 'old' expired at" in result.output.replace("\n", " ")
    assert "Traceback" not in result.output

    broken = project_with(tmp_path / "b", keys_yaml(("old", stamp(-1))) + "      nonsense: true\n")
    result = cli("--project-dir", str(broken), "validate")
    assert result.exit_code == 2, result.output
