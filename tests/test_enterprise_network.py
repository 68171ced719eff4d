"""An enterprise tenant's `network:` section: its guardrails refuse (file, field, reason, all at
once), and what it builds (firewall rules, NetworkPolicies, HA VPN, private ingress, the tenant's
half of the VPN and of the peering) is in globex's offline plan, with no secret in it."""

from __future__ import annotations

import json

import pytest
from support import UMBRELLA, of_type, tenant_problems, write_tenant

from domain.registry import RegistryError, load_registry

BASE = UMBRELLA  # umbrella.yaml up to its `network:` section
VPN = """
  vpn:
    peer_gateway_ips: [35.199.20.1, 35.199.20.2]
    peer_asn: 65020
    shared_secret: umbrella-psk
    remote_ranges: [{remote}]
"""


def problems(tenants_dir, settings, network: str) -> list[str]:
    return tenant_problems(tenants_dir, settings, "umbrella.yaml", BASE + "network:\n" + network)


def firewall(sources: str, protocol: str = "tcp", ports: str = '["443"]') -> str:
    return (
        f"  firewall_rules:\n    - name: corp\n      sources: {sources}\n"
        f"      protocol: {protocol}\n" + (f"      ports: {ports}\n" if ports else "")
    )


def policy(peers: str, port: int = 8080, key: str = "ingress_from") -> str:
    return (
        f"  policies:\n    - name: reporting\n      {key}: {peers}\n"
        f"      ports: [{{port: {port}}}]\n"
    )


REFUSALS = [
    (firewall("[0.0.0.0/0]"), "network.firewall_rules.0.sources", "the whole internet"),
    (
        firewall("[8.8.8.0/24]", ports='["5432"]'),
        "network.firewall_rules.0",
        "may not reach 5432 (PostgreSQL)",
    ),
    (
        firewall("[8.8.8.0/24]", ports='["7000-8000"]'),
        "network.firewall_rules.0",
        "7474 (Neo4j HTTP), 7687 (Neo4j Bolt)",
    ),
    (firewall("[192.168.0.0/16]", ports=""), "network.firewall_rules.0", "tcp needs ports"),
    (
        firewall("[192.168.0.0/16]", protocol="icmp"),
        "network.firewall_rules.0",
        "icmp takes no ports",
    ),
    (firewall("[192.168.0.1/16]"), "network.firewall_rules.0.sources", "has host bits set"),
    (
        firewall("[10.128.0.0/16]"),
        "network.firewall_rules.0.sources",
        "a tenant rule may open only the tenant's own networks, not the pods range of "
        "robinhood.yaml (10.128.0.0/14)",
    ),
    (
        firewall("[10.64.0.0/16]"),
        "network.firewall_rules.0.sources",
        "the platform pods range (network.pods_cidr) (10.64.0.0/14)",
    ),
    (policy("[0.0.0.0/0]"), "network.policies.0.ingress_from", "the whole internet"),
    (policy("[1.2.3.0/24]", port=7687), "network.policies.0", "may not reach port(s) [7687]"),
    (
        policy("[10.20.0.0/24]", key="egress_to"),
        "network.policies.0.egress_to",
        "the node subnet of robinhood.yaml (10.20.0.0/20)",
    ),
    (
        "  policies:\n    - name: empty\n      ports: [{port: 80}]\n",
        "network.policies.0",
        "needs ingress_from or egress_to",
    ),
    (
        VPN.format(remote="10.30.0.0/24"),
        "network.vpn.remote_ranges",
        "the tenant's network behind the VPN must not overlap its own node subnet",
    ),
    (
        VPN.format(remote="172.16.32.0/24"),
        "network.vpn.remote_ranges",
        "the control plane range of robinhood.yaml",
    ),
    (VPN.format(remote="8.8.8.0/24"), "network.vpn.remote_ranges", "not a private"),
    (
        VPN.format(remote="192.168.0.0/16").replace("35.199.20.1", "10.1.1.1"),
        "network.vpn.peer_gateway_ips",
        "'10.1.1.1' is not a public address",
    ),
    (
        VPN.format(remote="192.168.0.0/16").replace(
            "[35.199.20.1, 35.199.20.2]", "[35.199.20.1, 35.199.20.2, 35.199.20.3]"
        ),
        "network.vpn.peer_gateway_ips",
        "give 1, 2 or 4 peer gateway addresses",
    ),
    (
        VPN.format(remote="192.168.0.0/16") + "    router_asn: 65100\n".replace("65100", "64000"),
        "network.vpn.router_asn",
        "64000 is not an RFC 6996 private ASN",
    ),
    (
        VPN.format(remote="192.168.0.0/16").replace("65020", "64514"),
        "network.vpn",
        "peer_asn must differ from router_asn",
    ),
    (
        firewall("[192.168.0.0/16]") + "    - name: corp\n      sources: [192.168.1.0/24]\n"
        "      protocol: icmp\n",
        "network.firewall_rules",
        "firewall rule name 'corp' is used twice",
    ),
]


