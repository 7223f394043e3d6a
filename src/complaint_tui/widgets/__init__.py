"""Reusable pieces of the desk's screens (each with its own small DEFAULT_CSS)."""
