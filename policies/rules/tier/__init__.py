"""Policies of the 'tier' group."""