@pytest.mark.parametrize(("network", "field", "reason"), REFUSALS)
def test_each_guardrail_refuses_with_file_field_and_reason(
    tenants_dir, settings, network, field, reason
) -> None:
    found = problems(tenants_dir, settings, network)
    assert any(
        p.startswith("umbrella.yaml:") and f": {field}" in p and reason in p for p in found
    ), "\n".join(found)


def test_all_problems_are_reported_at_once(tenants_dir, settings) -> None:
    network = (
        firewall("[0.0.0.0/0]")
        + policy("[10.20.0.0/24]", key="egress_to")
        + VPN.format(remote="10.30.0.0/24")
    )
    found = [p for p in problems(tenants_dir, settings, network) if p.startswith("umbrella")]
    fields = {p.split(": ")[1] for p in found}
    assert {
        "network.firewall_rules.0.sources",
        "network.policies.0.egress_to",
        "network.vpn.remote_ranges",
    } <= fields, found


def test_a_standard_tenant_may_not_set_network(tenants_dir, settings) -> None:
    write_tenant(
        tenants_dir,
        "umbrella.yaml",
        "id: umbrella\ndisplay_name: U\ntier: standard\nregion: us-central1\n"
        "contact_email: ops@umbrella.example\nplacement: pool-a\n"
        "network:\n  ingress: {private: true}\n",
    )
    with pytest.raises(RegistryError) as caught:
        load_registry(tenants_dir, settings)
    assert any(
        "network.ingress: tier 'standard' may not override this" in str(p)
        for p in caught.value.problems
    ), caught.value


def test_the_rules_that_pass(tenants_dir, settings) -> None:
    network = (
        firewall("[192.168.0.0/16, 8.8.8.0/24]")  # public source, but not a database port
        + "  policies:\n    - name: reporting\n      ingress_from: [192.168.10.0/24]\n"
        "      egress_to: [192.168.20.0/24]\n      ports: [{port: 5432}]\n"
        + VPN.format(remote="192.168.0.0/16")
        + "  ingress: {private: true}\n"
    )
    write_tenant(tenants_dir, "umbrella.yaml", BASE + "network:\n" + network)
    tenant = load_registry(tenants_dir, settings).get("umbrella")
    assert tenant.network.vpn.redundancy == "TWO_IPS_REDUNDANCY"


# --- what globex's network section builds ---------------------------------------------------------


def test_tenant_firewall_rules_sit_between_the_platform_allows_and_its_deny(globex_run) -> None:
    rules = {
        r.inputs["name"]: r.inputs
        for r in of_type(globex_run.plan, "gcp:compute/firewall:Firewall")
    }
    corp = rules["globex-vpc-tenant-corp-https"]
    assert corp["sourceRanges"] == ["192.168.0.0/16"] and corp["direction"] == "INGRESS"
    assert corp["allows"] == [{"protocol": "tcp", "ports": ["443"]}]
    assert 1000 < corp["priority"] < rules["globex-vpc-deny-ingress"]["priority"]
    assert "ports" not in rules["globex-vpc-tenant-corp-ping"]["allows"][0]


