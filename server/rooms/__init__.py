"""Breakout rooms: rounds, rooms with their own stack, rapporteurs and reports (see core.py)."""
