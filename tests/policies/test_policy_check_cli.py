"""`tenancy check` end to end: deliberately broken plans fail with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from policy_plan_fixtures import (
    ACME,
    ENV,
    POOL,
    PROJECT,
    both,
    good_plan,
    gsa_email,
    mutated,
    remove,
    set_input,
    write_registry,
)
from typer.testing import CliRunner

from domain import names
from domain.plan_model import UNKNOWN, Plan
from tenancy.checks.cli import EXIT_BLOCKED, EXIT_INPUT, register


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """The tenancy CLI (test double)."""

    register(app)
    return app


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    return write_registry(tmp_path / "tenants")


def check(app, tmp_path: Path, tenants_dir: Path, plan: Plan, *extra: str):
    plan_file = tmp_path / "plan.json"
    plan.write(plan_file)
    return CliRunner().invoke(
        app,
        ["check", "--env", ENV, "--plan", str(plan_file), "--tenants", str(tenants_dir), *extra],
    )


def test_the_good_plan_passes(app, tmp_path, tenants_dir):
    result = check(app, tmp_path, tenants_dir, good_plan())
    assert result.exit_code == 0, result.output
    assert "PASS 0 mandatory, 0 advisory, 0 undecided" in result.output


BROKEN = [
    pytest.param(
        set_input(
            ACME,
            "acme-uploads-object-admin",
            "member",
            f"serviceAccount:{gsa_email('globex-workload')}",
        ),
        "iam-restrict-tenant-grants-to-own-identity",
        f"grants bucket {names.uploads_bucket(ENV, PROJECT, 'acme')} of tenant 'acme' to "
        f"serviceAccount:{gsa_email('globex-workload')}",
        id="bucket-granted-to-another-tenant",
    ),
    pytest.param(
        set_input(ACME, "acme-postgres-2", "settings.ipConfiguration.ipv4Enabled", True),
        "sql-forbid-public-ip",
        "DatabaseInstance 'acme-postgres-2': settings.ipConfiguration.ipv4Enabled must be false",
        id="public-sql-instance",
    ),
    pytest.param(
        remove(ACME, "tenant-acme-quota"),
        "k8s-require-namespace-quota",
        "namespace 'tenant-acme' has no ResourceQuota",
        id="namespace-without-quota",
    ),
    pytest.param(
        set_input(
            ACME,
            "acme-workload-binding",
            "member",
            f"serviceAccount:{POOL}[tenant-globex/tenant-globex-sa]",
        ),
        "iam-bind-workload-identity-to-own-namespace",
        "only tenant-acme/tenant-acme-sa may use it",
        id="workload-identity-to-another-namespace",
    ),
]


@pytest.mark.parametrize("mutation, policy, message", BROKEN)
def test_broken_plans_exit_non_zero_and_name_resource_and_reason(
    app, tmp_path, tenants_dir, mutation, policy, message
):
    json_file = tmp_path / "results.json"
    result = check(app, tmp_path, tenants_dir, mutated(mutation), "--json", str(json_file))
    assert result.exit_code == EXIT_BLOCKED, result.output
    flat = " ".join(result.output.split())
    assert policy in flat and message in flat and "FAIL" in flat
    data = json.loads(json_file.read_text())
    assert set(data) == {"violations", "undecided", "summary"}
    assert data["summary"]["mandatory"] >= 1
    hit = next(v for v in data["violations"] if v["policy"] == policy)
    assert list(hit) == ["policy", "level", "stack", "tenant", "urn", "message"]
    assert (hit["level"], hit["stack"], hit["tenant"]) == (
        "mandatory",
        ACME,
        "acme",
    ) and message in hit["message"]


def test_output_is_grouped_by_tenant_then_policy(app, tmp_path, tenants_dir):
    plan = mutated(
        both(
            remove(ACME, "tenant-acme-quota"),
            set_input(
                "dev.globex", "globex-postgres-1", "settings.ipConfiguration.ipv4Enabled", True
            ),
        )
    )
    output = check(app, tmp_path, tenants_dir, plan).output
    assert (
        output.index("acme")
        < output.index("k8s-require-namespace-quota")
        < output.index("globex")
        < output.index("sql-forbid-public-ip")
    )


def test_tenant_selection_only_checks_that_tenants_stack(app, tmp_path, tenants_dir):
    plan = mutated(
        set_input("dev.globex", "globex-postgres-1", "settings.ipConfiguration.ipv4Enabled", True)
    )
    assert check(app, tmp_path, tenants_dir, plan, "--tenant", "acme").exit_code == 0
    assert check(app, tmp_path, tenants_dir, plan, "--tenant", "globex").exit_code == EXIT_BLOCKED


def test_undecided_mandatory_fails_unless_allowed(app, tmp_path, tenants_dir):
    plan = mutated(
        set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", UNKNOWN)
    )
    json_file = tmp_path / "results.json"
    result = check(app, tmp_path, tenants_dir, plan, "--json", str(json_file))
    assert result.exit_code == EXIT_BLOCKED
    assert "undecided" in result.output and "unknown until deploy" in result.output
    data = json.loads(json_file.read_text())
    assert data["violations"] == [] and data["summary"] == {
        "mandatory": 0,
        "advisory": 0,
        "undecided": 1,
    }
    assert check(app, tmp_path, tenants_dir, plan, "--allow-undecided").exit_code == 0


def test_advisory_violations_do_not_fail(app, tmp_path, tenants_dir):
    # Only the logging flags go (the pgAudit ones are mandatory: sql-require-pgaudit).
    pgaudit = [
        {"name": "cloudsql.enable_pgaudit", "value": "on"},
        {"name": "pgaudit.log", "value": "write"},
    ]
    plan = mutated(set_input(ACME, "acme-postgres-1", "settings.databaseFlags", pgaudit))
    result = check(app, tmp_path, tenants_dir, plan)
    assert result.exit_code == 0 and "sql-require-postgres-log-flags" in result.output


def test_policy_config_file_is_honoured(app, tmp_path, tenants_dir):
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"sql-forbid-public-ip": "advisory"}))
    plan = mutated(set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", True))
    assert check(app, tmp_path, tenants_dir, plan, "--policy-config", str(config)).exit_code == 0
    config.write_text(json.dumps({"sql-forbid-public-ip": "sometimes"}))
    assert (
        check(app, tmp_path, tenants_dir, plan, "--policy-config", str(config)).exit_code
        == EXIT_INPUT
    )


def test_unreadable_inputs_exit_2(app, tmp_path, tenants_dir):
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--plan", str(bad), "--tenants", str(tenants_dir)])
    assert result.exit_code == EXIT_INPUT and "cannot read plan JSON" in " ".join(
        result.output.split()
    )
    result = runner.invoke(
        app, ["check", "--plan", str(bad), "--tenants", str(tenants_dir), "--tenant", "nobody"]
    )
    assert result.exit_code == EXIT_INPUT and "unknown tenant" in result.output
    result = runner.invoke(app, ["check", "--env", "nosuch", "--tenants", str(tenants_dir)])
    assert result.exit_code == EXIT_INPUT


def test_planning_failure_is_reported_not_raised(app, tenants_dir, monkeypatch):
    import tenancy.plan.engine as engine

    def explode(*args, **kwargs):
        raise RuntimeError("component exploded")

    monkeypatch.setattr(engine, "plan_stacks", explode)
    result = CliRunner().invoke(app, ["check", "--tenants", str(tenants_dir)])
    assert (
        result.exit_code == EXIT_INPUT
        and "the offline plan failed: RuntimeError: component exploded" in result.output
    )
