"""Benchmarks of the hot paths against their physical limits (issue #7). Entry point: ``bench.run``."""
