"""sql-forbid-public-ip: Cloud SQL is reachable on private IP only."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.networks import is_open_cidr
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool, elements, get

NAME = "sql-forbid-public-ip"
ANCHORS = (
    checkov("CKV_GCP_60", "Ensure SQL database do not have public IP"),
    checkov("CKV_GCP_11", "Ensure that Cloud SQL database Instances are not open to the world"),
)


def check(instance: Subject, report: Report, config: Config) -> None:
    # Cloud SQL turns public IPv4 on unless told otherwise.
    if as_bool(instance.get("settings.ipConfiguration.ipv4Enabled")) is not False:
        report.violation(
            f"{instance.label}: settings.ipConfiguration.ipv4Enabled must be false (public IPv4 "
            "address)"
        )
    networks = instance.get("settings.ipConfiguration.authorizedNetworks")
    for network in elements(networks, "settings.ipConfiguration.authorizedNetworks"):
        value = str(get(network, "value", ""))
        if is_open_cidr(value):
            report.violation(
                f"{instance.label}: authorized network {value!r} admits the whole internet"
            )


POLICY = resource_policy(
    name=NAME,
    description="Cloud SQL instances have no public IPv4 address and no authorized network ending "
    "in /0.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SQL_INSTANCE},
    check=check,
    remediation="Set settings.ipConfiguration.ipv4Enabled = false with a privateNetwork; drop /0 "
    "authorized networks.",
)
