"""Throughput, latency and memory benchmarks; each prints JSON with a raw aiokafka baseline."""
