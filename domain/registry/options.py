"""What an enterprise tenant file may say about its network: firewall rules and NetworkPolicies
of its own, an HA VPN to its network, a private ingress beside the public one.

The guardrails that need only the file live here (no /0, no public source to a database or the
control plane's ports, no unknown protocol); the ones that need the other tenants and the
environment (no rule that opens another tenant's or the platform's ranges) are in
``domain.networks.opening_problems`` and run with the registry's cross-tenant checks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from domain.networks import PRIVATE_RANGES
from domain.provider_facts import IAM_GROUP_NAME, POSTGRES_MAX_ROLE_BYTES

RULE_NAME_PATTERN = r"^[a-z](?:[-a-z0-9]{0,28}[a-z0-9])?$"
# Ports a tenant may open only to private sources: the databases (PostgreSQL, Neo4j Bolt, HTTP,
# HTTPS and backup) and the kubelet, which the control plane calls. The control plane itself is
# not in the tenant's VPC: master authorized networks guard it (gke-restrict-master-authorized-
# networks refuses /0 there).
PROTECTED_PORTS = {
    5432: "PostgreSQL",
    7687: "Neo4j Bolt",
    7474: "Neo4j HTTP",
    7473: "Neo4j HTTPS",
    6362: "Neo4j backup",
    10250: "the kubelet",
}
MAX_SOURCES = 32


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def check_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 network: {exc}") from None
    if str(network) != value:
        raise ValueError(f"{value!r} must be written as {str(network)!r}")
    if network.prefixlen == 0:
        raise ValueError(f"{value!r} is the whole internet: a tenant rule never opens /0")
    return value


def is_private(cidr: str) -> bool:
    network = ipaddress.IPv4Network(cidr, strict=False)
    return any(network.subnet_of(r) for r in PRIVATE_RANGES)


def _port_range(spec: str) -> tuple[int, int]:
    low, _, high = spec.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        raise ValueError(f"port {spec!r} must be N or N-M")
    lo, hi = int(low), int(high or low)
    if not 1 <= lo <= hi <= 65535:
        raise ValueError(f"port {spec!r} must be within 1..65535, low to high")
    return lo, hi


class FirewallRule(Strict):
    """An INGRESS allow rule on the tenant's VPC (nodes and pods), from the tenant's networks."""

    name: str = Field(pattern=RULE_NAME_PATTERN, description="Unique within the tenant file.")
    description: str | None = Field(None, max_length=200)
    sources: list[str] = Field(
        min_length=1,
        max_length=MAX_SOURCES,
        description="Source IPv4 ranges; never /0, never another tenant's or the platform's.",
    )
    protocol: Literal["tcp", "udp", "icmp"] = "tcp"
    ports: list[str] = Field(
        default_factory=list, max_length=16, description="N or N-M; none for icmp (all ports)."
    )

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        return [check_cidr(v) for v in value]

    @model_validator(mode="after")
    def _guardrails(self) -> FirewallRule:
        if self.protocol == "icmp" and self.ports:
            raise ValueError("icmp takes no ports")
        if self.protocol != "icmp" and not self.ports:
            raise ValueError(f"{self.protocol} needs ports (a rule never opens every port)")
        ranges = [_port_range(p) for p in self.ports]
        public = [s for s in self.sources if not is_private(s)]
        if public:
            hit = sorted(
                f"{port} ({what})"
                for port, what in PROTECTED_PORTS.items()
                if any(lo <= port <= hi for lo, hi in ranges)
            )
            if hit:
                raise ValueError(
                    f"public source(s) {public} may not reach {', '.join(hit)}: databases and "
                    "the control plane are reachable only from private networks (VPN/peering)"
                )
        return self


class PolicyPort(Strict):
    protocol: Literal["TCP", "UDP"] = "TCP"
    port: int = Field(ge=1, le=65535)


class NetworkPolicyRule(Strict):
    """An extra NetworkPolicy in the tenant's namespace: which of its pods may be reached from
    (ingress) or may reach (egress) which IPv4 ranges. Peers are IP ranges only, so no policy
    can open another namespace; the default deny stays."""

    name: str = Field(pattern=RULE_NAME_PATTERN)
    pod_selector: dict[str, str] = Field(
        default_factory=dict, description="Labels of the tenant's pods; {} selects all of them."
    )
    ingress_from: list[str] = Field(default_factory=list, max_length=MAX_SOURCES)
    egress_to: list[str] = Field(default_factory=list, max_length=MAX_SOURCES)
    ports: list[PolicyPort] = Field(min_length=1, max_length=16)

    @field_validator("ingress_from", "egress_to")
    @classmethod
    def _peers(cls, value: list[str]) -> list[str]:
        return [check_cidr(v) for v in value]

    @field_validator("pod_selector")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, label in value.items():
            if not key or len(key) > 63 or len(label) > 63:
                raise ValueError(f"label {key!r}: keys and values are at most 63 characters")
        return value

    @model_validator(mode="after")
    def _something(self) -> NetworkPolicyRule:
        if not self.ingress_from and not self.egress_to:
            raise ValueError("a policy needs ingress_from or egress_to")
        public = [s for s in self.ingress_from if not is_private(s)]
        protected = [p.port for p in self.ports if p.port in PROTECTED_PORTS]
        if public and protected:
            raise ValueError(
                f"public source(s) {public} may not reach port(s) {protected}: databases are "
                "reachable only from private networks"
            )
        return self


class HaVpn(Strict):
    """An HA VPN from the tenant's VPC to its own network, with BGP on a Cloud Router."""

    peer_gateway_ips: list[str] = Field(
        min_length=1,
        max_length=4,
        description="Public IPv4 addresses of the tenant's VPN gateway: 1, 2 or 4 "
        "(external gateway redundancy SINGLE_IP_INTERNALLY_REDUNDANT, TWO_IPS_REDUNDANCY, "
        "FOUR_IPS_REDUNDANCY).",
    )
    peer_asn: int = Field(ge=1, le=4294967294, description="The tenant's BGP ASN.")
    router_asn: int = Field(
        64514,
        description="Our Cloud Router's ASN: an RFC 6996 private ASN (64512..65534 or "
        "4200000000..4294967294).",
    )
    shared_secret: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,255}$",
        description="Secret Manager secret id (in the tenant's project) holding the IKE shared "
        "secret; its value never enters the tenant file, outputs, logs or the plan.",
    )
    remote_ranges: list[str] = Field(
        min_length=1,
        max_length=MAX_SOURCES,
        description="The tenant's private networks behind the VPN (not our ranges or another "
        "tenant's).",
    )

    @field_validator("peer_gateway_ips")
    @classmethod
    def _public_ips(cls, value: list[str]) -> list[str]:
        if len(value) not in (1, 2, 4):
            raise ValueError("give 1, 2 or 4 peer gateway addresses")
        for text in value:
            try:
                address = ipaddress.IPv4Address(text)
            except ValueError:
                raise ValueError(f"{text!r} is not an IPv4 address") from None
            if not address.is_global:
                raise ValueError(f"{text!r} is not a public address")
        if len(set(value)) != len(value):
            raise ValueError("an address is listed twice")
        return value

    @field_validator("router_asn")
    @classmethod
    def _private_asn(cls, value: int) -> int:
        # terraform-provider-google google/verify/validation.go ValidateRFC6996Asn (L109-119).
        if not (64512 <= value <= 65534 or 4200000000 <= value <= 4294967294):
            raise ValueError(
                f"{value} is not an RFC 6996 private ASN (64512..65534, 4200000000..4294967294)"
            )
        return value

    @field_validator("remote_ranges")
    @classmethod
    def _remote(cls, value: list[str]) -> list[str]:
        for cidr in value:
            check_cidr(cidr)
            if not is_private(cidr):
                raise ValueError(f"{cidr!r} is not a private (RFC 1918) network")
        return value

    @model_validator(mode="after")
    def _distinct_asn(self) -> HaVpn:
        if self.peer_asn == self.router_asn:
            raise ValueError("peer_asn must differ from router_asn (eBGP)")
        return self

    @property
    def redundancy(self) -> str:
        return {
            1: "SINGLE_IP_INTERNALLY_REDUNDANT",
            2: "TWO_IPS_REDUNDANCY",
            4: "FOUR_IPS_REDUNDANCY",
        }[len(self.peer_gateway_ips)]


