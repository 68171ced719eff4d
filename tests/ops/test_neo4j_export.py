"""The Neo4j scheduled export (enterprise `databases.exports`, either edition): APOC streamed
through cypher-shell into a file in the tenant's bucket. The script runs in a real bash against a
stand-in cypher-shell that answers as cypher-shell's plain format does; the CronJob of the sample
tenant is validated against the Kubernetes schemas."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from components.blocks.neo4j_exports import (
    AUTH_DIR,
    EXPORT_FILE,
    EXPORT_PREFIX,
    EXPORT_QUERY,
    EXPORT_SCRIPT,
)
from domain import names

KUBERNETES_VERSION = "1.32.0"

# Batches with what breaks naive quoting: quotes, backslashes, newlines, non-ASCII.
BATCHES = [
    ':begin\nCREATE (:Traveller {name: "O\'Brien \\"OB\\"", path: "C:\\\\tmp"});\n:commit\n',
    ":begin\nCREATE (:City {name: 'Zürich'});\nMATCH (n) RETURN n;\n:commit\n",
]

# cypher-shell --format plain: the column name, then each string value in double quotes.
FAKE_SHELL = r"""#!/bin/bash
printf '%s\n' "$@" > "$FAKE_DIR/args"
printf '%s|%s\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" > "$FAKE_DIR/credentials"
[ -n "${FAKE_FAIL:-}" ] && { echo "Neo.ClientError.Procedure.ProcedureNotFound" >&2; exit 1; }
echo batch
while IFS= read -r line; do printf '"%s"\n' "$line"; done < "$FAKE_DIR/batches"
"""


@pytest.fixture
def shell(tmp_path: Path) -> dict[str, str]:
    for tool in ("bash", "base64", "cut", "tail"):
        if shutil.which(tool) is None:
            pytest.skip(f"the script needs {tool}")
    fake_dir, bin_dir, auth, dump = (tmp_path / d for d in ("fake", "bin", "auth", "dump"))
    for d in (fake_dir, bin_dir, auth, dump):
        d.mkdir()
    (bin_dir / "cypher-shell").write_text(FAKE_SHELL)
    (bin_dir / "cypher-shell").chmod(0o755)
    (auth / "NEO4J_AUTH").write_text("neo4j/s3cr/et-pass")
    (fake_dir / "batches").write_text(
        "".join(base64.b64encode(b.encode()).decode() + "\n" for b in BATCHES)
    )
    # The script's fixed paths, moved under tmp_path for the test.
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_DIR": str(fake_dir),
        "NEO4J_URI": "neo4j://globex-neo4j.tenant-globex.svc.cluster.local:7687",
        "EXPORT_QUERY": EXPORT_QUERY,
        "EXPORT_FILE": str(dump / "neo4j.cypher"),
        "AUTH_DIR": str(auth),
        "DUMP": str(dump),
    }


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    script = EXPORT_SCRIPT.replace("/dump/", env["DUMP"] + "/")
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30
    )


def test_the_export_is_the_streamed_statements_byte_for_byte(shell) -> None:
    result = _run(shell)
    assert result.returncode == 0, result.stderr
    assert Path(shell["EXPORT_FILE"]).read_text(encoding="utf-8") == "".join(BATCHES)
    args = Path(shell["FAKE_DIR"], "args").read_text().splitlines()
    assert args[:2] == ["-a", shell["NEO4J_URI"]]
    assert "--format" in args and args[args.index("--format") + 1] == "plain"
    assert "apoc.export.cypher.all(null, {stream: true" in args[-1]
    # the password came from the mounted Secret (everything after "neo4j/"), not the command line
    assert Path(shell["FAKE_DIR"], "credentials").read_text() == "neo4j|s3cr/et-pass\n"
    assert not any("s3cr" in a for a in args)
    assert not Path(shell["DUMP"], "rows").exists()


def test_a_failed_export_fails_the_job_before_any_upload(shell) -> None:
    result = _run({**shell, "FAKE_FAIL": "1"})
    assert result.returncode != 0
    # the upload container never starts after a failed init container; nothing half-written
    assert not Path(shell["EXPORT_FILE"]).exists()


# --- what the sample enterprise tenant gets -------------------------------------------------------


def _jobs(sample_plan, stack: str) -> dict[str, dict]:
    return {
        r.name: r.inputs
        for r in sample_plan.stack(stack).resources
        if r.type == "kubernetes:batch/v1:CronJob"
    }


def test_globex_neo4j_export_cronjob_is_valid_and_writes_to_its_bucket(sample_plan) -> None:
    import kubernetes_validate

    job = _jobs(sample_plan, "dev.globex")["globex-neo4j-exports-cronjob"]
    manifest = {"apiVersion": "batch/v1", "kind": "CronJob", **job}
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    assert job["spec"]["schedule"] == "30 1 * * *"  # the tenant's schedule
    assert job["metadata"]["namespace"] == names.k8s_namespace("globex")
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == names.k8s_service_account("globex")
    (export,), (upload,) = pod["initContainers"], pod["containers"]
    assert export["command"][:2] == ["/bin/bash", "-c"]
    env = {e["name"]: e.get("value") for e in export["env"]}
    assert env["EXPORT_QUERY"] == EXPORT_QUERY and env["AUTH_DIR"] == AUTH_DIR
    assert env["NEO4J_URI"].startswith("neo4j://globex-neo4j.tenant-globex.svc")
    # the password is a mounted file, never an env secretKeyRef
    assert not any("valueFrom" in e for e in export["env"])
    (auth,) = [v for v in pod["volumes"] if v["name"] == "auth"]
    assert auth["secret"]["secretName"] == "globex-neo4j-auth"
    bucket = next(
        r.inputs["name"]
        for r in sample_plan.stack("dev.globex").resources
        if r.name == "globex-uploads-bucket"
    )
    command = upload["command"][-1]
    assert f"gcloud storage cp {EXPORT_FILE}" in command
    assert f"gs://{bucket}/{EXPORT_PREFIX}/globex-neo4j/" in command


def test_globex_neo4j_loads_apoc_and_the_bucket_keeps_the_exports(sample_plan) -> None:
    stack = sample_plan.stack("dev.globex")
    (release,) = [
        r
        for r in stack.resources
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["name"] == "globex-neo4j"
    ]
    values = release.inputs["values"]
    assert values["env"] == {"NEO4J_PLUGINS": '["apoc"]'}
    assert values["volumes"]["plugins"] == {"mode": "share", "share": {"name": "data"}}
    assert values["neo4j"]["edition"] == "community"  # the edition without online backup
    (bucket,) = [r for r in stack.resources if r.name == "globex-uploads-bucket"]
    prefixes = {
        p
        for rule in bucket.inputs["lifecycleRules"]
        for p in (rule["condition"].get("matchesPrefixes") or [])
    }
    assert f"{EXPORT_PREFIX}/" in prefixes


def test_a_tenant_without_exports_gets_neither_apoc_nor_the_job(sample_plan) -> None:
    for stack in ("dev.stripe", "dev.robinhood"):
        assert not any("neo4j-exports" in name for name in _jobs(sample_plan, stack))
        for r in sample_plan.stack(stack).resources:
            if r.type == "kubernetes:helm.sh/v3:Release" and "neo4j" in r.inputs["name"]:
                assert "env" not in r.inputs["values"]
                assert "plugins" not in r.inputs["values"]["volumes"]
