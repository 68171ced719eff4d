"""Policies of the 'temporal' group."""
