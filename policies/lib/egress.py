"""The egress a NetworkPolicy opens: (cidr, ports) per ipBlock, read the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policies.lib.resources import Subject
from policies.lib.values import elements, get


@dataclass(frozen=True)
class IpEgress:
    namespace: str | None
    cidr: str
    ports: tuple[int, ...]  # empty: every port


def ip_egress(policy: Subject) -> Iterator[IpEgress]:
    namespace = policy.get("metadata.namespace")
    for index, rule in enumerate(elements(policy.get("spec.egress"), "spec.egress")):
        ports = tuple(
            int(p)
            for p in (
                get(port, "port")
                for port in elements(get(rule, "ports"), f"spec.egress.{index}.ports")
            )
            if isinstance(p, int) or (isinstance(p, str) and p.isdigit())
        )
        for peer in elements(get(rule, "to"), f"spec.egress.{index}.to"):
            cidr = get(peer, "ipBlock.cidr")
            if cidr is not None:
                yield IpEgress(namespace, str(cidr), ports)
