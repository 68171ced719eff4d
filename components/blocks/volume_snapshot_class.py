"""A VolumeSnapshotClass: a Kubernetes object whose fields sit at the top level (``driver``,
``deletionPolicy``), which ``apiextensions.CustomResource`` (spec-only) cannot express. The type
token follows the provider's generic form ``kubernetes:<apiVersion>:<kind>``."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

API_VERSION = "snapshot.storage.k8s.io/v1"
KIND = "VolumeSnapshotClass"


class VolumeSnapshotClass(pulumi.CustomResource):
    def __init__(
        self,
        name: str,
        metadata: k8s.meta.v1.ObjectMetaArgs,
        driver: str,
        deletion_policy: str,
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": metadata,
            "driver": driver,
            "deletionPolicy": deletion_policy,
        }
        super().__init__(f"kubernetes:{API_VERSION}:{KIND}", name, props, opts)
