"""Which input changes force a provider to replace a resource, and which resources hold state.

The table is data, one entry per Pulumi type the program uses (and the stateful types it may use),
each with the provider source it was read from. ``tenancy transitions`` uses it to tell an in-place
update from a replacement in the offline plan diff (the plan has no provider to ask), and
``docs/lifecycle.md`` documents it.

Versions: pulumi-gcp 10.2.0 is built on terraform-provider-google(-beta) 8.0.x
(pulumi/pulumi-gcp#3931);
pulumi-temporalcloud 0.6.2 pins terraform-provider-temporalcloud v0.6.0; pulumi-kubernetes 4.x
decides replacement in provider/pkg/provider/diff.go (``forceNew``) plus metadata.name/namespace;
pulumi-random 4.21 is terraform-provider-random 3.x, where every input replaces.

Rule kinds:
- ``value``: any change of the value at the path (a primitive, a list of primitives, or for
  Kubernetes any change anywhere under the path) replaces;
- ``presence``: only adding or removing the block (or changing how many items a block list has)
  replaces; that is how Terraform SDKv2 applies ForceNew to a nested block;
- a condition: the provider's CustomizeDiff replaces only for some changes (for example only when a
  disk shrinks); the condition gets the old and new value and both input maps.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Inputs = dict[str, Any]
Condition = Callable[[Any, Any, Inputs, Inputs], bool]

_MISSING = object()

GOOGLE = "hashicorp/terraform-provider-google@e03b7622 (8.0.0 merge; pulumi-gcp 10.2.0)"
GOOGLE_BETA = "hashicorp/terraform-provider-google-beta@93c65b2d"
TEMPORAL = (
    "temporalio/terraform-provider-temporalcloud@v0.6.0 (pinned by pulumi-temporalcloud 0.6.2)"
)
KUBERNETES = "pulumi/pulumi-kubernetes@94977969 provider/pkg/provider/diff.go"
RANDOM = "hashicorp/terraform-provider-random@ad788e23 (same RequiresReplace set since v3.6.0)"


@dataclass(frozen=True)
class ReplaceRule:
    path: str  # Pulumi (camelCase) input path, dots between levels; lists are looked through
    kind: str = "value"  # value | presence | conditional
    condition: Condition | None = None
    note: str = ""


@dataclass(frozen=True)
class ReplaceEntry:
    type: str
    rules: tuple[ReplaceRule, ...]
    source: str
    in_place: str = ""  # notable inputs that do NOT replace


def _entry(resource_type: str, *parts: tuple[ReplaceRule, ...] | str) -> ReplaceEntry:
    """An entry from rule groups, then the source and optionally the notable in-place inputs."""
    groups = [p for p in parts if isinstance(p, tuple)]
    texts = [p for p in parts if isinstance(p, str)]
    rules = tuple(rule for group in groups for rule in group)
    return ReplaceEntry(resource_type, rules, texts[0], texts[1] if len(texts) > 1 else "")


def _v(*paths: str) -> tuple[ReplaceRule, ...]:
    return tuple(ReplaceRule(p) for p in paths)


def _p(*paths: str) -> tuple[ReplaceRule, ...]:
    return tuple(ReplaceRule(p, "presence") for p in paths)


def _when(path: str, condition: Condition, note: str) -> ReplaceRule:
    return ReplaceRule(path, "conditional", condition, note)


# --- conditions (CustomizeDiff) ------------------------------------------------------------------


def _disk_shrinks_without_autoresize(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    autoresize = _get(after, "settings.diskAutoresize")
    try:
        return float(new) < float(old) and autoresize is False
    except (TypeError, ValueError):
        return False


def _set_to_empty(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    return bool(old) and not new


def _true_to_false(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    return old is True and new is not True


def _cidr_not_contained(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    try:
        before_net, after_net = ipaddress.ip_network(str(old)), ipaddress.ip_network(str(new))
        return not before_net.subnet_of(after_net)  # type: ignore[arg-type]  # mixed: TypeError
    except (TypeError, ValueError):
        return True  # unknown: assume the provider replaces


def _element_removed(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    return bool(set(old or []) - set(new or []))


def _autopilot_and_changed(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    return _get(after, "enableAutopilot") is True and old != new


def _non_null_values_changed(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    def present(m: Any) -> dict[str, Any]:
        return {k: v for k, v in (m or {}).items() if v is not None}

    return present(old) != present(new)


def _unless_empty_to_null(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    return not (old == "" and new is None) and old != new


def _always(old: Any, new: Any, before: Inputs, after: Inputs) -> bool:
    return old != new


# --- the table -----------------------------------------------------------------------------------

_NODE_CONFIG = (
    "guestAccelerators",
    "localSsdCount",
    "ephemeralStorageLocalSsdConfig",
    "localNvmeSsdBlockConfig",
    "secondaryBootDisks",
    "metadata",
    "minCpuPlatform",
    "oauthScopes",
    "preemptible",
    "spot",
    "serviceAccount",
    "reservationAffinity",
    "shieldedInstanceConfig",
    "bootDiskKmsKey",
    "nodeGroup",
    "advancedMachineFeatures",
    "soleTenantConfig",
    "hostMaintenancePolicy",
    "confidentialNodes.confidentialInstanceType",
    "enableConfidentialStorage",
    "localSsdEncryptionMode",
    "maxRunDuration",
    "flexStart",
)

ENTRIES: tuple[ReplaceEntry, ...] = (
    _entry(
        "gcp:sql/databaseInstance:DatabaseInstance",
        _v(
            "name",
            "project",
            "region",
            "encryptionKeyName",
            "settings.collation",
            "replicaConfiguration",
        ),
        (
            _when(
                "masterInstanceName",
                _always,
                "ForceNewIf: replaces unless the change is the old primary's side of a switchover",
            ),
            _when(
                "settings.diskSize",
                _disk_shrinks_without_autoresize,
                "only when shrinking with diskAutoresize false (diskSizeCutomizeDiff)",
            ),
            _when(
                "settings.ipConfiguration.privateNetwork",
                _set_to_empty,
                "only when going from a network to none (privateNetworkCustomizeDiff)",
            ),
            _when(
                "settings.autoUpgradeEnabled",
                _true_to_false,
                "only true -> false (autoUpgradeEnabledCustomizeDiff)",
            ),
        ),
        f"{GOOGLE} google/services/sql/resource_sql_database_instance.go: CustomizeDiff L237-253; "
        "ForceNew L261 region, L542 settings.collation, L1160 encryption_key_name, L1227 name, "
        "L1242 project, L1271-1348 replica_configuration.*",
        "databaseVersion, settings.tier, settings.edition, settings.diskType, deletionProtection",
    ),
    _entry(
        "gcp:sql/database:Database",
        _v("instance", "name", "project"),
        f"{GOOGLE} google/services/sql/resource_sql_database.go "
        "L147 instance, L154 name, L183 project",
        "charset, collation, deletionPolicy",
    ),
    _entry(
        "gcp:sql/user:User",
        _v("instance", "name", "host", "type", "project", "iamEmail"),
        f"{GOOGLE} google/services/sql/resource_sql_user.go L130-L271",
        "password, passwordPolicy, deletionPolicy",
    ),
    _entry(
        "gcp:storage/bucket:Bucket",
        _v(
            "name",
            "location",
            "project",
            "enableObjectRetention",
            "customPlacementConfig.dataLocations",
            "hierarchicalNamespace.enabled",
        ),
        _p("hierarchicalNamespace"),
        (
            _when(
                "retentionPolicy.isLocked",
                _true_to_false,
                "ForceNewIfChange: only locked -> unlocked (isPolicyLocked)",
            ),
        ),
        f"{GOOGLE} google/services/storage/resource_storage_bucket.go: CustomizeDiff L79-83; "
        "ForceNew L135 name, L196 location, L207 project, L375, L576, L628/L636",
        "storageClass, versioning, lifecycleRules, uniformBucketLevelAccess, labels, forceDestroy",
    ),
    _entry(
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        _v("bucket", "role", "member", "condition"),
        f"{GOOGLE} google/services/storage/iam_storage_bucket.go L36; "
        "google/tpgiamresource/resource_iam_member.go L67-96 (no Update: every input replaces)",
    ),
    _entry(
        "gcp:firestore/database:Database",
        _v(
            "name",
            "locationId",
            "project",
            "databaseEdition",
            "cmekConfig.kmsKeyName",
            "firestoreDataAccessMode",
            "mongodbCompatibleDataAccessMode",
            "realtimeUpdatesMode",
            "tags",
        ),
        _p("cmekConfig"),
        f"{GOOGLE} google/services/firestore/resource_firestore_database.go ForceNew L143 "
        "location_id, L150 name, L176/186 cmek_config, L228, L247, L256, L276, L284 tags, "
        "L342 project",
        "type, concurrencyMode, pointInTimeRecoveryEnablement, deleteProtectionState, "
        "deletionPolicy",
    ),
    _entry(
        "gcp:firestore/backupSchedule:BackupSchedule",
        _v("database", "project") + _p("dailyRecurrence", "weeklyRecurrence"),
        f"{GOOGLE} google/services/firestore/resource_firestore_backup_schedule.go L155, L166, "
        "L173, L198",
        "retention",
    ),
    _entry(
        "gcp:identityplatform/tenant:Tenant",
        _v("project"),
        f"{GOOGLE} google/services/identityplatform/resource_identity_platform_tenant.go L201 "
        "(the only ForceNew field)",
        "displayName, allowPasswordSignup, enableEmailLinkSignin, disableAuth",
    ),
    _entry(
        "gcp:identityplatform/config:Config",
        _v("project"),
        f"{GOOGLE} google/services/identityplatform/resource_identity_platform_config.go L561",
    ),
    _entry(
        "gcp:kms/keyRing:KeyRing",
        _v("name", "location", "project"),
        f"{GOOGLE} google/services/kms/resource_kms_key_ring.go "
        "L144 location, L151 name, L158 project",
    ),
    _entry(
        "gcp:kms/cryptoKey:CryptoKey",
        _v(
            "keyRing",
            "name",
            "purpose",
            "importOnly",
            "destroyScheduledDuration",
            "cryptoKeyBackend",
            "versionTemplate.protectionLevel",
        ),
        f"{GOOGLE} google/services/kms/resource_kms_crypto_key.go L152-L240",
        "rotationPeriod, labels, versionTemplate.algorithm",
    ),
    _entry(
        "gcp:organizations/project:Project",
        _v("projectId", "tags"),
        f"{GOOGLE} google/services/resourcemanager/resource_google_project.go "
        "L98 project_id, L172 tags",
        "orgId, folderId, name, billingAccount, labels, deletionPolicy",
    ),
    _entry(
        "gcp:container/cluster:Cluster",
        _v(
            "name",
            "location",
            "project",
            "network",
            "subnetwork",
            "description",
            "clusterIpv4Cidr",
            "enableKubernetesAlpha",
            "enableTpu",
            "enableAutopilot",
            "initialNodeCount",
            "defaultMaxPodsPerNode",
            "networkingMode",
            "datapathProvider",
            "dataplaneOptimizationMode",
            "clusterAutoscaling.autoProvisioningDefaults.bootDiskKmsKey",
            "confidentialNodes.enabled",
            "confidentialNodes.confidentialInstanceType",
            "masterAuth.clientCertificateConfig.issueClientCertificate",
            "ipAllocationPolicy.clusterIpv4CidrBlock",
            "ipAllocationPolicy.servicesIpv4CidrBlock",
            "ipAllocationPolicy.clusterSecondaryRangeName",
            "ipAllocationPolicy.servicesSecondaryRangeName",
            "privateClusterConfig.masterIpv4CidrBlock",
            "privateClusterConfig.privateEndpointSubnetwork",
            "userManagedKeysConfig",
            "tpuConfig.enabled",
            "tpuConfig.useServiceNetworking",
        ),
        _p(
            "confidentialNodes",
            "masterAuth.clientCertificateConfig",
            "ipAllocationPolicy",
            "ipAllocationPolicy.podCidrOverprovisionConfig",
            "nodePools",
            "nodeConfig",
        ),
        tuple(ReplaceRule(f"nodeConfig.{p}") for p in _NODE_CONFIG),
        (
            _when("enableL4IlbSubsetting", _true_to_false, "ForceNewIfChange: only true -> false"),
            _when("enableFqdnNetworkPolicy", _true_to_false, "only true -> false"),
            _when(
                "enableK8sBetaApis.enabledApis",
                _element_removed,
                "only when an enabled API is removed",
            ),
            _when(
                "dnsConfig.additiveVpcScopeDnsDomain",
                _autopilot_and_changed,
                "only on Autopilot clusters",
            ),
        ),
        f"{GOOGLE} google/services/container/resource_container_cluster.go CustomizeDiff "
        "L254-269; ForceNew L296-L2673; node_config.go schemaNodeConfig L279-284; "
        f"tpuConfig: {GOOGLE_BETA} google-beta/services/container/resource_container_cluster.go "
        "L1157/L1168",
        "minMasterVersion, releaseChannel, addonsConfig, masterAuthorizedNetworksConfig, "
        "workloadIdentityConfig, deletionProtection, resourceLabels",
    ),
    _entry(
        "gcp:container/nodePool:NodePool",
        _v(
            "cluster",
            "location",
            "project",
            "name",
            "namePrefix",
            "initialNodeCount",
            "maxPodsPerNode",
            "placementPolicy.policyName",
            "queuedProvisioning.enabled",
            "networkConfig.acceleratorNetworkProfile",
            "networkConfig.createPodRange",
            "networkConfig.podRange",
            "networkConfig.podIpv4CidrBlock",
            "networkConfig.subnetwork",
            "networkConfig.additionalNodeNetworkConfigs",
            "networkConfig.additionalPodNetworkConfigs",
        ),
        _p(
            "placementPolicy",
            "queuedProvisioning",
            "networkConfig.podCidrOverprovisionConfig",
            "nodeConfig",
            "nodeConfig.sandboxConfig",
        ),
        tuple(ReplaceRule(f"nodeConfig.{p}") for p in _NODE_CONFIG),
        f"{GOOGLE} google/services/container/resource_container_node_pool.go ForceNew L243-L681; "
        "node_config.go schemaNodeConfig (L284-L1440)",
        "nodeCount, autoscaling, management, upgradeSettings, version, nodeConfig.machineType, "
        "diskSizeGb, diskType, imageType, labels, taints, tags, workloadMetadataConfig",
    ),
    _entry(
        "gcp:compute/network:Network",
        _v(
            "name",
            "project",
            "autoCreateSubnetworks",
            "description",
            "internalIpv6Range",
            "networkProfile",
            "params.resourceManagerTags",
        ),
        _p("params"),
        f"{GOOGLE} google/services/compute/resource_compute_network.go L143-L305",
        "routingMode, mtu, bgp*",
    ),
    _entry(
        "gcp:compute/subnetwork:Subnetwork",
        _v(
            "name",
            "network",
            "region",
            "project",
            "description",
            "externalIpv6Prefix",
            "internalIpv6Prefix",
            "reservedInternalRange",
            "resolveSubnetMask",
            "params.resourceManagerTags",
        ),
        _p("params"),
        (
            _when(
                "ipCidrRange",
                _cidr_not_contained,
                "ForceNewIfChange(IsShrinkageIpCidr): only when the new range does not contain "
                "the old one",
            ),
        ),
        f"{GOOGLE} google/services/compute/resource_compute_subnetwork.go CustomizeDiff L384-391; "
        "ForceNew L420-L760",
        "secondaryIpRanges, privateIpGoogleAccess, logConfig, stackType",
    ),
    _entry(
        "gcp:secretmanager/secret:Secret",
        _v("secretId", "project", "tags", "replication.auto", "replication.userManaged"),
        _p("replication"),
        f"{GOOGLE} google/services/secretmanager/resource_secret_manager_secret.go ForceNew "
        "L172-226 replication.*, L257 secret_id, L339 tags, L432 project; CustomizeDiff L57-80",
        "labels, annotations, rotation, ttl, versionAliases",
    ),
    _entry(
        "gcp:serviceaccount/account:Account",
        _v("accountId", "project"),
        f"{GOOGLE} google/services/resourcemanager/resource_google_service_account.go L93, L118",
        "displayName, description, disabled",
    ),
    _entry(
        "gcp:dns/managedZone:ManagedZone",
        _v("name", "dnsName", "project", "visibility", "reverseLookup"),
        _p("serviceDirectoryConfig"),
        f"{GOOGLE} google/services/dns/resource_dns_managed_zone.go L148, L154, L378, L428; "
        f"{GOOGLE_BETA} L378 reverse_lookup, L386 service_directory_config",
        "description, labels, dnssecConfig, privateVisibilityConfig",
    ),
    _entry(
        "temporalcloud:index/namespace:Namespace",
        _v("name"),
        (
            ReplaceRule(
                "regions",
                "conditional",
                lambda old, new, b, a: sorted(old or []) != sorted(new or []),
                "RequiresReplace on an unordered list: re-ordering alone is no change",
            ),
        ),
        f"{TEMPORAL} internal/provider/namespace_resource.go L156-162 (name), L170-180 (regions)",
        "retentionDays, acceptedClientCa, certificateFilters, apiKeyAuth, codecServer",
    ),
    _entry(
        "temporalcloud:index/apikey:Apikey",
        _v("ownerType", "ownerId", "expiryTime"),
        f"{TEMPORAL} internal/provider/apikey_resource.go L90-96, L97-103, L120-126",
        "displayName, description, disabled",
    ),
    _entry(
        "kubernetes:core/v1:Namespace",
        _v("metadata.name"),
        f"{KUBERNETES} L23-25 + L207-212 (metadataForceNewProperties; no kind entry for Namespace)",
        "labels, annotations",
    ),
    _entry(
        "kubernetes:core/v1:PersistentVolumeClaim",
        _v(
            "metadata.name",
            "metadata.namespace",
            "spec.accessModes",
            "spec.selector",
            "spec.storageClassName",
            "spec.volumeName",
        ),
        f"{KUBERNETES} L111-118 (PersistentVolumeClaim) + L243-251",
        "spec.resources.requests.storage (expansion only, in place)",
    ),
    _entry(
        "kubernetes:apps/v1:StatefulSet",
        _v(
            "metadata.name",
            "metadata.namespace",
            "spec.podManagementPolicy",
            "spec.revisionHistoryLimit",
            "spec.selector",
            "spec.serviceName",
            "spec.volumeClaimTemplates",
        ),
        f"{KUBERNETES} L46-57 and L196-205 (statefulSet)",
        "spec.replicas, spec.template, spec.updateStrategy",
    ),
    _entry(
        "kubernetes:batch/v1:Job",
        _v(
            "metadata.name",
            "metadata.namespace",
            "spec.completions",
            "spec.parallelism",
            "spec.selector",
            "spec.template",
        ),
        f"{KUBERNETES} L78-82 and L178-186 (job)",
        "spec.backoffLimit, spec.activeDeadlineSeconds, spec.ttlSecondsAfterFinished, spec.suspend",
    ),
    _entry(
        "kubernetes:helm.sh/v3:Release",
        _v("name", "namespace"),
        "pulumi/pulumi-kubernetes@94977969 provider/pkg/provider/helm_release.go L907-910",
        "chart, version, values (a helm upgrade)",
    ),
    _entry(
        "random:index/randomPassword:RandomPassword",
        _v(
            "length",
            "special",
            "upper",
            "lower",
            "number",
            "numeric",
            "minNumeric",
            "minUpper",
            "minLower",
            "minSpecial",
        ),
        (
            _when("keepers", _non_null_values_changed, "RequiresReplaceIfValuesNotNull"),
            _when("overrideSpecial", _unless_empty_to_null, "replaces unless '' becomes null"),
        ),
        f"{RANDOM} internal/provider/resource_password.go L570-720",
    ),
    _entry(
        "random:index/randomId:RandomId",
        _v("byteLength", "prefix"),
        (_when("keepers", _non_null_values_changed, "RequiresReplaceIfValuesNotNull"),),
        f"{RANDOM} internal/provider/resource_id.go L60-84",
    ),
)

REPLACE_ON: dict[str, ReplaceEntry] = {e.type: e for e in ENTRIES}

# Kubernetes: every object is replaced when its name or namespace changes (diff.go L23-37).
_K8S_METADATA = _v("metadata.name", "metadata.namespace")

# A kubernetes provider whose cluster changes replaces every object it manages
# (provider.go DiffConfig, L454ff).
K8S_PROVIDER_REPLACING_INPUTS = ("kubeconfig", "context", "cluster", "clusterIdentifier")


# --- stateful and identity resources -------------------------------------------------------------

# type -> what it holds. A deletion or replacement of one of these loses data or identities.
STATEFUL_TYPES: dict[str, str] = {
    "gcp:sql/databaseInstance:DatabaseInstance": "database instance",
    "gcp:sql/database:Database": "database",
    "gcp:storage/bucket:Bucket": "bucket",
    "gcp:firestore/database:Database": "Firestore database",
    "gcp:identityplatform/tenant:Tenant": "Identity Platform tenant (the tenant's users)",
    "temporalcloud:index/namespace:Namespace": "Temporal namespace (workflow histories)",
    "gcp:kms/keyRing:KeyRing": "KMS key ring",
    "gcp:kms/cryptoKey:CryptoKey": "KMS key (the data it encrypts)",
    "gcp:organizations/project:Project": "project",
    "kubernetes:core/v1:PersistentVolumeClaim": "volume",
    "kubernetes:apps/v1:StatefulSet": "volumes of a StatefulSet",
}
# Component types whose children hold state although their own types are generic.
STATEFUL_PARENTS: dict[str, str] = {
    "tenancy:blocks:Neo4j": "Neo4j volumes",  # the Helm release owns the PVCs
    "tenancy:blocks:TemporalNamespace": "Temporal namespace",  # the self-hosted dynamic resource
}
STATEFUL_CHILD_TYPES = ("kubernetes:helm.sh/v3:Release", "pulumi-python:dynamic:Resource")


def stateful_kind(resource_type: str, parent_type: str | None = None) -> str | None:
    """What a resource holds, or None when losing it loses no data and no identity."""
    if resource_type in STATEFUL_TYPES:
        return STATEFUL_TYPES[resource_type]
    if parent_type in STATEFUL_PARENTS and resource_type in STATEFUL_CHILD_TYPES:
        return STATEFUL_PARENTS[parent_type]
    return None


# --- evaluation ----------------------------------------------------------------------------------


def _get(data: Any, path: str) -> Any:
    """The value at ``path``; through lists, the list of the items' values."""
    current: Any = data
    for part in path.split("."):
        if isinstance(current, list):
            current = [item.get(part, None) if isinstance(item, dict) else None for item in current]
        elif isinstance(current, dict):
            current = current.get(part, _MISSING)
            if current is _MISSING:
                return None
        else:
            return None
    return current


