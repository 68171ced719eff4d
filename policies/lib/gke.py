"""Where GKE keeps node settings: the cluster's own nodeConfig (its default pool), inline
``nodePools`` and separate NodePool resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.lib import kinds
from policies.lib.resources import Subject
from policies.lib.values import elements, get

GKE_TYPES = frozenset({kinds.CLUSTER, kinds.NODE_POOL})


def node_configs(subject: Subject) -> Iterator[tuple[str, Any]]:
    """(where, nodeConfig) of every node configuration this resource declares."""
    if subject.type == kinds.NODE_POOL:
        yield "nodeConfig", subject.get("nodeConfig")
        return
    node_config = subject.get("nodeConfig")
    if node_config is not None:
        yield "nodeConfig", node_config
    for index, pool in enumerate(elements(subject.get("nodePools"), "nodePools")):
        yield f"nodePools.{index}.nodeConfig", get(pool, "nodeConfig")


def node_pool_managements(subject: Subject) -> Iterator[tuple[str, Any]]:
    """(where, management) of every node pool this resource declares."""
    if subject.type == kinds.NODE_POOL:
        yield "management", subject.get("management")
        return
    for index, pool in enumerate(elements(subject.get("nodePools"), "nodePools")):
        yield f"nodePools.{index}.management", get(pool, "management")
