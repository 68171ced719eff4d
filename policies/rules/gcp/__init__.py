"""Policies of the 'gcp' group."""
