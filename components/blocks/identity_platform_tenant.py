"""An Identity Platform tenant: the tenant's own user pool, email and password only (seed 002).

Every tenant's identity, whatever its tier, lives in the platform stack, so a tier change never
deletes or recreates it (docs/lifecycle.md). Suspension sets ``disable_auth``: nobody signs in,
the users stay. Protected unless the tenant is offboarding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import child


@dataclass
class IdentityPlatformTenantArgs:
    display_name: str
    project: pulumi.Input[str]
    disable_auth: bool = False  # True while the tenant is suspended
    protect: bool = True  # False only while the tenant is offboarding
    # The project's multi-tenant Identity Platform config (the platform stack's, or this one).
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class IdentityPlatformTenant(pulumi.ComponentResource):
    tenant: gcp.identityplatform.Tenant

    def __init__(
        self,
        name: str,
        args: IdentityPlatformTenantArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("tenancy:blocks:IdentityPlatformTenant", name, {}, opts)
        self.tenant = gcp.identityplatform.Tenant(
            f"{name}-idp",
            display_name=args.display_name,
            project=args.project,
            allow_password_signup=True,
            enable_email_link_signin=False,
            disable_auth=args.disable_auth,
            opts=child(self, protect=args.protect, depends_on=args.depends_on),
        )
        self.register_outputs({"name": self.tenant.name})
