"""Tenant lifecycle tooling: ``tenancy transitions`` (named, judged transitions between two
registries), the downgrade guard of ``validate --base`` and ``tenancy state-moves`` (the declared
``pulumi state move`` steps). The rules are in ``domain.lifecycle``; see docs/lifecycle.md.
"""
