"""k8s-require-datapath-metadata-server: pods may reach the GKE metadata server where the cluster's
datapath puts it."""

from __future__ import annotations

from domain.provider_facts import (
    LEGACY_DATAPATH,
    METADATA_CIDRS,
    METADATA_SERVER,
    METADATA_SOURCE,
    PRIVATE_GOOGLE_APIS_CIDR,
)
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.egress import ip_egress
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView

NAME = "k8s-require-datapath-metadata-server"
ANCHORS = (provider("gke-metadata-server-per-datapath", METADATA_SOURCE),)


def _datapath(view: StackView) -> str:
    paths = {str(c.get("datapathProvider") or LEGACY_DATAPATH) for c in view.of_type(kinds.CLUSTER)}
    if len(paths) == 1:
        return paths.pop()
    if paths:
        raise ValueError(f"clusters of mixed datapaths: {', '.join(sorted(paths))}")
    # No cluster here: the tenant runs on the platform's clusters, built with the setting.
    return view.facts.require_settings().gke_datapath


def check(view: StackView, report: Report, config: Config) -> None:
    policies = view.of_type(kinds.NETWORK_POLICY)
    if not policies:
        return
    try:
        datapath = _datapath(view)
    except ValueError as exc:
        report.violation(f"stack {view.ref.name}: {exc}; a pod's metadata address is ambiguous")
        return
    expected = METADATA_SERVER[datapath]
    allowed_ns: set[str | None] = set()
    api_ns: dict[str | None, str] = {}
    for policy in policies:
        for egress in ip_egress(policy):
            if egress.cidr == PRIVATE_GOOGLE_APIS_CIDR:
                api_ns.setdefault(egress.namespace, policy.label)
            if egress.cidr not in METADATA_CIDRS:
                continue
            if egress.cidr != expected.cidr:
                report.violation(
                    f"{policy.label}: allows the metadata server at {egress.cidr}, but on "
                    f"{datapath} pods reach it at {expected.cidr} (ports "
                    f"{', '.join(map(str, expected.ports))}); Workload Identity tokens fail",
                    policy.urn,
                )
            elif egress.ports and not set(expected.ports) & set(egress.ports):
                report.violation(
                    f"{policy.label}: opens {egress.cidr} on ports {list(egress.ports)}; the "
                    f"metadata server answers on {', '.join(map(str, expected.ports))}",
                    policy.urn,
                )
            else:
                allowed_ns.add(egress.namespace)
    for namespace, label in sorted(api_ns.items(), key=lambda kv: str(kv[0])):
        if namespace not in allowed_ns:
            report.violation(
                f"namespace {namespace!r}: {label} opens Google APIs, but no NetworkPolicy lets "
                f"pods reach the metadata server ({expected.cidr}) for their Workload Identity "
                "tokens"
            )


POLICY = stack_policy(
    name=NAME,
    description=(
        "NetworkPolicies open the GKE metadata server at the address of the cluster's datapath "
        "(Dataplane V2: 169.254.169.254:80; legacy: 169.254.169.252:988), in every namespace "
        "that calls Google APIs."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation=(
        "Build the allow from domain.provider_facts.METADATA_SERVER[datapath] (NamespaceBaseline "
        "does)."
    ),
)
