"""The Neo4j snapshot CronJob's script, run by a real shell against a fake kubectl that keeps
VolumeSnapshots in a directory: it creates today's snapshot and prunes exactly the expired ones."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from components.blocks.neo4j_backup import SNAPSHOT_CLASS, SNAPSHOT_SCRIPT, data_volume_claim

# A stand-in for kubectl with the three verbs the script uses. Snapshots are files named after
# the snapshot, holding its creation time; `apply` records the manifest it was given.
FAKE_KUBECTL = r"""#!/bin/sh
store="$FAKE_STORE"
case "$1" in
  apply)
    manifest=$(cat)
    name=$(printf '%s\n' "$manifest" | sed -n 's/^  name: //p')
    printf '%s\n' "$manifest" > "$store/$name.manifest"
    date -u +%Y-%m-%dT%H:%M:%SZ > "$store/$name"
    ;;
  get)
    for f in "$store"/*; do
      case "$f" in *.manifest|*'*') continue ;; esac
      printf '%s %s\n' "$(basename "$f")" "$(cat "$f")"
    done
    ;;
  delete)
    eval "last=\${$#}"
    rm "$store/$last"
    echo "$last" >> "$store/deleted.log.manifest"
    ;;
esac
"""


@pytest.fixture
def kubectl(tmp_path: Path) -> dict[str, str]:
    if shutil.which("date") is None:
        pytest.skip("the script needs date(1)")
    bin_dir, store = tmp_path / "bin", tmp_path / "store"
    bin_dir.mkdir()
    store.mkdir()
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_KUBECTL)
    fake.chmod(0o755)
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_STORE": str(store),
        "RELEASE": "coinbase-neo4j",
        "NAMESPACE": "tenant-coinbase",
        "PVC": data_volume_claim("coinbase-neo4j"),
        "SNAPSHOT_CLASS": SNAPSHOT_CLASS,
        "RETENTION_DAYS": "30",
    }


def _snapshot(store: Path, name: str, age_days: float) -> None:
    created = datetime.now(UTC) - timedelta(days=age_days)
    (store / name).write_text(created.strftime("%Y-%m-%dT%H:%M:%SZ") + "\n")


def test_creates_a_snapshot_of_the_data_volume_and_prunes_only_expired_ones(kubectl) -> None:
    store = Path(kubectl["FAKE_STORE"])
    _snapshot(store, "coinbase-neo4j-old", 31)
    _snapshot(store, "coinbase-neo4j-older", 400)
    _snapshot(store, "coinbase-neo4j-recent", 29)
    subprocess.run(["/bin/sh", "-c", SNAPSHOT_SCRIPT], env=kubectl, check=True, timeout=30)
    kept = sorted(p.name for p in store.iterdir() if not p.name.endswith(".manifest"))
    created = [n for n in kept if n not in ("coinbase-neo4j-recent",)]
    assert "coinbase-neo4j-recent" in kept
    assert "coinbase-neo4j-old" not in kept and "coinbase-neo4j-older" not in kept
    assert len(created) == 1 and created[0].startswith("coinbase-neo4j-2")
    manifest = (store / f"{created[0]}.manifest").read_text()
    assert "persistentVolumeClaimName: data-coinbase-neo4j-0" in manifest
    assert f"volumeSnapshotClassName: {SNAPSHOT_CLASS}" in manifest
    assert "namespace: tenant-coinbase" in manifest


def test_a_failing_snapshot_stops_before_pruning(kubectl, tmp_path: Path) -> None:
    store = Path(kubectl["FAKE_STORE"])
    _snapshot(store, "coinbase-neo4j-old", 31)
    broken = tmp_path / "bin" / "kubectl"
    broken.write_text('#!/bin/sh\n[ "$1" = apply ] && exit 1\nexec true\n')
    result = subprocess.run(["/bin/sh", "-c", SNAPSHOT_SCRIPT], env=kubectl, timeout=30)
    assert result.returncode != 0
    assert (store / "coinbase-neo4j-old").exists(), "nothing may be pruned without a new snapshot"


# --- the restore procedure's manifests (docs/operations.md, "Restore Neo4j") ---------------------
def test_the_restore_claims_are_valid_kubernetes_and_match_the_planned_volume(sample_plan) -> None:
    """Steps 3 and 4 of the standard restore, for a standard tenant of the sample: valid against
    the Kubernetes schemas, on the class and size the chart's volume has, from a snapshot the
    backup job makes (running them needs a cluster: docs/operations.md, "What needs a real
    cloud")."""
    import kubernetes_validate

    from components.blocks.neo4j_backup import restore_claim, swapped_data_claim
    from domain import names

    stack = sample_plan.stack("dev.stripe")
    (release,) = [
        r
        for r in stack.resources
        if r.type == "kubernetes:helm.sh/v3:Release"
        and r.inputs["name"] == names.neo4j_release("stripe")
    ]
    volume = release.inputs["values"]["volumes"]["data"]["dynamic"]
    size_gb = int(volume["requests"]["storage"].removesuffix("Gi"))
    namespace = names.k8s_namespace("stripe")
    restore = restore_claim(release.inputs["name"], namespace, "stripe-neo4j-20261207", size_gb)
    swapped = swapped_data_claim(release.inputs["name"], namespace, "pvc-1234", size_gb)
    for manifest in (restore, swapped):
        kubernetes_validate.validate(manifest, "1.32.0", strict=True)
        assert manifest["spec"]["storageClassName"] == volume["storageClassName"]
        assert manifest["spec"]["resources"]["requests"]["storage"] == f"{size_gb}Gi"
    assert swapped["metadata"]["name"] == data_volume_claim(release.inputs["name"])
    assert restore["spec"]["dataSource"]["kind"] == "VolumeSnapshot"
    # The snapshot the procedure restores is the kind the job creates.
    assert "kind: VolumeSnapshot" in SNAPSHOT_SCRIPT
