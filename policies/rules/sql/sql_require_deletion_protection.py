"""sql-require-deletion-protection: a tenant's databases cannot be deleted by accident."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.lifecycle import is_offboarding
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "sql-require-deletion-protection"
ANCHORS = (
    tenancy(
        "stateful-protection", "Stateful resources are protected unless their tenant is offboarding"
    ),
)


def check(instance: Subject, report: Report, config: Config) -> None:
    if is_offboarding(instance):
        return
    # The provider defaults deletionProtection to true; only an explicit false removes it.
    if as_bool(instance.get("deletionProtection")) is False:
        report.violation(
            f"{instance.label}: deletionProtection is false and its tenant is not offboarding"
        )
    if as_bool(instance.get("settings.deletionProtectionEnabled")) is False:
        report.violation(
            f"{instance.label}: settings.deletionProtectionEnabled is false and its tenant is not "
            "offboarding"
        )


POLICY = resource_policy(
    name=NAME,
    description="Cloud SQL instances keep deletion protection on (provider and API) unless their "
    "tenant is offboarding.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SQL_INSTANCE},
    check=check,
    remediation="Keep deletionProtection and settings.deletionProtectionEnabled true; set the "
    "tenant's status to "
    "'offboarding' in tenants/<id>.yaml before removing its databases.",
)