class IngressOptions(Strict):
    """A private ingress beside the public one: a second controller behind an internal load
    balancer in the tenant's VPC, reached over its VPN or peering."""

    private: bool = Field(False, description="Also serve the app on an internal load balancer.")


def _unique_names(kind: str) -> Callable[[list[Any]], list[Any]]:
    def check(items: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for item in items:
            if item.name in seen:
                raise ValueError(f"{kind} name {item.name!r} is used twice")
            seen.add(item.name)
        return items

    return check


FirewallRules = Annotated[
    list[FirewallRule], Field(max_length=50), AfterValidator(_unique_names("firewall rule"))
]
NetworkPolicyRules = Annotated[
    list[NetworkPolicyRule], Field(max_length=50), AfterValidator(_unique_names("policy"))
]


def opened_ranges(network: object) -> list[tuple[str, str]]:
    """(field path, CIDR) for every range a `network:` section (as plain data) opens or routes
    to: firewall sources, NetworkPolicy peers, the VPN's remote ranges."""
    found: list[tuple[str, str]] = []
    if not isinstance(network, dict):
        return found

    def items(key: str) -> list[tuple[int, dict]]:
        value = network.get(key)
        if not isinstance(value, list):
            return []
        return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]

    def cidrs(value: object) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    for i, rule in items("firewall_rules"):
        found += [(f"network.firewall_rules.{i}.sources", c) for c in cidrs(rule.get("sources"))]
    for i, policy in items("policies"):
        for key in ("ingress_from", "egress_to"):
            found += [(f"network.policies.{i}.{key}", c) for c in cidrs(policy.get(key))]
    vpn = network.get("vpn")
    if isinstance(vpn, dict):
        found += [("network.vpn.remote_ranges", c) for c in cidrs(vpn.get("remote_ranges"))]
    return found


