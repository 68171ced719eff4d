"""k8s-require-private-google-dns: egress limited to private.googleapis.com comes with the DNS that
sends Google APIs there."""

from __future__ import annotations

from domain.provider_facts import (
    GOOGLEAPIS_WILDCARD,
    GOOGLEAPIS_ZONE,
    PRIVATE_GOOGLE_ACCESS_SOURCE,
    PRIVATE_GOOGLE_APIS_CIDR,
    PRIVATE_GOOGLE_APIS_IPS,
    PRIVATE_GOOGLEAPIS_HOST,
)
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.egress import ip_egress
from policies.lib.ordering import peek, peek_in, peek_list
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import is_unknown

NAME = "k8s-require-private-google-dns"
ANCHORS = (provider("private-google-access-dns", PRIVATE_GOOGLE_ACCESS_SOURCE),)
NETWORK = "gcp:compute/network:Network"
ZONE = "gcp:dns/managedZone:ManagedZone"
RECORD = "gcp:dns/recordSet:RecordSet"


def _attached(zone: Subject, network: Subject) -> bool:
    """The zone is visible from this VPC (by id or self link; an unknown URL is another
    resource's output, so it counts when the zone depends on the network)."""
    name = str(peek(network, "name") or network.name)
    for entry in peek_list(zone, "privateVisibilityConfig.networks"):
        url = peek_in(entry, "networkUrl")
        if url is None:
            continue
        if is_unknown(url):
            if network.urn in zone.dependencies:
                return True
        elif str(url).rstrip("/").endswith(f"/networks/{name}"):
            return True
    return False


def _records(view: StackView, zone: Subject) -> dict[tuple[str, str], set[str]]:
    zone_name = peek(zone, "name")
    found: dict[tuple[str, str], set[str]] = {}
    for record in view.of_type(RECORD):
        managed = peek(record, "managedZone")
        if managed != zone_name and zone.urn not in record.dependencies:
            continue
        key = (str(peek(record, "name")), str(peek(record, "type")))
        found[key] = {str(v) for v in peek_list(record, "rrdatas")}
    return found


def check(view: StackView, report: Report, config: Config) -> None:
    restricted = [
        (policy, egress)
        for policy in view.of_type(kinds.NETWORK_POLICY)
        for egress in ip_egress(policy)
        if egress.cidr == PRIVATE_GOOGLE_APIS_CIDR
    ]
    networks = view.of_type(NETWORK)
    if not restricted or not networks:
        return  # no such egress here, or the VPC (and its zone) belongs to another stack
    zones = [
        z
        for z in view.of_type(ZONE)
        if peek(z, "dnsName") == GOOGLEAPIS_ZONE and peek(z, "visibility") == "private"
    ]
    policy = restricted[0][0]
    for network in networks:
        zone = next((z for z in zones if _attached(z, network)), None)
        if zone is None:
            report.violation(
                f"{policy.label} lets pods reach Google APIs only at "
                f"{PRIVATE_GOOGLE_APIS_CIDR}, but "
                f"{network.label} has no private '{GOOGLEAPIS_ZONE}' zone: *.googleapis.com "
                "resolves to public addresses the policy blocks",
                network.urn,
            )
            continue
        records = _records(view, zone)
        if records.get((PRIVATE_GOOGLEAPIS_HOST, "A")) != set(PRIVATE_GOOGLE_APIS_IPS):
            report.violation(
                f"{zone.label}: needs {PRIVATE_GOOGLEAPIS_HOST} A "
                f"{', '.join(PRIVATE_GOOGLE_APIS_IPS)}",
                zone.urn,
            )
        if records.get((GOOGLEAPIS_WILDCARD, "CNAME")) != {PRIVATE_GOOGLEAPIS_HOST}:
            report.violation(
                f"{zone.label}: needs {GOOGLEAPIS_WILDCARD} CNAME {PRIVATE_GOOGLEAPIS_HOST}",
                zone.urn,
            )


POLICY = stack_policy(
    name=NAME,
    description=(
        "Where NetworkPolicies open Google APIs only at private.googleapis.com (199.36.153.8/30), "
        "each VPC of the stack has the private googleapis.com. zone (A + wildcard CNAME) that "
        "sends *.googleapis.com there."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation=(
        "Add PrivateGoogleAccessDns to the VPC (components/blocks/private_google_access_dns.py)."
    ),
)