def _presence(value: Any) -> Any:
    if isinstance(value, list):
        return len(value)
    return value is not None


def rules_for(resource_type: str) -> tuple[ReplaceRule, ...]:
    entry = REPLACE_ON.get(resource_type)
    rules = entry.rules if entry else ()
    if resource_type.startswith("kubernetes:") and not resource_type.startswith(
        ("kubernetes:helm.sh/", "pulumi:providers")
    ):
        rules = _K8S_METADATA + tuple(r for r in rules if r.path not in {"metadata.name"})
    return rules


def replace_reasons(resource_type: str, before: Inputs, after: Inputs) -> list[str]:
    """The inputs whose change makes the provider replace the resource (empty: an update).

    Values unknown offline (``[unknown]``) compare as they are: the plan shows the same marker on
    both sides when nothing changed.
    """
    reasons = []
    for rule in rules_for(resource_type):
        old, new = _get(before, rule.path), _get(after, rule.path)
        if rule.kind == "presence":
            if _presence(old) != _presence(new):
                reasons.append(f"{rule.path} (block added or removed)")
        elif rule.kind == "conditional" and rule.condition is not None:
            if old != new and rule.condition(old, new, before, after):
                reasons.append(f"{rule.path} ({rule.note})")
        elif old != new:
            reasons.append(rule.path)
    return reasons


def known_type(resource_type: str) -> bool:
    return resource_type in REPLACE_ON or resource_type.startswith("kubernetes:")
