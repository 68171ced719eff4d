"""The signatures of the Pulumi property wire format (secrets, resource references, outputs) and
the unknown-value marker, as the SDK's RPC layer defines them (``pulumi.runtime.rpc``, private
names). The offline plan reads registrations in this format."""

from __future__ import annotations

from pulumi.runtime import rpc

SIG_KEY: str = rpc._special_sig_key
SECRET_SIG: str = rpc._special_secret_sig
RESOURCE_SIG: str = rpc._special_resource_sig
OUTPUT_SIG: str = rpc._special_output_value_sig
UNKNOWN_VALUE: str = rpc.UNKNOWN
