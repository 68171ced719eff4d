"""temporal-require-namespace-auth: a Temporal namespace authenticates clients (API key or mTLS)."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "temporal-require-namespace-auth"
ANCHORS = (tenancy("seed-000-temporal", "One Temporal Cloud namespace per customer"),)


def check(namespace: Subject, report: Report, config: Config) -> None:
    api_keys = as_bool(namespace.get("apiKeyAuth")) is True
    mtls = bool(namespace.get("acceptedClientCa"))
    if not (api_keys or mtls):
        report.violation(
            f"{namespace.label}: neither apiKeyAuth = true nor an acceptedClientCa (mTLS) is set"
        )


POLICY = resource_policy(
    name=NAME,
    description="Temporal Cloud namespaces authenticate with API keys or mTLS.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.TEMPORAL_NAMESPACE},
    check=check,
    remediation="Set apiKeyAuth = true (and give the tenant's service account an API key) or "
    "acceptedClientCa.",
)
