"""gcp-restrict-resource-regions: resources live only in the environment's allowed regions."""

from __future__ import annotations

import re

from domain.registry.enterprise import FIRESTORE_KMS_LOCATIONS
from domain.registry.options import FIRESTORE_MULTI_REGIONS, FIRESTORE_PRIVATE_REGIONS
from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import ALLOW_GLOBAL, ALLOWED_REGIONS, Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import elements

NAME = "gcp-restrict-resource-regions"
ANCHORS = (
    tenancy("environment-allowed-regions", "Pulumi.<env>.yaml allowed_regions (data residency)"),
)
KNOBS = (ALLOWED_REGIONS, ALLOW_GLOBAL)
LOCATION_KEYS = ("region", "location", "locationId")
_ZONE_RE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def applies(type_token: str) -> bool:
    return type_token.startswith("gcp:") or type_token == kinds.TEMPORAL_NAMESPACE


def region_of(location: str) -> str:
    """'US-CENTRAL1' → us-central1, 'us-central1-a' → us-central1, 'gcp-us-east1' → us-east1."""
    value = location.lower().removeprefix("gcp-")
    zone = _ZONE_RE.fullmatch(value)
    return zone.group(1) if zone else value


KEY_RING = "gcp:kms/keyRing:KeyRing"
FIRESTORE_OF_KMS = {kms: firestore for firestore, kms in FIRESTORE_KMS_LOCATIONS.items()}


def check(resource: Subject, report: Report, config: Config) -> None:
    allowed = config["allowedRegions"] or resource.facts.require_settings().allowed_regions
    allowed = {region.lower() for region in allowed}
    locations: list[tuple[str, str]] = []
    if resource.type == kinds.TEMPORAL_NAMESPACE:
        locations = [("regions", str(r)) for r in elements(resource.get("regions"), "regions")]
    else:
        locations = [
            (key, str(resource.get(key))) for key in LOCATION_KEYS if resource.get(key) is not None
        ]
    for key, location in locations:
        region = region_of(location)
        if region == "global" and config["allowGlobalLocation"]:
            continue
        if resource.type == KEY_RING and region in FIRESTORE_OF_KMS:
            # The Cloud KMS multi-region a Firestore multi-region's key must live in (enterprise
            # CMEK): judged like that Firestore location.
            region = FIRESTORE_OF_KMS[region]
        if (
            resource.type in (kinds.FIRESTORE_DATABASE, KEY_RING)
            and region in FIRESTORE_MULTI_REGIONS
        ):
            # A multi-region keeps replicas in a fixed set of regions (Firestore docs,
            # "Locations"); each public one must be allowed.
            outside = [
                r
                for r in FIRESTORE_MULTI_REGIONS[region]
                if r not in allowed and r not in FIRESTORE_PRIVATE_REGIONS
            ]
            if outside:
                report.violation(
                    f"{resource.label}: {key} {location!r} keeps replicas in "
                    f"{', '.join(outside)}, outside the allowed regions "
                    f"{', '.join(sorted(allowed))}"
                )
            continue
        if region not in allowed:
            report.violation(
                f"{resource.label}: {key} {location!r} is outside the allowed regions "
                f"{', '.join(sorted(allowed))}"
            )


POLICY = resource_policy(
    name=NAME,
    description="GCP resources and Temporal namespaces stay in the environment's allowed regions.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=applies,
    check=check,
    knobs=KNOBS,
    remediation="Use a region from allowed_regions in Pulumi.<env>.yaml (or the policy's "
    "allowedRegions knob).",
)
