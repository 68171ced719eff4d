"""The GitHub workflows: valid against the workflow schema, with the triggers, permissions and
concurrency the automation relies on."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from domain import CODE_PACKAGES, PROJECT_ROOT
from tenancy.automation.pr_comment import MARKER

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
# Every workflow, so a new one is validated without anyone listing it here.
FILES = sorted(p.name for p in WORKFLOWS.glob("*.y*ml"))


def load(name: str) -> dict:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text(encoding="utf-8"))


def runs(workflow: dict) -> str:
    return "\n".join(
        step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]
    )


def uses(workflow: dict) -> list[str]:
    return [
        step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step
    ]


def test_every_workflow_is_checked():
    assert {
        "ci.yml",
        "pull-request.yml",
        "deploy.yml",
        "nightly-drift.yml",
        "plan-cache.yml",
    } <= set(FILES)


def test_workflows_validate_against_the_github_workflow_schema():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *(str(WORKFLOWS / f) for f in FILES),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", FILES)
def test_actions_are_pinned_to_a_major_version(name):
    for action in uses(load(name)):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w.-]+)*@v\d+", action), action


def test_pull_request_workflow():
    workflow = load("pull-request.yml")
    paths = workflow["on"]["pull_request"]["paths"]
    for wanted in ("tenants/**", "migrations/**", *(f"{package}/**" for package in CODE_PACKAGES)):
        assert wanted in paths
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    commands = runs(workflow)
    assert 'tenancy validate --env "$TENANCY_ENV" --base "$BASE_REF"' in commands
    assert "tenancy pr-comment --base" in commands
    assert workflow["jobs"]["report"]["env"]["BASE_REF"] == "origin/${{ github.base_ref }}"
    # One sticky comment, found by the marker pr-comment writes.
    script = next(
        s["with"]["script"]
        for s in workflow["jobs"]["report"]["steps"]
        if s.get("uses", "").startswith("actions/github-script@")
    )
    assert MARKER in script and "updateComment" in script and "createComment" in script
    # The plan cache is the workflow cache, at the directory the commands use.
    cache = next(
        s
        for s in workflow["jobs"]["report"]["steps"]
        if s.get("uses", "").startswith("actions/cache@")
    )
    assert cache["with"]["path"] == workflow["jobs"]["report"]["env"]["TENANCY_CACHE_DIR"]
    # No cloud credentials anywhere in the pull-request path.
    text = (WORKFLOWS / "pull-request.yml").read_text()
    assert (
        "secrets." not in text
        and "google-github-actions/auth" not in text
        and "id-token" not in text
    )


def test_main_saves_the_cache_pull_requests_restore():
    """A pull request's run restores caches of its own branch and the default branch only: the
    plan-cache workflow saves main's plans, policy results and cost parts under the key prefix
    the pull-request workflow restores, at the directory the commands use."""
    workflow, pr = load("plan-cache.yml"), load("pull-request.yml")
    assert workflow["on"] == {
        "push": {"branches": ["main"], "paths": workflow["on"]["push"]["paths"]}
    }
    # Every change a pull request's comment would plan differently changes main's cache too.
    assert set(pr["on"]["pull_request"]["paths"]) - {".github/workflows/pull-request.yml"} <= set(
        workflow["on"]["push"]["paths"]
    )
    job = workflow["jobs"]["warm"]
    commands = runs(workflow)
    for wanted in ("tenancy plan", "tenancy check", "tenancy pr-comment"):
        assert wanted in commands
    # Nothing restored (the saved cache holds this commit's entries only); saved even after a
    # failing step, under the prefix the pull request restores.
    assert not any(
        u.startswith(("actions/cache@", "actions/cache/restore@")) for u in uses(workflow)
    )
    save = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/cache/save@"))
    restore = next(
        s for s in pr["jobs"]["report"]["steps"] if s.get("uses", "").startswith("actions/cache@")
    )
    assert save["if"] == "always()"
    assert save["with"]["path"] == job["env"]["TENANCY_CACHE_DIR"]
    assert save["with"]["path"] == pr["jobs"]["report"]["env"]["TENANCY_CACHE_DIR"]
    prefix = restore["with"]["restore-keys"].strip()
    assert save["with"]["key"].startswith(prefix)
    assert workflow["permissions"] == {"contents": "read"}
    text = (WORKFLOWS / "plan-cache.yml").read_text()
    assert "secrets." not in text and "id-token" not in text


def deploy_setup_problems(workflow: dict, job_name: str) -> list[str]:
    """What a job that runs the real program needs (issue 11 findings 10, 11 and 21)."""
    job = workflow["jobs"][job_name]
    problems = []
    # Pulumi.yaml runs the program from .venv: the project must be installed there.
    install = "\n".join(s.get("run", "") for s in job["steps"])
    if "python -m venv .venv" not in install or ".venv/bin/python -m pip install" not in install:
        problems.append("the project is not installed into .venv")
    gcloud = [
        s
        for s in job["steps"]
        if s.get("uses", "").startswith("google-github-actions/setup-gcloud@")
    ]
    if not gcloud or "gke-gcloud-auth-plugin" not in gcloud[0].get("with", {}).get(
        "install_components", ""
    ):
        problems.append("gke-gcloud-auth-plugin is not installed")
    if job["env"].get("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER") != "true":
        problems.append("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is not set")
    return problems


@pytest.mark.parametrize(
    ("name", "job"), [("deploy.yml", "deploy"), ("nightly-drift.yml", "drift")]
)
def test_jobs_that_run_the_program_are_set_up_for_it(name, job):
    assert deploy_setup_problems(load(name), job) == []


def test_the_setup_check_catches_a_missing_piece():
    workflow = load("deploy.yml")
    workflow["jobs"]["deploy"]["env"].pop("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER")
    workflow["jobs"]["deploy"]["steps"] = [
        s for s in workflow["jobs"]["deploy"]["steps"] if "setup-gcloud" not in s.get("uses", "")
    ]
    assert deploy_setup_problems(workflow, "deploy") == [
        "gke-gcloud-auth-plugin is not installed",
        "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is not set",
    ]


def test_deploy_workflow():
    workflow = load("deploy.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["permissions"]["id-token"] == "write"
    assert workflow["permissions"]["actions"] == "read"
    job = workflow["jobs"]["deploy"]
    assert job["concurrency"] == {
        "group": "deploy-${{ matrix.environment }}",
        "cancel-in-progress": False,
    }
    # A queued run GitHub cancels must not lose its push: the range starts at the last
    # successful deploy, not at this push's "before".
    commands = runs(workflow)
    assert "github.event.before" not in (WORKFLOWS / "deploy.yml").read_text()
    assert "--status success" in commands and '--changed-since "$BASE_SHA"' in commands
    assert "tenancy up" in commands
    # The declared state moves run before any `up` (docs/lifecycle.md).
    assert 'tenancy state-moves --env "$TENANCY_ENV" --execute' in commands
    assert commands.index("tenancy state-moves") < commands.index("tenancy up")
    auth = next(
        s for s in job["steps"] if s.get("uses", "").startswith("google-github-actions/auth@")
    )
    assert set(auth["with"]) == {"workload_identity_provider", "service_account"}
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert "helm registry login" in commands  # the OCI app chart needs credentials


def test_nightly_drift_workflow():
    workflow = load("nightly-drift.yml")
    assert "cron" in workflow["on"]["schedule"][0] and "workflow_dispatch" in workflow["on"]
    job = workflow["jobs"]["drift"]
    drift = next(s for s in job["steps"] if "tenancy refresh" in s.get("run", ""))
    assert (
        "--preview-only" in drift["run"]
        and "--changed-since" not in drift["run"]
        and "--tenant" not in drift["run"]
    )
    assert not drift.get("continue-on-error")  # drift must fail the job
    # Its own group (sharing deploy-<env> let a pending drift check cancel a queued deploy);
    # it waits for deploy runs instead.
    assert job["concurrency"]["group"] == "drift-${{ matrix.environment }}"
    assert "--workflow deploy.yml" in runs(workflow)
    assert workflow["permissions"]["id-token"] == "write"


def test_ci_workflow_runs_make_test_on_pull_requests_and_main():
    workflow = load("ci.yml")
    assert workflow["on"] == {"pull_request": None, "push": {"branches": ["main"]}}
    assert workflow["permissions"] == {"contents": "read"}
    assert "make test" in runs(workflow).splitlines()
    # lint is part of the suite: `make test` depends on it
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: .*\blint\b", makefile, re.M)
    assert re.search(r"^lint: ", makefile, re.M)


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    steps: []\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(broken),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
