"""The speaking stack: ordering, the progressive stack, turns and speaking time (see core.py)."""
