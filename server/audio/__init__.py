"""Interpretation: language channels, booths, handovers and captions (pure; see core.py)."""
