"""The hostile-registry table: every command on every hostile pull request, in-process.

Each case is a git repository whose ``main`` holds the sample registry and the dev environment,
with the hostile change on top. Every command must end without a Python traceback, with its
documented exit code, and with a message that names the file (and the field, where there is one).

Exit codes (README, "Commands"): ``validate``, ``plan``, ``cost``, ``new`` and ``pr-comment`` exit 1
when the registry was read and fails validation, and so do ``check`` and ``preview``; every command
exits 2 when the environment file is missing or invalid, except ``pr-comment``, which reports the
problem in the comment it writes and exits 1.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import SAMPLE_TENANTS
from typer.testing import CliRunner

from domain import PROJECT_ROOT
from domain.environment import load_environment
from tenancy.automation import cli as automation_cli
from tenancy.automation.pr_comment import MARKER

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
STRIPE = (SAMPLE_TENANTS / "stripe.yaml").read_text()
COINBASE = (SAMPLE_TENANTS / "coinbase.yaml").read_text()
ROBINHOOD = (SAMPLE_TENANTS / "robinhood.yaml").read_text()
AFIJO = (SAMPLE_TENANTS / "afijo.yaml").read_text()
DEV = (PROJECT_ROOT / "Pulumi.dev.yaml").read_text()


@dataclass(frozen=True)
class Case:
    name: str
    apply: Callable[[Path], None]  # changes the repository (root) into the hostile state
    file: str  # the file every message must name
    field: str | None = None
    environment: bool = False  # the environment file is the hostile part
    secret: str | None = None  # a value that must never be echoed


def tenant(name: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / "tenants" / name).write_text(text, encoding="utf-8")


def env(text: str) -> Callable[[Path], None]:
    return lambda root: (root / "Pulumi.dev.yaml").write_text(text, encoding="utf-8")


def symlink_out(root: Path) -> None:
    outside = root.parent / "outside.yaml"
    outside.write_text(AFIJO.replace("afijo", "leaky").replace("us-central1", "SECRET_TOKEN_abc1"))
    (root / "tenants" / "leaky.yaml").symlink_to(outside)


def binary(root: Path) -> None:
    (root / "tenants" / "binary.yaml").write_bytes(b"id: \xff\xfe\n")


CASES = [
    Case(
        "padded id",
        tenant("stripe .yaml", STRIPE.replace("id: stripe", 'id: "stripe "')),
        "stripe .yaml",
        "id",
    ),
    Case("padded file", tenant("stripe .yaml", STRIPE), "stripe .yaml", "id"),
    Case(
        "cpu as string",
        tenant("coinbase.yaml", COINBASE.replace("namespace_cpu: 8", 'namespace_cpu: "500"')),
        "coinbase.yaml",
        "limits.namespace_cpu",
    ),
    Case(
        "memory as float",
        tenant(
            "coinbase.yaml",
            COINBASE.replace("namespace_memory_gi: 16", "namespace_memory_gi: 999.0"),
        ),
        "coinbase.yaml",
        "limits.namespace_memory_gi",
    ),
    Case(
        "quota as string",
        tenant(
            "coinbase.yaml", COINBASE.replace("storage_quota_gb: 100", 'storage_quota_gb: "9999"')
        ),
        "coinbase.yaml",
        "limits.storage_quota_gb",
    ),
    Case(
        "ha as string",
        tenant("robinhood.yaml", ROBINHOOD.replace("ha: true", 'ha: "yes"')),
        "robinhood.yaml",
        "ha",
    ),
    Case(
        "project as integer",
        tenant(
            "robinhood.yaml", ROBINHOOD.replace("dedicated_project: true", "dedicated_project: 1")
        ),
        "robinhood.yaml",
        "dedicated_project",
    ),
    Case("billion laughs", tenant("laughs.yaml", LAUGHS), "laughs.yaml"),
    Case("recursive alias", tenant("recursive.yaml", "id: &a [*a]\n"), "recursive.yaml"),
    Case("nested brackets", tenant("deep.yaml", "[" * 20_000 + "]" * 20_000 + "\n"), "deep.yaml"),
    Case("huge file", tenant("huge.yaml", "# " + "x" * 200_000 + "\n"), "huge.yaml"),
    Case("not utf-8", binary, "binary.yaml"),
    Case("list document", tenant("listdoc.yaml", "- id: listdoc\n"), "listdoc.yaml"),
    Case("symlink out", symlink_out, "leaky.yaml", secret="SECRET_TOKEN"),
    Case(
        "uppercase extension", tenant("acme4.YAML", AFIJO.replace("afijo", "acme4")), "acme4.YAML"
    ),
    Case("hidden file", tenant(".hidden.yaml", AFIJO.replace("afijo", "hidden")), ".hidden.yaml"),
    Case(
        "cidr out of range",
        tenant("robinhood.yaml", ROBINHOOD + "network_cidr: 10.999.0.0/99\n"),
        "robinhood.yaml",
        "network_cidr",
    ),
    Case(
        "cidr too wide",
        tenant("robinhood.yaml", ROBINHOOD + "network_cidr: 10.0.0.0/4\n"),
        "robinhood.yaml",
        "network_cidr",
    ),
    Case(
        "cidr on the platform",
        tenant("robinhood.yaml", ROBINHOOD + "network_cidr: 10.10.0.0/24\n"),
        "robinhood.yaml",
        "network_cidr",
    ),
    Case(
        "apex domain",
        tenant("robinhood.yaml", ROBINHOOD.replace("travel.robinhood.example", "tinybug.dev")),
        "robinhood.yaml",
        "custom_domain",
    ),
    Case(
        "inside the apex",
        tenant("robinhood.yaml", ROBINHOOD.replace("travel.robinhood.example", "www.tinybug.dev")),
        "robinhood.yaml",
        "custom_domain",
    ),
    Case(
        "script email",
        tenant("afijo.yaml", AFIJO.replace("ops@afijo.example", '"javascript:alert(1)@x.com"')),
        "afijo.yaml",
        "contact_email",
    ),
    Case(
        "markdown in a value",
        tenant(
            "afijo.yaml", AFIJO.replace("us-central1", '"`x` @admin [a](https://evil.example)"')
        ),
        "afijo.yaml",
        "region",
    ),
    Case("environment is a list", env("- config\n"), "Pulumi.dev.yaml", environment=True),
    Case("config is a list", env("config: [1]\n"), "Pulumi.dev.yaml", "config", environment=True),
    Case(
        "duplicate cluster",
        env(DEV.replace("name: pool-b", "name: pool-a")),
        "Pulumi.dev.yaml",
        "clusters",
        environment=True,
    ),
    Case(
        "region outside allowed",
        env(DEV.replace("[us-central1, us-east1, europe-west1]", "[us-east1]")),
        "Pulumi.dev.yaml",
        "allowed_regions",
        environment=True,
    ),
    Case(
        "capacity as string",
        env(DEV.replace("capacity: 300", 'capacity: "300"', 1)),
        "Pulumi.dev.yaml",
        "capacity",
        environment=True,
    ),
    Case("environment laughs", env(LAUGHS), "Pulumi.dev.yaml", environment=True),
]

COMMANDS = ["validate", "validate --base", "plan", "check", "cost", "new", "preview", "pr-comment"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def hostile(request, tmp_path, monkeypatch) -> tuple[Case, Path]:
    """The case's repository: the sample registry on main, the hostile change on a branch."""
    case: Case = request.param
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE_TENANTS, root / "tenants")
    shutil.copy(PROJECT_ROOT / "Pulumi.dev.yaml", root / "Pulumi.dev.yaml")
    (root / "Pulumi.yaml").write_text("name: tenancy\nruntime: python\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _git(root, "checkout", "-q", "-b", "hostile")
    case.apply(root)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "hostile change")
    # Every command reads the environment from the project root; here, the repository's.
    monkeypatch.setattr(load_environment, "__defaults__", (root,))
    monkeypatch.setattr(automation_cli, "project_root", lambda: root)
    return case, root


