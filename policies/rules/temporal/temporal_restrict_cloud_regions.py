"""temporal-restrict-cloud-regions: namespaces ask only for regions Temporal Cloud has, in pairs it
replicates between."""

from __future__ import annotations

from domain.provider_facts import TEMPORAL_REGIONS_SOURCE, temporal_region_problems
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import elements

NAME = "temporal-restrict-cloud-regions"
ANCHORS = (provider("temporal-cloud-regions", TEMPORAL_REGIONS_SOURCE),)


def check(namespace: Subject, report: Report, config: Config) -> None:
    regions = [str(r) for r in elements(namespace.get("regions"), "regions")]
    if not regions:
        report.violation(f"{namespace.label}: regions is empty; Temporal Cloud needs one or two")
    for problem in temporal_region_problems(regions):
        report.violation(f"{namespace.label}: {problem}")


POLICY = resource_policy(
    name=NAME,
    description=(
        "Temporal Cloud namespaces use regions from Temporal Cloud's catalogue, and two regions "
        "only where Temporal Cloud replicates between them."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.TEMPORAL_NAMESPACE},
    check=check,
    remediation=(
        "Use Temporal Cloud region codes (gcp-us-central1, gcp-us-east4, ...); on GCP only "
        "gcp-us-central1, gcp-us-west1 and gcp-us-east4 replicate to each other."
    ),
)
