"""k8s-require-oci-chart-reference: an OCI chart is named whole in `chart`, never as a
repository."""

from __future__ import annotations

from domain.provider_facts import OCI_CHART_SOURCE, OCI_PREFIX
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "k8s-require-oci-chart-reference"
ANCHORS = (provider("helm-oci-chart-reference", OCI_CHART_SOURCE),)


def check(release: Subject, report: Report, config: Config) -> None:
    repo = str(release.get("repositoryOpts.repo") or "")
    chart = str(release.get("chart") or "")
    if repo.startswith(OCI_PREFIX):
        report.violation(
            f"{release.label}: repositoryOpts.repo is the OCI registry {repo!r}; Helm refuses an "
            f"oci:// URL as a chart repository: set chart to '{repo.rstrip('/')}/{chart}' and "
            "drop repositoryOpts.repo"
        )
    elif chart.startswith(OCI_PREFIX) and repo:
        report.violation(
            f"{release.label}: chart is the OCI reference {chart!r} and repositoryOpts.repo is "
            f"also set ({repo!r}); an OCI chart takes no repository"
        )


POLICY = resource_policy(
    name=NAME,
    description=(
        "Helm releases from an OCI registry name the chart as oci://host/path/chart and set no "
        "repository."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.HELM_RELEASE, "kubernetes:helm.sh/v4:Chart"},
    check=check,
    remediation=(
        "Put the full oci://host/path/chart in `chart`, the version in `version`, and no "
        "repositoryOpts.repo."
    ),
)