# --- data options --------------------------------------------------------------------------------

# Firestore multi-region locations and the regions that hold their replicas (read-write and
# witness), from https://cloud.google.com/firestore/native/docs/locations ("Multi-region
# locations"). us-central2 is a private Google region, never in an environment's allowed list.
FIRESTORE_MULTI_REGIONS: dict[str, tuple[str, ...]] = {
    "nam5": ("us-central1", "us-central2", "us-east1"),
    "eur3": ("europe-west1", "europe-west4", "europe-north1"),
}
FIRESTORE_PRIVATE_REGIONS = frozenset({"us-central2"})
CRON_PATTERN = r"^(\S+\s+){4}\S+$"
_CRON_FIELD = r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$"
_CRON_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def check_cron(value: str) -> str:
    """Five numeric cron fields (Kubernetes CronJob syntax, no names or macros)."""
    import re

    parts = value.split()
    if len(parts) != 5:
        raise ValueError(f"{value!r} must be five cron fields: minute hour day month weekday")
    for part, (lo, hi), what in zip(
        parts, _CRON_BOUNDS, ("minute", "hour", "day", "month", "weekday"), strict=True
    ):
        if not re.fullmatch(_CRON_FIELD, part):
            raise ValueError(f"{value!r}: the {what} field {part!r} is not a cron field")
        for number in re.findall(r"\d+", part.split("/")[0]):
            if not lo <= int(number) <= hi:
                raise ValueError(f"{value!r}: the {what} {number} is outside {lo}..{hi}")
    return value


class DirectDbAccess(Strict):
    """A database login of the tenant's own (an IAM group, no password), with its own grants and
    row-level security still enforced, reachable only over the tenant's VPN."""

    # Cloud SQL names the group's role with its email, all lowercase, and PostgreSQL role names
    # hold 63 bytes (domain.provider_facts.iam_group_user_problems, CLOUD_SQL_IAM_GROUP_SOURCE).
    group: str = Field(
        pattern=IAM_GROUP_NAME.pattern,
        max_length=POSTGRES_MAX_ROLE_BYTES,
        description="Google group whose members sign in (Cloud SQL IAM database authentication): "
        "its email in lowercase, at most 63 characters.",
    )
    read_only: bool = Field(True, description="SELECT only; false also grants writes.")


class DataExports(Strict):
    """Scheduled exports of every database (PostgreSQL, Firestore, Neo4j) to the tenant bucket."""

    schedule: str = Field(
        pattern=CRON_PATTERN, description="Cron schedule (UTC), e.g. '0 2 * * *'."
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)
