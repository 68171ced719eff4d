"""Filter fragments the monitoring blocks share (uptime checks by id, hosts in PromQL)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def uptime_checks_clause(check_ids: Sequence[pulumi.Input[str]]) -> pulumi.Output[str]:
    """A Cloud Monitoring filter clause that matches any of these uptime checks."""
    return pulumi.Output.all(*check_ids).apply(
        lambda ids: " OR ".join(f'metric.label.check_id = "{i}"' for i in ids)
    )


def hosts_regex(hosts: list[str]) -> str:
    """The hosts as a PromQL regex; dots escaped (a PromQL string needs the backslash doubled)."""
    return "|".join(h.replace(".", "\\\\.") for h in hosts)
