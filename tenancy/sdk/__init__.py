"""The private parts of the Pulumi SDKs the tools rely on, one small module each.

Each module wraps exactly one thing the SDK does not promise to keep;
``tests/test_sdk_internals.py`` exercises each against the installed SDK, so an upgrade that moves
or changes one fails there, by name, instead of somewhere deep in a plan or a policy run.
"""
