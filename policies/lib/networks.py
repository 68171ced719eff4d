"""Network facts shared by the rules that judge who may connect (GKE control plane, Cloud SQL)."""

from __future__ import annotations


def is_open_cidr(cidr: str) -> bool:
    """A /0 range (0.0.0.0/0, ::/0) admits the whole internet."""
    return cidr.strip().endswith("/0")
