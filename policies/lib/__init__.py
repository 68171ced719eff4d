"""Shared helpers of the policy pack: reading inputs, undecided results, ownership, anchors."""
