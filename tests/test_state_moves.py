"""``tenancy state-moves``: the declared moves run once, against a fake Pulumi CLI holding state."""

from __future__ import annotations

import json
import subprocess

import pytest

from domain.lifecycle import identity_move
from tenancy.lifecycle.state_moves import StateMoveError, declared_moves, run_moves

LEGACY = (
    "urn:pulumi:dev.stripe::tenancy::tenancy:tiers:NamespaceTenant$tenancy:blocks:TenantServices"
    "$tenancy:blocks:IdentityPlatformTenant::stripe-identity"
)


class FakePulumi:
    """`pulumi stack export` and `pulumi state move` over in-memory stacks."""

    def __init__(self, stacks: dict[str, list[dict]]):
        self.stacks = stacks
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        if args[:2] == ["stack", "export"]:
            name = args[args.index("--stack") + 1]
            if name not in self.stacks:
                return subprocess.CompletedProcess(args, 255, "", f"error: no stack named '{name}'")
            body = {"version": 3, "deployment": {"resources": self.stacks[name]}}
            return subprocess.CompletedProcess(args, 0, json.dumps(body), "")
        if args[:2] == ["state", "move"]:
            source, dest, urn = (
                args[args.index("--source") + 1],
                args[args.index("--dest") + 1],
                args[-1],
            )
            moving = [r for r in self.stacks[source] if r["urn"] == urn or r.get("parent") == urn]
            self.stacks[source] = [r for r in self.stacks[source] if r not in moving]
            self.stacks[dest] += moving
            return subprocess.CompletedProcess(args, 0, "moved", "")
        return subprocess.CompletedProcess(args, 1, "", "unexpected")


def state() -> dict[str, list[dict]]:
    return {
        "dev": [
            {
                "urn": "urn:pulumi:dev::tenancy::pulumi:pulumi:Stack::tenancy-dev",
                "type": "pulumi:pulumi:Stack",
            }
        ],
        "dev.stripe": [
            {"urn": LEGACY, "type": "tenancy:blocks:IdentityPlatformTenant"},
            {
                "urn": LEGACY.replace(
                    "::stripe-identity", "$gcp:identityplatform/tenant:Tenant::stripe-identity-idp"
                ),
                "type": "gcp:identityplatform/tenant:Tenant",
                "parent": LEGACY,
            },
        ],
    }


def test_a_declared_move_runs_once(registry) -> None:
    fake = FakePulumi(state())
    move = identity_move("dev", "stripe")
    first = run_moves([move], fake, execute=True)
    assert [r.status for r in first] == ["moved"] and first[0].urn == LEGACY
    assert [
        "state",
        "move",
        "--source",
        "dev.stripe",
        "--dest",
        "dev",
        "--yes",
        LEGACY,
    ] in fake.calls
    assert {r["type"] for r in fake.stacks["dev"]} >= {"gcp:identityplatform/tenant:Tenant"}
    again = run_moves([move], fake, execute=True)
    assert [r.status for r in again] == ["nothing to move"]


def test_without_execute_nothing_moves(registry) -> None:
    fake = FakePulumi(state())
    assert [r.status for r in run_moves([identity_move("dev", "stripe")], fake, execute=False)] == [
        "would move"
    ]
    assert not [c for c in fake.calls if c[:2] == ["state", "move"]]


def test_a_stack_that_does_not_exist_is_skipped() -> None:
    fake = FakePulumi({"dev": []})
    assert [r.status for r in run_moves([identity_move("dev", "hooli")], fake, True)] == [
        "absent stack"
    ]


def test_a_failing_move_is_an_error() -> None:
    fake = FakePulumi(state())

    def failing(args):
        if args[:2] == ["state", "move"]:
            return subprocess.CompletedProcess(args, 1, "", "error: destination locked")
        return fake(args)

    with pytest.raises(StateMoveError, match="destination locked"):
        run_moves([identity_move("dev", "stripe")], failing, True)


def test_every_paying_tenant_declares_its_identity_move(registry) -> None:
    moves = declared_moves(registry, "dev")
    assert sorted(m.tenant for m in moves) == sorted(
        t.id for t in registry.tenants if t.tier.value != "free"
    )
    assert all(m.dest_stack == "dev" and m.source_stack == f"dev.{m.tenant}" for m in moves)
