"""gke-require-release-channel: the control plane follows a release channel (patched on time)."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "gke-require-release-channel"
ANCHORS = (checkov("CKV_GCP_70", "Ensure the GKE Release Channel is set"),)
CHANNELS = ("RAPID", "REGULAR", "STABLE", "EXTENDED")


def check(cluster: Subject, report: Report, config: Config) -> None:
    channel = cluster.get("releaseChannel.channel")
    if channel not in CHANNELS:
        report.violation(
            f"{cluster.label}: releaseChannel.channel is {channel!r}; use one of "
            f"{', '.join(CHANNELS)}"
        )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters are enrolled in a release channel.",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Set releaseChannel.channel to REGULAR (or RAPID/STABLE/EXTENDED).",
)
