"""gcp-order-identity-tenants-after-config: Identity Platform tenants wait for a multi-tenant
Identity Platform config."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.ordering import Waits, peek
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView
from policies.lib.values import as_bool

NAME = "gcp-order-identity-tenants-after-config"
ANCHORS = (
    provider(
        "identity-platform-multi-tenancy",
        "https://www.pulumi.com/registry/packages/gcp/api-docs/identityplatform/config/",
    ),
)
CONFIG = "gcp:identityplatform/config:Config"
SERVICE = "gcp:projects/service:Service"
IDENTITY_TOOLKIT = "identitytoolkit.googleapis.com"


def check(view: StackView, report: Report, config: Config) -> None:
    tenants = view.of_type(kinds.IDP_TENANT)
    configs = view.of_type(CONFIG)
    if not configs and not (tenants and view.ref.is_platform):
        return  # tenant stacks use the platform project's config
    waits = Waits(view)
    for idp in configs:
        if as_bool(peek(idp, "multiTenant.allowTenants")) is not True:
            report.violation(
                f"{idp.label}: multiTenant.allowTenants is not true; tenants are refused", idp.urn
            )
        apis = [s for s in view.of_type(SERVICE) if peek(s, "service") == IDENTITY_TOOLKIT]
        if not any(waits.after(idp, s) for s in apis):
            report.violation(
                f"{idp.label}: does not wait for {IDENTITY_TOOLKIT} to be enabled", idp.urn
            )
    for tenant in tenants:
        project = peek(tenant, "project")
        mine = [c for c in configs if peek(c, "project") == project]
        if not mine:
            report.violation(
                f"{tenant.label}: no Identity Platform config (multi-tenancy) for project "
                f"{project!r} in this stack; creating tenants fails until it exists",
                tenant.urn,
            )
        elif not any(waits.after(tenant, c) for c in mine):
            report.violation(
                f"{tenant.label}: may be created before {mine[0].label} enables multi-tenancy",
                tenant.urn,
            )


POLICY = stack_policy(
    name=NAME,
    description=(
        "The stack that owns a project's Identity Platform creates its config with the Identity "
        "Toolkit API and multi-tenancy, and its tenants wait for that config."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation=(
        "Create IdentityPlatformConfig in the platform stack and pass it to "
        "IdentityPlatformTenant(depends_on=...)."
    ),
)
