"""Benchmarks: ``python -m benchmarks`` prints the read table; the other modules time export,
import, the demo and the desk's start, each on its own."""
