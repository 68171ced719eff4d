"""k8s-forbid-vulnerable-charts: no Helm release pins a chart version with a known, fixed
vulnerability."""

from __future__ import annotations

from domain.provider_facts import CHART_ADVISORY_SOURCE, chart_vulnerability
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "k8s-forbid-vulnerable-charts"
ANCHORS = (provider("ingress-nginx-cve-2025-1974", CHART_ADVISORY_SOURCE),)


def check(release: Subject, report: Report, config: Config) -> None:
    chart = str(release.get("chart") or "")
    version = str(release.get("version") or "")
    advisory = chart_vulnerability(chart, version)
    if advisory is not None:
        report.violation(
            f"{release.label}: chart {chart.rsplit('/', 1)[-1]} {version} is affected by "
            f"{advisory}; "
            "raise it to a fixed release"
        )


POLICY = resource_policy(
    name=NAME,
    description=(
        "Helm releases pin chart versions that carry the fixes for known advisories (ingress-"
        "nginx: CVE-2025-1974)."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.HELM_RELEASE, "kubernetes:helm.sh/v4:Chart"},
    check=check,
    remediation="Raise the chart in Pulumi.<env>.yaml (ingress-nginx: 4.11.5, 4.12.1 or later).",
)
