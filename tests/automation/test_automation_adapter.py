"""The adapter: backend and secrets set-up (no CLI needed), and integration tests that need the
Pulumi CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pulumi.automation import EngineEvent, OpType, ResourcePreEvent, StepEventMetadata

from domain import PROJECT_ROOT
from tenancy.automation.adapter import (
    AutomationSetupError,
    Backend,
    ChangeCollector,
    OperationFailed,
    PulumiAutomation,
    change_counts,
    default_backend_url,
    ensure_state_dir,
    resolve_backend,
    secrets_provider_from,
)

# --- backends -------------------------------------------------------------------------------------


def test_default_backend_is_the_repositorys_state_directory(tmp_path):
    backend = resolve_backend(None, {}, tmp_path)
    assert backend.source == "default"
    assert backend.url == f"file://{tmp_path.resolve()}/.pulumi-state"
    assert backend.local_path == tmp_path.resolve() / ".pulumi-state"


def test_environment_then_flag_select_a_team_backend(tmp_path):
    env = {"PULUMI_BACKEND_URL": "gs://team-state/tenancy"}
    assert resolve_backend(None, env, tmp_path) == Backend(
        "gs://team-state/tenancy", "PULUMI_BACKEND_URL"
    )
    assert resolve_backend("gs://other/x", env, tmp_path) == Backend("gs://other/x", "--backend")
    assert not resolve_backend("gs://other/x", env, tmp_path).is_local


def test_the_state_directory_is_created(tmp_path):
    backend = Backend(default_backend_url(tmp_path), "default")
    ensure_state_dir(backend)
    assert (tmp_path / ".pulumi-state").is_dir()
    ensure_state_dir(Backend("gs://bucket/path", "--backend"))  # nothing to create, no error


def test_backend_display_hides_credentials():
    shown = Backend("postgres://admin:hunter2@db.internal:5432/state", "--backend").display()
    assert "hunter2" not in shown and "admin" not in shown and "db.internal:5432" in shown
    assert Backend("gs://bucket/path", "--backend").display() == "gs://bucket/path"


def test_state_directory_is_git_ignored():
    done = subprocess.run(
        ["git", "check-ignore", "-q", ".pulumi-state/organization/tenancy/dev.json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
    )
    assert done.returncode == 0, ".pulumi-state/ must be in .gitignore"


# --- secrets --------------------------------------------------------------------------------------


def test_a_missing_passphrase_is_a_clear_error():
    with pytest.raises(AutomationSetupError, match="PULUMI_CONFIG_PASSPHRASE is not set"):
        secrets_provider_from({})


@pytest.mark.parametrize(
    "env", [{"PULUMI_CONFIG_PASSPHRASE": "x"}, {"PULUMI_CONFIG_PASSPHRASE_FILE": "/dev/null"}]
)
def test_passphrase_from_either_variable(env):
    assert secrets_provider_from(env) == "passphrase"


def test_a_kms_provider_needs_no_passphrase():
    kms = "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k"
    assert secrets_provider_from({"TENANCY_SECRETS_PROVIDER": kms}) == kms


def test_the_passphrase_is_checked_before_the_cli(tmp_path):
    with pytest.raises(AutomationSetupError) as caught:
        PulumiAutomation(tmp_path, resolve_backend(None, {}, tmp_path), environ={})
    assert "PULUMI_CONFIG_PASSPHRASE" in str(caught.value)


def test_the_adapter_passes_backend_and_registry_but_no_secrets(tmp_path, monkeypatch):
    # Construction runs no CLI command; pretend it is installed to look at what would be passed.
    monkeypatch.setattr("tenancy.automation.adapter.shutil.which", lambda name: "/opt/fake/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "very-secret-value")
    backend = resolve_backend(None, {}, tmp_path)
    adapter = PulumiAutomation(tmp_path, backend, tenants_dir=tmp_path / "tenants")
    options = adapter._workspace_options()
    assert options.env_vars["PULUMI_BACKEND_URL"] == backend.url
    assert options.env_vars["TENANCY_TENANTS_DIR"] == str((tmp_path / "tenants").resolve())
    assert options.secrets_provider == "passphrase" and options.work_dir == str(tmp_path.resolve())
    assert options.project_settings is None  # it would overwrite the repository's Pulumi.yaml
    assert "very-secret-value" not in repr(options.env_vars)
    assert (tmp_path / ".pulumi-state").is_dir()
    with pytest.raises(AutomationSetupError, match=r"PulumiPolicy\.yaml"):
        adapter._policy_pack_args()  # tmp_path/policies has no pack


# --- engine events --------------------------------------------------------------------------------


def step_event(op: OpType, name: str, diffs=None) -> EngineEvent:
    urn = f"urn:pulumi:dev::tenancy::gcp:storage/bucket:Bucket::{name}"
    metadata = StepEventMetadata(
        op=op, urn=urn, type="gcp:storage/bucket:Bucket", provider="", diffs=diffs
    )
    return EngineEvent(sequence=1, timestamp=0, resource_pre_event=ResourcePreEvent(metadata))


def test_collector_keeps_only_changing_steps():
    collect = ChangeCollector()
    collect(step_event(OpType.SAME, "unchanged"))
    collect(step_event(OpType.UPDATE, "relabelled", ["labels"]))
    collect(step_event(OpType.REFRESH, "refreshed-same"))
    collect(step_event(OpType.REFRESH, "drifted", ["versioning"]))
    collect(EngineEvent(sequence=2, timestamp=0))  # e.g. a stdout event: ignored
    assert [(c.op, c.name, c.diffs) for c in collect.changes] == [
        ("refresh", "drifted", ("versioning",)),
        ("update", "relabelled", ("labels",)),
    ]


def test_change_counts_accept_enum_keys():
    assert change_counts({OpType.CREATE: 2, "same": 1}) == {"create": 2, "same": 1}
    assert change_counts(None) == {}


# --- integration: only with the Pulumi CLI --------------------------------------------------------

needs_cli = pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="Pulumi CLI not on PATH: adapter integration tests need it",
)


@pytest.fixture
def throwaway(tmp_path, monkeypatch) -> PulumiAutomation:
    """A YAML-runtime project (no plugins to download) on a file backend in tmp."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: throwaway\nruntime: yaml\noutputs:\n  greeting: hello\n", encoding="utf-8"
    )
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "integration-test-only")
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "pulumi-home"))
    backend = Backend(f"file://{tmp_path / 'state'}", "--backend")
    return PulumiAutomation(project, backend, policy_packs=[])