def run(command: str, root: Path, tmp_path: Path):
    from tenancy.cli import app

    tenants = str(root / "tenants")
    args = {
        "validate": ["validate", "--tenants", tenants],
        "validate --base": ["validate", "--tenants", tenants, "--base", "main"],
        "plan": ["plan", "--tenants", tenants, "--json", str(tmp_path / "plan.json")],
        "check": ["check", "--tenants", tenants, "--json", str(tmp_path / "check.json")],
        "cost": ["cost", "--tenants", tenants, "--json", str(tmp_path / "cost.json")],
        "new": ["new", "newcomer", "--tier", "free", "--tenants", tenants],
        "preview": ["preview", "--tenants", tenants],
        "pr-comment": ["pr-comment", "--base", "main", "--output", str(tmp_path / "comment.md")],
    }[command]
    return CliRunner().invoke(app, args)


def expected_exit(case: Case, command: str) -> int:
    if command == "pr-comment":
        return 1  # the comment is written and says what blocks
    if case.environment:
        return 2  # could not run
    return 1  # the registry was read and fails: every command says so with 1


@pytest.mark.parametrize("hostile", CASES, ids=[c.name for c in CASES], indirect=True)
def test_every_command_survives_a_hostile_registry(hostile, tmp_path) -> None:
    case, root = hostile
    for command in COMMANDS:
        result = run(command, root, tmp_path)
        output = result.output
        if command == "pr-comment":
            comment = (tmp_path / "comment.md").read_text()
            assert comment.startswith(MARKER), comment
            output += comment
        where = f"{case.name}: {command}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            where,
            result.exception,
        )
        assert "Traceback" not in output, (where, output)
        assert result.exit_code == expected_exit(case, command), (where, output)
        flat = " ".join(output.split())  # rich wraps long lines
        assert case.file in flat, (where, output)
        if case.field is not None:
            assert case.field in flat, (where, output)
        if case.secret is not None:
            assert case.secret not in output, (where, output)
        assert not (root / "tenants" / "newcomer.yaml").exists(), where
