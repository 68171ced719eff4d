"""Identity Platform itself, once per project: the Identity Toolkit API, initialisation with
multi-tenancy (tenants are refused without it) and the domains allowed as sign-in redirects.

Source: pulumi-gcp identityplatform.Config (creating it calls identityPlatform:initializeAuth;
it cannot be deleted, only dropped from state) and its example, which enables
identitytoolkit.googleapis.com first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import child

IDENTITY_TOOLKIT_API = "identitytoolkit.googleapis.com"


@dataclass
class IdentityPlatformConfigArgs:
    project: pulumi.Input[str]
    authorized_domains: list[str] = field(default_factory=list)


class IdentityPlatformConfig(pulumi.ComponentResource):
    config: gcp.identityplatform.Config

    def __init__(
        self,
        name: str,
        args: IdentityPlatformConfigArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("tenancy:blocks:IdentityPlatformConfig", name, None, opts)
        api = gcp.projects.Service(
            f"{name}-api",
            project=args.project,
            service=IDENTITY_TOOLKIT_API,
            disable_on_destroy=False,
            opts=child(self),
        )
        self.config = gcp.identityplatform.Config(
            f"{name}-config",
            project=args.project,
            multi_tenant=gcp.identityplatform.ConfigMultiTenantArgs(allow_tenants=True),
            authorized_domains=sorted(set(args.authorized_domains)),
            # Destroying it only forgets it (the API cannot delete it): keep it in state.
            opts=child(self, depends_on=[api], retain_on_delete=True),
        )
        self.register_outputs({})