@needs_cli
def test_lifecycle_against_a_local_file_backend(throwaway, tmp_path):
    stack = "throwaway-stack"
    lines: list[str] = []
    preview = throwaway.preview(stack, on_output=lines.append)
    assert preview.changes.get("create", 0) >= 1 and lines

    up = throwaway.up(stack)
    assert up.changes.get("create", 0) >= 1
    assert (tmp_path / "state").is_dir()

    drift = throwaway.refresh(stack, preview_only=True)
    assert drift.changed_count == 0

    again = throwaway.preview(stack)
    assert again.changed_count == 0

    destroyed = throwaway.destroy(stack)
    assert destroyed.changes.get("delete", 0) >= 1
    throwaway.remove_stack(stack)
    with pytest.raises(OperationFailed, match="does not exist"):
        throwaway.refresh(stack)


@needs_cli
def test_destroying_an_unknown_stack_fails_without_creating_it(throwaway):
    with pytest.raises(OperationFailed):
        throwaway.destroy("never-created")
    with pytest.raises(OperationFailed):
        throwaway.remove_stack("never-created")


@needs_cli
def test_a_failing_program_reports_its_own_error_output(throwaway):
    (Path(throwaway.project_root) / "Pulumi.yaml").write_text(
        "name: throwaway\nruntime: yaml\nresources:\n  broken:\n    type: no:such:Type\n",
        encoding="utf-8",
    )
    with pytest.raises(OperationFailed) as caught:
        throwaway.preview("broken-stack")
    assert caught.value.stderr or caught.value.stdout
