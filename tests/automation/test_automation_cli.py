"""The commands as registered on a typer app, with the fake adapter in place of Pulumi."""

from __future__ import annotations

import shutil

import pytest
from automation_fakes import FakeOperations
from typer.main import get_command
from typer.testing import CliRunner

from tenancy.automation import cli as automation_cli
from tenancy.automation.adapter import OperationFailed, OperationResult


@pytest.fixture
def fake(monkeypatch) -> FakeOperations:
    ops = FakeOperations()
    monkeypatch.setattr(automation_cli, "make_operations", lambda root, backend, tenants_dir: ops)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return ops


def invoke(app, *args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_register_adds_the_commands_with_their_options(app):
    group = get_command(app)
    common = {"--env", "--tenant", "--changed-since", "--parallel", "--backend", "--tenants"}
    options = {
        name: {opt for p in cmd.params for opt in p.opts} for name, cmd in group.commands.items()
    }
    assert set(options) == {"preview", "up", "refresh", "destroy", "pr-comment"}
    assert options["preview"] == options["up"] == common
    assert options["refresh"] == common | {"--preview-only"}
    assert options["destroy"] == common | {"--destroy-platform"}
    assert options["pr-comment"] == {"--base", "--env", "--output", "--tenants", "--cache-dir"}


def test_up_runs_the_selected_stacks_and_prints_the_summary(app, fake, tenants_dir):
    result = invoke(
        app,
        "up",
        "--tenants",
        str(tenants_dir),
        "--tenant",
        "globex",
        "--tenant",
        "initech",
        "--parallel",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert sorted(fake.calls) == [("up", "dev.globex"), ("up", "dev.initech")]
    assert (
        "summary" in result.output
        and "dev.initech" in result.output
        and "succeeded" in result.output
    )


def test_a_failed_stack_makes_the_command_fail_and_shows_its_output(app, fake, tenants_dir):
    fake.script[("preview", "dev.globex")] = [
        OperationFailed(
            "dev.globex", "preview", "error: quota", stderr="error: Error 403 quota exceeded"
        )
    ]
    result = invoke(app, "preview", "--tenants", str(tenants_dir))
    assert result.exit_code == 1
    assert len(fake.calls) == 4  # the others still ran
    assert "Error 403 quota exceeded" in result.output


def test_destroy_refuses_an_active_tenant_and_touches_nothing(app, fake, tenants_dir):
    result = invoke(app, "destroy", "--tenants", str(tenants_dir), "--tenant", "globex")
    assert result.exit_code == 1
    assert (
        "refusing to destroy dev.globex" in result.output
        and "nothing was destroyed" in result.output
    )
    assert fake.calls == []


def test_destroy_of_an_offboarding_tenant_removes_resources_then_stack(app, fake, tenants_dir):
    result = invoke(app, "destroy", "--tenants", str(tenants_dir), "--tenant", "umbrella")
    assert result.exit_code == 0, result.output
    assert fake.calls == [("destroy", "dev.umbrella"), ("remove", "dev.umbrella")]


def test_destroy_never_defaults_to_every_stack(app, fake, tenants_dir):
    result = invoke(app, "destroy", "--tenants", str(tenants_dir))
    assert result.exit_code == 2 and "never defaults" in result.output
    assert fake.calls == []


def test_destroy_platform_needs_its_flag(app, fake, tenants_dir):
    refused = invoke(app, "destroy", "--tenants", str(tenants_dir), "--tenant", "acme")
    assert refused.exit_code == 1 and "free tenant" in refused.output and fake.calls == []
    allowed = invoke(app, "destroy", "--tenants", str(tenants_dir), "--destroy-platform")
    assert allowed.exit_code == 0, allowed.output
    assert fake.calls == [("destroy", "dev"), ("remove", "dev")]


def test_refresh_preview_only_fails_on_drift_with_a_report(
    app, fake, tenants_dir, tmp_path, monkeypatch
):
    fake.script[("refresh-preview", "dev.initech")] = [
        OperationResult(changes={"same": 3, "delete": 1})
    ]
    fake.default = OperationResult(changes={"same": 3})
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = invoke(app, "refresh", "--preview-only", "--tenants", str(tenants_dir))
    assert result.exit_code == 1
    assert {op for op, _ in fake.calls} == {"refresh-preview"}
    assert "Drift in 1 stack(s): dev.initech" in result.output
    assert "### Drift in `dev.initech`" in summary.read_text()


def test_an_invalid_registry_stops_before_any_operation(app, fake, tenants_dir):
    (tenants_dir / "broken.yaml").write_text("id: broken\ntier: platinum\n")
    result = invoke(app, "up", "--tenants", str(tenants_dir))
    # the registry was read and is invalid: 1, as from validate, plan and check
    assert result.exit_code == 1 and "broken.yaml" in result.output
    assert fake.calls == []


def test_a_missing_passphrase_is_reported_without_running_anything(app, tenants_dir, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.delenv("TENANCY_SECRETS_PROVIDER", raising=False)
    result = invoke(app, "preview", "--tenants", str(tenants_dir), "--tenant", "globex")
    assert result.exit_code == 2
    assert "PULUMI_CONFIG_PASSPHRASE is not set" in result.output


def test_the_passphrase_is_never_printed(app, tenants_dir, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "do-not-print-me")
    monkeypatch.setenv("PULUMI_BACKEND_URL", "postgres://user:db-password@host/state")
    result = invoke(app, "preview", "--tenants", str(tenants_dir), "--tenant", "globex")
    if shutil.which("pulumi") is None:
        assert result.exit_code == 2 and "Pulumi CLI is not on PATH" in result.output
    assert "do-not-print-me" not in result.output and "db-password" not in result.output
    assert "host/state" in result.output  # the backend is shown, without its credentials


def test_changed_since_with_nothing_affected_does_nothing(app, fake, project_repo, monkeypatch):
    monkeypatch.setattr(automation_cli, "project_root", lambda: project_repo.path)
    project_repo.write("docs/notes.md", "only docs\n")
    project_repo.commit("docs")
    result = invoke(app, "up", "--changed-since", "HEAD~1")
    assert result.exit_code == 0 and "Nothing to do" in result.output
    assert fake.calls == []


def test_changed_since_runs_the_changed_tenant(app, fake, project_repo, monkeypatch):
    monkeypatch.setattr(automation_cli, "project_root", lambda: project_repo.path)
    project_repo.append("tenants/initech.yaml", "ha: false\n")
    project_repo.commit("initech without HA")
    result = invoke(app, "up", "--changed-since", "HEAD~1")
    assert result.exit_code == 0, result.output
    assert fake.calls == [("up", "dev.initech")]
    assert "initech.yaml" in result.output  # says why it was selected


def test_an_unknown_ref_is_a_setup_error(app, fake, project_repo, monkeypatch):
    monkeypatch.setattr(automation_cli, "project_root", lambda: project_repo.path)
    result = invoke(app, "up", "--changed-since", "does-not-exist")
    assert result.exit_code == 2 and "does-not-exist" in result.output
