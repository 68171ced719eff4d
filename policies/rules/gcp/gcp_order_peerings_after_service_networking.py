"""gcp-order-peerings-after-service-networking: a VPC's peerings are made one after another, after
its service networking connection."""

from __future__ import annotations

from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.ordering import Waits, peek
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import is_unknown

NAME = "gcp-order-peerings-after-service-networking"
ANCHORS = (
    provider(
        "gcp-one-peering-operation",
        "https://github.com/hashicorp/terraform-provider-google/issues/3026",
    ),
)
CONNECTION = "gcp:servicenetworking/connection:Connection"
PEERING = "gcp:compute/networkPeering:NetworkPeering"
NETWORK = "gcp:compute/network:Network"


def _network_key(view: StackView, subject: Subject) -> str | None:
    """The VPC a peering or connection changes: its name, or the Network it depends on."""
    value = peek(subject, "network")
    if value is not None and not is_unknown(value) and "/networks/" in str(value):
        return str(value).rstrip("/").rsplit("/networks/", 1)[1]
    networks = view.dependencies_of(subject, NETWORK)
    return str(peek(networks[0], "name") or networks[0].name) if len(networks) == 1 else None


def check(view: StackView, report: Report, config: Config) -> None:
    connections = view.of_type(CONNECTION)
    peerings = view.of_type(PEERING)
    if not connections or not peerings:
        return
    waits = Waits(view)
    for peering in peerings:
        key = _network_key(view, peering)
        for connection in connections:
            other = _network_key(view, connection)
            if key is not None and other is not None and key != other:
                continue
            if not waits.after(peering, connection):
                report.violation(
                    f"{peering.label}: changes VPC {key!r} while {connection.label} may still be "
                    'peering it; GCP runs one peering operation per network at a time ("There '
                    'is a peering operation in progress"): depend on the connection',
                    peering.urn,
                )


POLICY = stack_policy(
    name=NAME,
    description=(
        "A VPC network peering waits for the service networking connection on the same VPC; the "
        "provider does not serialise the two and GCP refuses concurrent peering operations."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Create the NetworkPeering with depends_on=[the servicenetworking Connection].",
)