def test_tenant_network_policies_are_ip_peers_in_the_tenant_namespace(globex_run) -> None:
    policies = {
        r.inputs["metadata"]["name"]: r.inputs
        for r in of_type(globex_run.plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    }
    reporting = policies["tenant-reporting-from-corp"]
    assert reporting["metadata"]["namespace"] == "tenant-globex"
    assert reporting["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "192.168.10.0/24"}}]
    assert reporting["spec"]["policyTypes"] == ["Ingress"]
    ldap = policies["tenant-to-corp-ldap"]
    assert ldap["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "192.168.20.10/32"}}]
    assert "default-deny-all" in policies  # the baseline stays


def test_the_ha_vpn_has_two_tunnels_with_bgp_and_no_secret_in_the_plan(globex_run) -> None:
    gateway = of_type(globex_run.plan, "gcp:compute/externalVpnGateway:ExternalVpnGateway")[0]
    assert gateway.inputs["redundancyType"] == "TWO_IPS_REDUNDANCY"
    tunnels = of_type(globex_run.plan, "gcp:compute/vPNTunnel:VPNTunnel")
    assert sorted(
        (t.inputs["vpnGatewayInterface"], t.inputs["peerExternalGatewayInterface"]) for t in tunnels
    ) == [(0, 0), (1, 1)]
    assert all(t.inputs["sharedSecret"] == "[secret]" for t in tunnels)
    router = next(
        r for r in of_type(globex_run.plan, "gcp:compute/router:Router") if "bgp" in r.inputs
    )
    assert router.inputs["bgp"]["asn"] == 64514
    peers = of_type(globex_run.plan, "gcp:compute/routerPeer:RouterPeer")
    assert sorted(p.inputs["peerIpAddress"] for p in peers) == ["169.254.10.2", "169.254.10.6"]
    assert {p.inputs["peerAsn"] for p in peers} == {65010}
    # The mocks answer the Secret Manager read with this value: it must appear nowhere.
    dumped = json.dumps([r.to_dict() for r in globex_run.plan.resources]) + json.dumps(
        globex_run.outputs, default=str
    )
    assert "offline-secret" not in dumped


def test_the_private_ingress_is_an_internal_load_balancer(globex_run) -> None:
    address = next(
        a for a in of_type(globex_run.plan, "gcp:compute/address:Address") if "private" in a.name
    )
    assert address.inputs["addressType"] == "INTERNAL"
    release = next(
        r
        for r in of_type(globex_run.plan, "kubernetes:helm.sh/v3:Release")
        if r.inputs["name"] == "ingress-nginx-internal"
    )
    service = release.inputs["values"]["controller"]["service"]
    assert service["annotations"] == {"networking.gke.io/load-balancer-type": "Internal"}
    ingresses = {
        r.inputs["spec"]["ingressClassName"]
        for r in of_type(globex_run.plan, "kubernetes:networking.k8s.io/v1:Ingress")
    }
    assert ingresses == {"nginx", "nginx-internal"}


def test_the_tenants_half_is_a_stack_output(globex_run) -> None:
    vpn = globex_run.outputs["vpn_tenant_half"]
    assert vpn["google_asn"] == 64514 and vpn["your_asn"] == 65010
    assert [t["your_bgp_ip"] for t in vpn["tunnels"]] == ["169.254.10.2", "169.254.10.6"]
    assert "globex-vpn-psk" in vpn["shared_secret"]  # the secret's name, never its value
    peering = globex_run.outputs["peering_tenant_half"]
    assert peering["network"] == "projects/globex-corp-net/global/networks/corp"
    assert "gcloud compute networks peerings create" in peering["command"]
    assert "10.9.0.0/20" in peering["our_ranges"]
