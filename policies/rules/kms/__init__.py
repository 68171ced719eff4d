"""Policies of the 'kms' group."""
