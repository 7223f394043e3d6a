"""Tests of the desk TUI: Pilot tests on a real temporary SQLite store, and SVG snapshots."""
