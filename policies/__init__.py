"""The tenancy policy pack (Pulumi CrossGuard).

Importing this package, ``policies.pack`` or any rule module has no side effects: only
``policies/__main__.py`` constructs the ``PolicyPack`` (which serves gRPC forever).
"""
