"""Benchmarks and the load generator: engine bench, web latency bench, load and flood tests, their client."""
