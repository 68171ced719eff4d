"""k8s-require-image-digests: workloads the platform builds run images pinned by digest."""

from __future__ import annotations

from domain.provider_facts import IMAGE_DIGEST_RE
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.k8s import containers, pod_spec
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import get

NAME = "k8s-require-image-digests"
ANCHORS = (
    provider(
        "kubernetes-image-digest",
        "https://kubernetes.io/docs/concepts/containers/images/#image-names",
    ),
)
# Images the platform builds and publishes (third-party sidecars are pinned by version).
PLATFORM_REGISTRY = "-docker.pkg.dev/"


def check(workload: Subject, report: Report, config: Config) -> None:
    for where, container in containers(pod_spec(workload)):
        image = str(get(container, "image") or "")
        if PLATFORM_REGISTRY in image and not IMAGE_DIGEST_RE.search(image):
            report.violation(
                f"{workload.label}: {where} runs {image!r}, a tag that can be moved; pin it by "
                "digest (name@sha256:...)"
            )


POLICY = resource_policy(
    name=NAME,
    description=(
        "Workload containers run images from the platform's Artifact Registry pinned by digest, "
        "not by a mutable tag."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=set(kinds.POD_SPEC_PATHS),
    check=check,
    remediation="Set migrations_image (and other platform images) to name:tag@sha256:<digest>.",
)
